"""The lifecycle as the alarm path uses it: exactly-once per state change (a claim in the incidents table,
``bot.lifecycle.claims``), routing from tags, then the incident tracker."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.alarms import Alarm
from bot.lifecycle.claims import Claims, ClaimTaken
from bot.lifecycle.routing import route_for
from bot.lifecycle.store import IncidentStore
from bot.lifecycle.storm import StormDesk
from bot.lifecycle.tracker import IncidentTracker, Render

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.alarms import Delivery
    from bot.config import Settings
    from bot.enrich.model import Enrichment
    from bot.slack.post import Deadline, Posted, SlackPoster

DEDUP_SECONDS = 24 * 3600


class Lifecycle:
    def __init__(self, settings: Settings, tracker: IncidentTracker) -> None:
        self.settings = settings
        self.tracker = tracker
        self.claims = Claims(settings.incidents_table or "", lambda: tracker.store.client, keep_s=DEDUP_SECONDS)
        self.lambda_context: Any = None

    @classmethod
    def from_settings(cls, settings: Settings, poster: SlackPoster, dynamodb: Any = None) -> Lifecycle:
        """The production wiring; the DynamoDB client is created on first use."""
        assert settings.incidents_table
        store = IncidentStore(settings.incidents_table, client=dynamodb)
        storms = StormDesk(store, poster, threshold=settings.storm_threshold, window_s=settings.storm_window_s)
        return cls(settings, IncidentTracker(store, poster, storms))

    def once(self, delivery: Delivery, work: Callable[[], Posted | None], deadline: Deadline) -> Posted | None:
        """Run ``work`` once per state change (alarm ARN + state + time) or per SNS message id; None for a
        duplicate (done, or being done right now by a concurrent delivery)."""
        from bot.slack.post import Posted

        def post_once() -> dict[str, str]:
            posted = work()
            return {"channel": posted.channel, "ts": posted.ts} if posted else {}

        # In progress expires with the invocation, so that a crashed delivery does not block Lambda's retry.
        context = self.lambda_context
        remaining = context.get_remaining_time_in_millis() / 1000 if context else deadline.remaining()
        try:
            result = self.claims.run(dedup_key(delivery), post_once, remaining)
        except ClaimTaken:
            return None
        return Posted(channel=result["channel"], ts=result["ts"]) if result else None

    def deliver(self, alarm: Alarm, enrichment: Enrichment, deadline: Deadline, render: Render) -> Posted | None:
        tags = dict(enrichment.tags or alarm.tags or ())
        route = route_for(tags, self.settings.slack_channel)
        extra = {"service": service_of(alarm, tags), "logs": logs_of(enrichment)}
        return self.tracker.deliver(alarm, route, render, deadline, extra)


def dedup_key(delivery: Delivery) -> str:
    item = delivery.item
    if isinstance(item, Alarm):
        return f"{item.arn}|{item.state.value}|{item.changed_at.isoformat()}"
    return f"message|{delivery.message_id or json.dumps([item.title, item.body])[:2000]}"


def service_of(alarm: Alarm, tags: dict[str, str]) -> str:
    """The service ``Run /errors`` asks about: the ``lookout:service`` tag, else the Lambda function name."""
    if tags.get("lookout:service"):
        return tags["lookout:service"]
    return next((m.dimension("FunctionName") or "" for m in alarm.metrics if m.dimension("FunctionName")), "")


def logs_of(enrichment: Enrichment) -> str:
    report = enrichment.logs.value
    if report is None:
        return ""
    oldest = min((line.timestamp.timestamp() for line in report.lines), default=report.window_end.timestamp())
    return json.dumps(
        {
            "groups": list(report.groups),
            "pattern": report.filter_pattern,
            "start": report.window_start.timestamp(),
            "before": oldest,
        }
    )
