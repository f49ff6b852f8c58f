"""CloudFormation's "CloudFormation Stack Status Change" events: a stack's status (``UPDATE_IN_PROGRESS``,
``UPDATE_COMPLETE``, ``UPDATE_ROLLBACK_COMPLETE`` …) with its reason and the client request token shared by every
event of one operation (CloudFormation User Guide, "Stack status event schema"). The ledger files them under the
stack and the account's feed: no alarm names a stack, but most deploys are one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import coerce
from bot.changes import links, resources
from bot.changes.cloudtrail import dig, value
from bot.changes.model import Diff, UnknownChange

if TYPE_CHECKING:
    from bot.changes.model import Change, ServiceEvent

STATUS_EVENT = "CloudFormation Stack Status Change"


def stack_name(stack_id: str) -> str:
    """``arn:aws:cloudformation:…:stack/teststack/0a1b…`` → ``teststack`` (the documentation's example has no
    trailing id: ``stack/teststack``)."""
    return stack_id.split(":stack/", 1)[-1].split("/", 1)[0] if ":stack/" in stack_id else stack_id


def status_event(event: ServiceEvent) -> Change:
    detail = event.detail
    stack_id = coerce.text(detail.get("stack-id"))
    status = coerce.text(dig(detail, "status-details", "status"))
    if not stack_id or not status:
        raise UnknownChange("a CloudFormation Stack Status Change event lacks detail.stack-id or its status")
    name = stack_name(stack_id)
    diffs = [Diff("status", status)]
    reason = value(dig(detail, "status-details", "status-reason"))
    if reason:
        diffs.append(Diff("reason", reason))
    token = value(detail.get("client-request-token"))
    if token:
        diffs.append(Diff("operation", token))
    return event.change(
        service=resources.CLOUDFORMATION,
        action=status,
        resource=name,
        resources=resources.with_account((resources.key(resources.CLOUDFORMATION, name),), event.account),
        diffs=diffs,
        link=links.cloudformation_stack(event.region, stack_id),
        settings=(("status", status),),
    )
