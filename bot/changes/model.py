"""The values of the change ledger: one change to a running system (``Change``), what it changed (``Diff``), the
event it was read from (``Origin``: a CloudTrail call, ``bot.changes.cloudtrail.Call``, or a service's own
``ServiceEvent``), and what a search for changes found (``Changes``). Frozen, no I/O; parsing lives in
``bot.changes.parse``, storage in ``bot.changes.ledger``, the CloudTrail fallback in ``bot.changes.lookup``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

Source = Literal["ledger", "cloudtrail", "ledger+cloudtrail", "none"]
"""Where a search's changes came from: the ledger, CloudTrail's LookupEvents, both (the ledger's records start
inside the window), or neither (no ledger deployed and no lookup possible)."""


class UnknownChange(ValueError):
    """An event the ledger cannot read: not one of the shapes its rule matches, or one of them malformed. The
    message says which, in words an operator can act on (the handler logs the event whole and counts it)."""


@dataclass(frozen=True)
class Ignored:
    """An event the rule matches that changed nothing: a call that failed (``errorCode``), a read."""

    reason: str


@dataclass(frozen=True)
class Diff:
    """One thing a change changed: ``old`` → ``new``. ``old`` is None when the event does not say it and the
    ledger saw no earlier value; ``from_ledger`` when the old value is the one the ledger last recorded for the
    resource (the event itself names only the new one, as Lambda's configuration updates do)."""

    name: str
    new: str | None
    old: str | None = None
    from_ledger: bool = False

    def describe(self) -> str:
        """``memory 512 → 1024``, ``code sha256 ab12…``, ``environment variables (values not logged)``."""
        if self.new is None:
            return self.name
        return f"{self.name} {self.old} → {self.new}" if self.old is not None else f"{self.name} {self.new}"


VERBS = {
    "UpdateFunctionCode": "deployed",
    "UpdateFunctionConfiguration": "configuration changed",
    "PublishVersion": "version published",
    "UpdateAlias": "alias moved",
    "PutFunctionConcurrency": "reserved concurrency set",
    "CreateDeployment": "deployed",
    "UpdateStage": "stage updated",
    "UpdateTable": "table updated",
    "UpdateService": "service updated",
    "PutParameter": "parameter changed",
    "StartDeployment": "configuration deployed",
    "SettingsChanged": "settings changed",
    "SettingsAdded": "settings added",
    "SettingsRemoved": "settings removed",
    "FunctionStateChange": "state changed",
}
"""An action as a verb phrase about its resource (``Change.what``); others are named by their action."""
DESCRIBED = (
    "UpdateFunctionConfiguration",
    "UpdateAlias",
    "UpdateTable",
    "UpdateService",
    "SettingsChanged",
    "FunctionStateChange",
)
"""Actions whose new values say what changed even when the old ones are unknown."""
UNDESCRIBED = ("UpdateFunctionCode", "PublishVersion", "CreateDeployment")
"""Actions whose values (a code hash, a version's hash, a deployment id) tell a person nothing: the verb alone."""


@dataclass(frozen=True)
class Change:
    """One change to one resource, as the ledger keeps it and the card shows it."""

    id: str
    """CloudTrail's ``eventID`` (the same in EventBridge's ``detail`` and in LookupEvents' ``EventId``: a change
    found both ways is one change), or the EventBridge event's ``id`` for events of the services themselves."""
    at: datetime
    """When: CloudTrail's ``eventTime`` (the call), or the service event's time. Always UTC."""
    service: str
    """``lambda``, ``apigateway``, ``dynamodb``, ``ecs``, ``ssm``, ``appconfig``, ``cloudformation``."""
    action: str
    """What happened: the API action without Lambda's version suffix (``UpdateFunctionCode``), or the service
    event's own name (``UPDATE_COMPLETE``, ``SERVICE_DEPLOYMENT_FAILED``, ``On Deployment Complete``)."""
    resource: str
    """The resource as a person names it: ``orders-api``, ``orders-api:live``, ``67ge356u6d/prod``, ``Music``,
    ``default/web``, ``/app/flags``."""
    resources: tuple[str, ...]
    """The keys the change is filed under (``bot.changes.resources``), the alarmed resource's among them."""
    diffs: tuple[Diff, ...] = ()
    who: str = ""
    """The principal: the caller's ARN (an assumed role's carries its session name), the account root, or the AWS
    service that acted; empty for a service's own event."""
    issuer: str = ""
    """The role an assumed-role session was issued from (``sessionContext.sessionIssuer.arn``)."""
    via: str = ""
    """The AWS service that made the call on the caller's behalf (``userIdentity.invokedBy``, e.g.
    ``cloudformation.amazonaws.com``), or that sent the event."""
    region: str = ""
    account: str = ""
    link: str = ""
    """The resource in the console of its partition."""
    settings: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    """The resource's settings after the change, as the event reports them (Lambda's memory, an alias's
    version): the ledger keeps the last seen per resource, to name the old value of the next change."""

    @property
    def principal(self) -> str:
        """``who``, short: ``role/session`` of an assumed role, ``user/name`` of an IAM user, ``root``, or the
        service."""
        return short_principal(self.who) or self.via

    @property
    def what(self) -> str:
        """What the change did, as a verb phrase for a sentence about its resource: ``deployed``, ``configuration
        changed (timeout 30 → 3)``, ``reserved concurrency set to 2``, ``stack UPDATE_COMPLETE``."""
        verb = VERBS.get(self.action) or (
            f"stack {self.action}" if self.service == "cloudformation" else self.action
        )
        if self.action == "PutFunctionConcurrency":
            setting = next((d.new for d in self.diffs if d.new is not None), None)
            return f"{verb} to {setting}" if setting else verb
        if self.action in UNDESCRIBED:
            return verb
        shown = [d.describe() for d in self.diffs if d.old is not None or self.action in DESCRIBED][:2]
        return f"{verb} ({', '.join(shown)})" if shown else verb

    @property
    def summary(self) -> str:
        """``UpdateFunctionConfiguration orders-api: memory 512 → 1024, timeout 3 → 10``."""
        what = ", ".join(d.describe() for d in self.diffs)
        return f"{self.action} {self.resource}" + (f": {what}" if what else "")


@dataclass(frozen=True, kw_only=True)
class Origin:
    """What every change read from one event shares with it: the event's id and time, its action, where, and who
    made it (``Change``'s fields of the same names)."""

    id: str
    at: datetime
    action: str
    region: str
    account: str
    who: str = ""
    issuer: str = ""
    via: str = ""

    def change(
        self,
        *,
        service: str,
        resource: str,
        resources: tuple[str, ...],
        diffs: Iterable[Diff] = (),
        link: str = "",
        settings: Iterable[tuple[str, str]] = (),
        action: str = "",
    ) -> Change:
        """The change the event made; ``action`` where the reader names it otherwise than the event does."""
        return Change(
            id=self.id,
            at=self.at,
            service=service,
            action=action or self.action,
            resource=resource,
            resources=resources,
            diffs=tuple(diffs),
            who=self.who,
            issuer=self.issuer,
            via=self.via,
            region=self.region,
            account=self.account,
            link=link,
            settings=tuple(settings),
        )


@dataclass(frozen=True, kw_only=True)
class ServiceEvent(Origin):
    """An EventBridge event a service sent about itself: ``action`` is its ``detail-type``, ``via`` the service."""

    detail: Mapping[str, object]
    resources: tuple[str, ...]
    """The event's ``resources``: the ARNs it is about."""


@dataclass(frozen=True)
class Changes:
    """What a search for changes before a moment found, newest first, and how far it could look."""

    items: tuple[Change, ...]
    since: datetime
    until: datetime
    source: Source
    complete: bool = True
    """False when part of the window could not be searched (CloudTrail throttled, the deadline, a page limit):
    ``notes`` says which part."""
    notes: tuple[str, ...] = ()

    def nearest_before(self, moment: datetime) -> Change | None:
        """The newest change at or before ``moment`` (for "deployed 4 min before the first breach")."""
        return next((c for c in self.items if c.at <= moment), None)

    def describe_window(self) -> str:
        """``14:02–15:02 UTC`` (the window searched, for "nothing changed in …")."""
        return f"{self.since.astimezone(UTC):%H:%M}–{self.until.astimezone(UTC):%H:%M} UTC"


def short_principal(arn: str) -> str:
    """``arn:aws:sts::1:assumed-role/deploy/gha-42`` → ``deploy/gha-42``; ``arn:aws:iam::1:user/ana`` →
    ``user/ana``; ``arn:aws:iam::1:root`` → ``root``; anything else as given."""
    if not arn.startswith("arn:"):
        return arn
    resource = arn.split(":", 5)[-1]
    if resource.startswith("assumed-role/"):
        return resource.removeprefix("assumed-role/")
    return resource
