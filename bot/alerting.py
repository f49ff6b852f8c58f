"""The alarm path: Lambda event → deliveries → enrichment → rendered message → Slack.

Each delivery is handled on its own: one that fails never stops the others. If any failed, ``AlertsFailed``
is raised after all were tried, so that Lambda retries and the on-failure destination keep the event.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.alarms import Alarm, Delivery, Notification
from bot.events import parse_event
from bot.slack.render import Message, render_alarm, render_bare_alarm, render_notification

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.enrich.model import Enrichment
    from bot.enrich.runner import Enricher
    from bot.lifecycle.service import Lifecycle
    from bot.observability import Telemetry
    from bot.slack.lifecycle_render import Presentation
    from bot.slack.post import Deadline, Posted, SlackPoster


class AlertsFailed(RuntimeError):
    """Some deliveries of an event could not be posted; the message lists which and why."""


@dataclass(frozen=True)
class Outcome:
    title: str
    posted: Posted | None = None
    error: str | None = None


class AlertService:
    def __init__(
        self,
        settings: Settings,
        *,
        enricher: Enricher | None,
        poster: SlackPoster,
        telemetry: Telemetry,
        lifecycle: Lifecycle | None = None,
    ) -> None:
        self.settings = settings
        self.enricher = enricher
        self.poster = poster
        self.telemetry = telemetry
        self.lifecycle = lifecycle

    def handle(self, event: Any, deadline: Deadline, lambda_context: Any = None) -> list[Outcome]:
        if self.lifecycle is not None:
            self.lifecycle.lambda_context = lambda_context
        prefetch = getattr(self.poster, "prefetch", None)
        if callable(prefetch):
            prefetch()  # the Slack token, in parallel with enrichment
        outcomes = [self._deliver(delivery, deadline) for delivery in parse_event(event)]
        failed = [o for o in outcomes if o.error]
        if failed:
            raise AlertsFailed("; ".join(f"{o.title}: {o.error}" for o in failed))
        return outcomes

    def message_for(self, delivery: Delivery, deadline: Deadline) -> Message:
        """The message for one delivery. A bug in enrichment or rendering costs details, never the alert."""
        item = delivery.item
        if not isinstance(item, Alarm):
            return render_notification(item)
        return self.render_for(item, self.enrichment_for(item, deadline), delivery)

    def enrichment_for(self, alarm: Alarm, deadline: Deadline) -> Enrichment:
        from bot.enrich.model import Enrichment

        try:
            return self._enrich(alarm, deadline)
        except Exception:  # noqa: BLE001 - degrade to the bare alarm
            self.telemetry.logger.exception("enrichment failed")
            return Enrichment.skipped("unavailable (internal error, see Lookout's logs)")

    def render_for(
        self, alarm: Alarm, enrichment: Enrichment, delivery: Delivery, presentation: Presentation | None = None
    ) -> Message:
        from bot.slack.lifecycle_render import decorate

        try:
            message = render_alarm(alarm, enrichment)
            return decorate(message, alarm, presentation) if presentation else message
        except Exception:  # noqa: BLE001
            self.telemetry.logger.exception("rendering failed; posting the bare alarm")
        try:
            return render_bare_alarm(alarm, "details could not be rendered (see Lookout's logs)")
        except Exception:  # noqa: BLE001
            note = Notification(
                title=alarm.name, body=alarm.reason, source=delivery.via, problem="could not render"
            )
            return render_notification(note)

    def _deliver(self, delivery: Delivery, deadline: Deadline) -> Outcome:
        """Render and post one delivery, with its alarm name, state and message id on every log line."""
        item = delivery.item
        keys = {"alarm_name": _title(delivery), "message_id": delivery.message_id, "via": delivery.via}
        if isinstance(item, Alarm):
            keys["state"] = item.state.value
        self.telemetry.logger.append_keys(**keys)
        try:
            return self._post(delivery, deadline)
        finally:
            self.telemetry.logger.remove_keys(list(keys))

    def _post(self, delivery: Delivery, deadline: Deadline) -> Outcome:
        log = self.telemetry.logger
        try:
            with self.telemetry.span("## slack"):
                posted = self._once(delivery, deadline)
        except Exception as exc:  # noqa: BLE001 - recorded here, raised for the whole event by handle()
            log.exception("alert not posted")
            self.telemetry.count("AlertsFailed")
            return Outcome(title=_title(delivery), error=str(exc))
        if posted is None:
            log.info("no new post: duplicate delivery, grouped in a storm, or an update only")
            return Outcome(title=_title(delivery))
        self.telemetry.count("AlertsPosted")
        if isinstance(delivery.item, Alarm):
            latency_ms = (datetime.now(UTC) - delivery.item.changed_at).total_seconds() * 1000
            self.telemetry.count("AlarmToPostLatency", value=max(0.0, latency_ms), unit="Milliseconds")
        log.info("alert posted", extra={"channel": posted.channel, "ts": posted.ts})
        return Outcome(title=_title(delivery), posted=posted)

    def _once(self, delivery: Delivery, deadline: Deadline) -> Posted | None:
        """Post (or update) for this delivery exactly once, however often it is delivered."""
        if self.lifecycle is None:
            return self._send(delivery, deadline)
        return self.lifecycle.once(delivery, lambda: self._send(delivery, deadline), deadline)

    def _send(self, delivery: Delivery, deadline: Deadline) -> Posted | None:
        item = delivery.item
        if isinstance(item, Alarm) and self.lifecycle is not None:
            enrichment = self.enrichment_for(item, deadline)
            return self.lifecycle.deliver(
                item,
                enrichment,
                deadline,
                render=lambda presentation: self.render_for(item, enrichment, delivery, presentation),
            )
        return self.poster.post(self.message_for(delivery, deadline), self.settings.slack_channel, deadline)

    def _enrich(self, alarm: Alarm, deadline: Deadline) -> Enrichment:
        from bot.enrich.model import Enrichment

        if self.enricher is None:
            return Enrichment.skipped()
        started = time.monotonic()
        budget = deadline.remaining() - self.settings.slack_reserve_s
        enrichment = self.enricher.enrich(alarm, budget_s=max(0.5, budget))
        self.telemetry.logger.debug("enriched", extra={"seconds": round(time.monotonic() - started, 3)})
        return enrichment


def _title(delivery: Delivery) -> str:
    item = delivery.item
    return item.name if isinstance(item, Alarm) else item.title


def build_alert_service(settings: Settings, telemetry: Telemetry, *, offline: bool = False) -> AlertService:
    """The production wiring: enrichment with cached AWS clients, Slack with a token from settings or secret."""
    from bot import aws
    from bot.config import ConfigError
    from bot.enrich.runner import Enricher
    from bot.slack.post import SlackPoster
    from bot.slack.secret import read_slack_secret

    aws.configure(lean=settings.lean_aws, span=telemetry.aws_span if telemetry.tracing else None)

    def token() -> str:
        if settings.slack_bot_token:
            return settings.slack_bot_token
        if settings.slack_token_secret:
            return read_slack_secret(settings.slack_token_secret, client=aws.client("secretsmanager")).bot_token
        raise ConfigError("set SLACK_TOKEN_SECRET_ARN (or SLACK_BOT_TOKEN for local runs)")

    def on_finding(finding: Any) -> None:
        if finding.failed:
            telemetry.count("EnrichmentFailures", Source=finding.source)

    enricher = None if offline else Enricher(settings, observer=on_finding, wrap=telemetry.in_thread)
    poster = SlackPoster(
        token, base_url=settings.slack_api_url, on_retry=lambda _why: telemetry.count("SlackRetries")
    )
    lifecycle = None
    if settings.incidents_table and not offline:
        from bot.lifecycle.service import Lifecycle

        lifecycle = Lifecycle.from_settings(settings, poster)
    return AlertService(settings, enricher=enricher, poster=poster, telemetry=telemetry, lifecycle=lifecycle)
