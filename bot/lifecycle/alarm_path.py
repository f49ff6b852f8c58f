"""The lifecycle as the alarm path uses it: exactly once per state change (``bot.lifecycle.once``), routing
from tags, then the incident tracker, whose decisions the ``Messenger`` carries out."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.alarms import Alarm
from bot.delivery import Posted
from bot.lifecycle.decisions import Card
from bot.lifecycle.escalation import EscalationIndex
from bot.lifecycle.once import ExactlyOnce
from bot.lifecycle.routing import EscalationDefaults, route_for
from bot.lifecycle.store import Incident, IncidentStore
from bot.lifecycle.storm import StormDesk
from bot.lifecycle.storm_store import StormStore
from bot.lifecycle.tracker import IncidentTracker

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Future

    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_dynamodb import DynamoDBClient

    from bot.config import Settings
    from bot.delivery import Deadline, Delivery
    from bot.lifecycle.decisions import Alert, Messenger
    from bot.lifecycle.routing import Route


class Lifecycle:
    def __init__(self, settings: Settings, tracker: IncidentTracker, once: ExactlyOnce) -> None:
        self.settings = settings
        self.tracker = tracker
        self.exactly_once = once

    @classmethod
    def from_settings(cls, settings: Settings, messenger: Messenger, dynamodb: DynamoDBClient) -> Lifecycle:
        """The production wiring on the incidents table, through the injected DynamoDB client."""
        assert settings.incidents_table
        store = IncidentStore(settings.incidents_table, client=dynamodb)
        storms = StormDesk(
            StormStore(settings.incidents_table, client=dynamodb),
            messenger,
            threshold=settings.storm_threshold,
            window_s=settings.storm_window_s,
        )
        tracker = IncidentTracker(
            store,
            messenger,
            storms,
            post_lone_oks=settings.post_lone_oks,
            escalations=EscalationIndex(settings.incidents_table, dynamodb),
        )
        return cls(settings, tracker, ExactlyOnce(settings.incidents_table, dynamodb))

    def once(
        self,
        delivery: Delivery,
        work: Callable[[], Posted | None],
        deadline: Deadline,
        lambda_context: LambdaContext | None,
    ) -> tuple[Posted | None, bool]:
        """Run ``work`` once per state change (alarm ARN + state + time) or per SNS message id: what it posted,
        and whether it ran now (False: a duplicate of a change already done). A change being done right now by
        another delivery raises Powertools' ``IdempotencyAlreadyInProgressError``: this invocation fails and
        Lambda's retry finds it done (or, if that delivery died, does it)."""

        def post_once() -> dict[str, str]:
            posted = work()
            if posted is None:
                return {}
            return {"channel": posted.channel, "ts": posted.ts, "storm": posted.storm, "quiet": posted.quiet}

        result, ran = self.exactly_once.run(
            dedup_key(delivery), post_once, lambda_context=lambda_context, deadline=deadline
        )
        if not result:
            return None, ran
        # a storm entry's storm comes back on a retry too: the retry flushes it again (its flusher may have died)
        storm, quiet = result.get("storm", ""), result.get("quiet", "")
        posted = Posted(channel=result["channel"], ts=result["ts"], storm=storm, quiet=quiet)
        return posted, ran

    def flush_storm(self, key: str, deadline: Deadline, owner: str) -> None:
        """Show what deliveries wrote into storm ``key`` (or leave it to its live flusher); raises when the flush
        could not finish, so that the event fails and Lambda retries it."""
        if self.tracker.storms is not None:
            self.tracker.storms.flush_or_hand_off(key, deadline, owner)

    def untracked(self, alert: Alert) -> tuple[str, Card]:
        """Where and how an alert goes when the incidents table is unreachable: routed by its tags, marked."""
        tags = dict(alert.enrichment.tags or alert.alarm.tags or ())
        route = self._route(tags)
        service = service_of(alert.alarm, tags)
        card = Card(
            severity=route.severity, mention=route.mention, service=service, untracked=True, note=route.note
        )
        return route.channel, card

    def _route(self, tags: dict[str, str]) -> Route:
        """Where the alert goes and who it calls: its tags within what the settings allow and default."""
        return route_for(
            tags,
            self.settings.slack_channel,
            self.settings.alert_channels,
            self.settings.renotify_s,
            escalation_defaults(self.settings),
        )

    def read_ahead(self, alarm: Alarm) -> Incident | None:
        """The alarm's incident record, read before the claim (``deliver``'s ``read``)."""
        return self.tracker.store.get(alarm.arn)

    def deliver(
        self,
        alert: Alert,
        deadline: Deadline,
        read: Callable[[], Incident | None] | None = None,
        routed: Future[tuple[tuple[str, str], ...]] | None = None,
    ) -> Posted | None:
        """Decide what this state change does to its incident; the messenger renders and posts it. ``read``:
        the incident record as read ahead, else it is read now. ``routed``: the tags the enrichment will carry
        (known once CloudWatch confirmed the alarm and its tags were read, before the other sources end), so
        that the decision and its writes run beside them; else the enrichment's."""
        alarm = alert.alarm
        found = routed.result() if routed is not None else alert.enrichment.tags
        tags = dict(found or alarm.tags or ())
        route = self._route(tags)
        return self.tracker.deliver(alert, route, deadline, {"service": service_of(alarm, tags)}, read)


def dedup_key(delivery: Delivery) -> str:
    item = delivery.item
    if isinstance(item, Alarm):
        return item.change_key
    return f"message|{delivery.message_id or json.dumps([item.title, item.body])[:2000]}"


def service_of(alarm: Alarm, tags: dict[str, str]) -> str:
    """The service ``Run /errors`` asks about: the ``lookout:service`` tag, else the Lambda function name."""
    if tags.get("lookout:service"):
        return tags["lookout:service"]
    return next((m.dimension("FunctionName") or "" for m in alarm.metrics if m.dimension("FunctionName")), "")


def escalation_defaults(settings: Settings) -> EscalationDefaults:
    """The configured escalation policy, which an alarm's ``lookout:escalate-*`` tags override."""
    return EscalationDefaults(
        after_s=settings.escalate_after_s, page_after_s=settings.escalate_page_after_s, to=settings.escalate_to
    )
