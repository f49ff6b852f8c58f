"""The lifecycle as the alarm path uses it: exactly-once per state change (Powertools Idempotency on the
incidents table), routing from tags, then the incident tracker.

Why Powertools Idempotency rather than a conditional write of our own: it already records *in progress* with
an expiry tied to the Lambda's remaining time, deletes the record when the work fails (so Lambda's retry can
post), and returns the stored result to later duplicates — exactly the states a hand-written claim would need.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.alarms import Alarm
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
    def __init__(
        self, settings: Settings, tracker: IncidentTracker, persistence: Any = None, dynamodb: Any = None
    ) -> None:
        self.settings = settings
        self.tracker = tracker
        self._persistence = persistence
        self._dynamodb = dynamodb
        self.lambda_context: Any = None

    @classmethod
    def from_settings(cls, settings: Settings, poster: SlackPoster, dynamodb: Any = None) -> Lifecycle:
        """The production wiring; the DynamoDB client and the persistence layer are created on first use."""
        assert settings.incidents_table
        store = IncidentStore(settings.incidents_table, client=dynamodb)
        storms = StormDesk(store, poster, threshold=settings.storm_threshold, window_s=settings.storm_window_s)
        return cls(settings, IncidentTracker(store, poster, storms), dynamodb=dynamodb)

    @property
    def persistence(self) -> Any:
        if self._persistence is None:
            from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

            self._persistence = DynamoDBPersistenceLayer(
                table_name=self.settings.incidents_table or "",
                key_attr="pk",
                boto3_client=self.tracker.store.client,
            )
        return self._persistence

    def once(self, delivery: Delivery, work: Callable[[], Posted | None], deadline: Deadline) -> Posted | None:
        """Run ``work`` once per state change (alarm ARN + state + time) or per SNS message id."""
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

        from bot.slack.post import Posted

        config = IdempotencyConfig(
            event_key_jmespath="key",
            expires_after_seconds=DEDUP_SECONDS,
            response_hook=lambda response, _record: {**response, "replayed": "1"},  # a duplicate delivery
        )
        # In progress expires with the invocation, so that a crashed delivery does not block Lambda's retry.
        config.register_lambda_context(self.lambda_context or _RemainingTime(deadline))  # type: ignore[arg-type]

        @idempotent_function(data_keyword_argument="change", persistence_store=self.persistence, config=config)
        def post_once(change: dict[str, str]) -> dict[str, str]:
            posted = work()
            return {"channel": posted.channel, "ts": posted.ts, "new": "1"} if posted else {"new": ""}

        try:
            result = post_once(change={"key": dedup_key(delivery)})
        except IdempotencyAlreadyInProgressError:
            return None  # the same state change is being posted by a concurrent delivery right now
        if not result.get("new") or result.get("replayed"):
            return None
        return Posted(channel=result["channel"], ts=result["ts"])

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


class _RemainingTime:
    """The one thing Powertools reads from a Lambda context, from our deadline (outside Lambda)."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return int(self.deadline.remaining() * 1000)
