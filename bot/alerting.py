"""The alarm path, one pipeline per delivery: parse → claim (exactly once) → enrich → decide (the lifecycle)
→ render and post (the courier).

Each delivery is handled on its own: one that fails never stops the others; different alarms' deliveries run
side by side, one alarm's in the order they came. If any failed, ``AlertsFailed`` is raised after all were
tried, so that Lambda retries and the on-failure destination keep the event.
Not for: building clients or reading settings (``bot.wiring`` and the handlers do).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from bot.alarms import Alarm, Notification
from bot.enrich.model import Enrichment
from bot.events import parse_event
from bot.lifecycle.decisions import Alert, Messenger
from bot.lifecycle.once import ChangeInProgress, TrackingUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.typing import LambdaContext

    from bot.config import Settings
    from bot.delivery import Deadline, Delivery, Posted
    from bot.enrich.runner import Enricher, Routed
    from bot.lifecycle.alarm_path import Lifecycle
    from bot.lifecycle.store import Incident
    from bot.observability import Telemetry


DELIVERIES_AT_ONCE = 8
"""Deliveries of one event in flight at once (a log-error burst's new kinds, a check tick's transitions, an
SQS batch): each alarm's own state changes still one after another, in the order they came."""


class AlertsFailed(RuntimeError):
    """Some deliveries of an event could not be posted; the message lists which and why."""


class Courier(Messenger, Protocol):
    """The messenger of the alarm path, which also posts what is not an alarm, and can say whether Slack
    would take an alert now."""

    def notification(
        self, item: Notification, channel: str, deadline: Deadline, message_id: str | None = None
    ) -> Posted: ...

    def probe(self, channel: str, deadline: Deadline) -> str | None: ...


@dataclass(frozen=True)
class Outcome:
    title: str
    posted: Posted | None = None
    error: str | None = None
    in_progress: bool = False
    """The error is only that another delivery holds this state change's claim (it posts it)."""


@dataclass(eq=False)
class AlertService:
    settings: Settings
    _: KW_ONLY
    enricher: Enricher | None
    courier: Courier
    telemetry: Telemetry
    lifecycle: Lifecycle | None = None
    prefetch: Callable[[], None] | None = None
    """Started with each event (the Slack token read in parallel with enrichment), or None."""
    forget: Callable[[], None] | None = None
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(2 * DELIVERIES_AT_ONCE, thread_name_prefix="lookout-ahead"),
        init=False,
    )
    """An alarm's enrichment and incident read, started ahead of its claim (threads start on first use)."""

    def read_secrets(self) -> None:
        """Start reading the Slack token now, in the background (each event starts it too, if not done)."""
        if self.prefetch is not None:
            self.prefetch()

    def forget_secrets(self) -> None:
        """Read the Slack token again on next use (after a SnapStart restore)."""
        if self.forget is not None:
            self.forget()

    def slack_problem(self, deadline: Deadline) -> str | None:
        """What keeps alerts from the default channel now (Slack refusing the token, or the channel), or None;
        the scheduled heartbeat says 0 while there is one."""
        return self.courier.probe(self.settings.slack_channel, deadline)

    def handle(
        self, event: object, deadline: Deadline, lambda_context: LambdaContext | None = None
    ) -> list[Outcome]:
        return self.deliver_all(list(parse_event(event)), deadline, lambda_context)

    def deliver_all(
        self,
        deliveries: list[Delivery],
        deadline: Deadline,
        lambda_context: LambdaContext | None = None,
        *,
        raise_failed: bool = True,
    ) -> list[Outcome]:
        """Deliveries made elsewhere (a check's transition) through the same pipeline as a Lambda event's; one
        outcome per delivery, in order. ``raise_failed``: raise ``AlertsFailed`` when any failed."""
        if not deliveries:
            return []
        if self.prefetch is not None:
            self.prefetch()
        outcomes = self._deliver_each(deliveries, deadline, lambda_context)
        outcomes = self._flushed(deliveries, outcomes, deadline, getattr(lambda_context, "aws_request_id", ""))
        failed = [o for o in outcomes if o.error]
        if failed and raise_failed:
            raise AlertsFailed("; ".join(f"{o.title}: {o.error}" for o in failed))
        return outcomes

    def _deliver_each(
        self, deliveries: list[Delivery], deadline: Deadline, lambda_context: LambdaContext | None
    ) -> list[Outcome]:
        """Each delivery's outcome, in order. Different alarms go at once (each is claimed, decided and posted on
        its own: a burst of 21 new log-error kinds is one post's time, not 21); one alarm's state changes go one
        after another in the order they came, so an ALARM and its OK in one batch are decided in that order."""
        lanes: dict[str, list[int]] = {}
        for i, delivery in enumerate(deliveries):
            lanes.setdefault(_lane(delivery, i), []).append(i)
        if len(lanes) == 1:  # one at a time: its log keys go on every line, its enrichment threads' too
            return [self._deliver(delivery, deadline, lambda_context, alone=True) for delivery in deliveries]
        outcomes: dict[int, Outcome] = {}

        def lane(indexes: list[int]) -> None:
            for i in indexes:
                outcomes[i] = self._deliver(deliveries[i], deadline, lambda_context)

        workers = min(DELIVERIES_AT_ONCE, len(lanes))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lookout-deliver") as pool:
            for done in [pool.submit(self.telemetry.in_thread("## deliveries", lane), i) for i in lanes.values()]:
                done.result()  # _deliver records a failure on its outcome: only a bug of ours raises here
        return [outcomes[i] for i in range(len(deliveries))]

    def _flushed(
        self, deliveries: list[Delivery], outcomes: list[Outcome], deadline: Deadline, request_id: str
    ) -> list[Outcome]:
        """Each storm the deliveries wrote into, flushed once (or left to its live flusher) — after all of them:
        a burst in one event gathers once. A retry of a delivery already done flushes its storm again (the
        flusher may have died). A flush that cannot finish fails the deliveries it holds, so Lambda retries.
        The lease's owner is this invocation: Lambda's retries of it keep its request id (AWS Knowledge Center,
        "Lambda function duplicate invocations"), so a killed flusher's retry takes its lease back at once,
        while a duplicate delivery of the same notification, another invocation, waits for the live flusher
        instead of posting the same round beside it (the change key alone let both post it)."""
        invocation = request_id or uuid.uuid4().hex
        storms: dict[str, str] = {}
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            if outcome.posted is not None and outcome.posted.storm:
                change = delivery.item.change_key if isinstance(delivery.item, Alarm) else outcome.title
                storms.setdefault(outcome.posted.storm, f"{change}#{invocation}")
        failures: dict[str, str] = {}
        for storm, owner in storms.items():
            assert self.lifecycle is not None  # only the lifecycle groups into storms
            try:
                self.lifecycle.flush_storm(storm, deadline, owner)
            except Exception as exc:  # noqa: BLE001 - recorded on the outcomes, raised for the event by the caller
                self.telemetry.logger.exception("storm flush not finished")
                self.telemetry.count("AlertsFailed")
                failures[storm] = str(exc)
        if not failures:
            return outcomes
        return [
            replace(o, error=failures[o.posted.storm]) if o.posted and o.posted.storm in failures else o
            for o in outcomes
        ]

    def enrichment_for(self, alarm: Alarm, deadline: Deadline, routed: Routed | None = None) -> Enrichment:
        """What the enrichers found, within the time left; a bug in enrichment costs details, never the alert.
        ``routed``: hears the tags to route by as soon as they are known (``Enricher.enrich``)."""
        if self.enricher is None:
            return Enrichment.skipped()
        try:
            started = time.monotonic()
            budget = deadline.remaining() - self.settings.slack_reserve_s
            if routed is None:
                enrichment = self.enricher.enrich(alarm, budget_s=max(0.5, budget))
            else:
                enrichment = self.enricher.enrich(alarm, budget_s=max(0.5, budget), routed=routed)
            self.telemetry.logger.debug("enriched", extra={"seconds": round(time.monotonic() - started, 3)})
            return enrichment
        except Exception:  # noqa: BLE001 - degrade to the bare alarm
            self.telemetry.logger.exception("enrichment failed")
            return Enrichment.skipped("unavailable (internal error, see Lookout's logs)")

    def _deliver(
        self, delivery: Delivery, deadline: Deadline, lambda_context: LambdaContext | None, *, alone: bool = False
    ) -> Outcome:
        """One delivery through the pipeline, with its alarm name, state and message id on every log line:
        of every thread when it is ``alone``, else of its own thread (deliveries side by side)."""
        keys = {"alarm_name": _title(delivery), "message_id": delivery.message_id, "via": delivery.via}
        if isinstance(delivery.item, Alarm):
            keys["state"] = delivery.item.state.value
        logger = self.telemetry.logger
        (logger.append_keys if alone else logger.thread_safe_append_keys)(**keys)
        try:
            return self._outcome(delivery, deadline, lambda_context)
        finally:
            (logger.remove_keys if alone else logger.thread_safe_remove_keys)(list(keys))

    def _outcome(self, delivery: Delivery, deadline: Deadline, lambda_context: LambdaContext | None) -> Outcome:
        log, title = self.telemetry.logger, _title(delivery)
        ahead = self._ahead(delivery, deadline)
        try:
            with self.telemetry.span("## slack"):
                if self.lifecycle is None:
                    posted, ran = self._process(delivery, deadline, ahead), True
                else:
                    posted, ran = self.lifecycle.once(
                        delivery, lambda: self._process(delivery, deadline, ahead), deadline, lambda_context
                    )
        except TrackingUnavailable:
            log.warning("incidents table unreachable: posting without incident tracking", exc_info=True)
            self.telemetry.count("AlertsUntracked")
            try:
                posted, ran = self._untracked(delivery, deadline, ahead), True
            except Exception as exc:  # noqa: BLE001 - recorded here, raised for the whole event by handle()
                log.exception("alert not posted")
                self.telemetry.count("AlertsFailed")
                return Outcome(title=title, error=str(exc))
        except ChangeInProgress as exc:  # not lost: Lambda's retry finds it done, or does it
            log.warning("state change in progress elsewhere; this invocation fails so that Lambda retries")
            self.telemetry.count("AlertsInProgress")
            return Outcome(title=title, error=str(exc), in_progress=True)
        except Exception as exc:  # noqa: BLE001 - recorded here, raised for the whole event by handle()
            log.exception("alert not posted")
            self.telemetry.count("AlertsFailed")
            return Outcome(title=title, error=str(exc))
        if posted is not None and posted.quiet:
            log.info("not posted: " + posted.quiet)
            self.telemetry.count("OksWithoutIncident")
            return Outcome(title=title)
        if posted is not None and posted.storm:
            log.info("written into a storm; shown when its flush runs", extra={"storm": posted.storm})
            return Outcome(title=title, posted=posted)
        if posted is None or not ran:
            log.info("no new post: a duplicate delivery, or an update only")
            return Outcome(title=title)
        self.telemetry.count("AlertsPosted")
        if isinstance(delivery.item, Alarm) and delivery.item.time_known:
            latency_ms = (datetime.now(UTC) - delivery.item.changed_at).total_seconds() * 1000
            self.telemetry.count("AlarmToPostLatency", value=max(0.0, latency_ms), unit="Milliseconds")
        log.info("alert posted", extra={"channel": posted.channel, "ts": posted.ts})
        return Outcome(title=title, posted=posted)

    def _ahead(self, delivery: Delivery, deadline: Deadline) -> Ahead | None:
        """An alarm's enrichment and incident read, started before its exactly-once claim and run beside it:
        the chain before the post is the longest enrichment chain, not the claim plus it. (A duplicate
        delivery, which the claim stops, has read for nothing: reads only, and rare.)"""
        item = delivery.item
        if not isinstance(item, Alarm) or (self.enricher is None and self.lifecycle is None):
            return None  # nothing to start ahead
        routed: Future[tuple[tuple[str, str], ...]] = Future()

        def enrich() -> Enrichment:
            found = None
            try:
                found = self.enrichment_for(item, deadline, lambda tags: _settle(routed, tags))
                return found
            finally:  # the routing tags, if the enrichment did not tell them earlier: its own (or none)
                _settle(routed, found.tags if found is not None else ())

        incident = None
        if self.lifecycle is not None:
            incident = self._pool.submit(self.telemetry.in_thread("## incident", self.lifecycle.read_ahead), item)
        return Ahead(self._pool.submit(self.telemetry.in_thread("## enrich", enrich)), incident, routed)

    def _untracked(self, delivery: Delivery, deadline: Deadline, ahead: Ahead | None) -> Posted:
        """The alert as a plain message marked untracked: the incidents table could not be reached."""
        item = delivery.item
        if not isinstance(item, Alarm):
            return self.courier.notification(item, self.settings.slack_channel, deadline, delivery.message_id)
        alert = Alert(item, ahead.enrichment.result() if ahead else self.enrichment_for(item, deadline))
        assert self.lifecycle is not None  # only the lifecycle's claim can find the table unreachable
        channel, card = self.lifecycle.untracked(alert)
        # an earlier try may have posted it before the table stopped answering: look before posting again
        return self.courier.post(alert, card, channel, deadline, search_first=True)

    def _process(self, delivery: Delivery, deadline: Deadline, ahead: Ahead | None) -> Posted | None:
        """Enrich (or take the enrichment started ahead), decide, render, post — what runs once per state
        change."""
        item = delivery.item
        if not isinstance(item, Alarm):
            return self.courier.notification(item, self.settings.slack_channel, deadline, delivery.message_id)
        alert = Alert(item, ahead.enrichment if ahead else self.enrichment_for(item, deadline))
        if self.lifecycle is not None:  # it decides and claims beside the sources; the post waits for them
            read = ahead.incident.result if ahead and ahead.incident else None
            return self.lifecycle.deliver(alert, deadline, read, ahead.routed if ahead else None)
        return self.courier.post(alert, None, self.settings.slack_channel, deadline)


@dataclass(frozen=True)
class Ahead:
    """What an alarm's delivery started before its claim: the enrichment (never raises: a failing source is a
    note) and the incident record's read (raises what the read raised; the tracker then reads again)."""

    enrichment: Future[Enrichment]
    incident: Future[Incident | None] | None
    routed: Future[tuple[tuple[str, str], ...]]
    """The tags to route by, known before the enrichment ends (once CloudWatch confirmed the alarm)."""


def _settle(future: Future[tuple[tuple[str, str], ...]], tags: tuple[tuple[str, str], ...]) -> None:
    """The first answer wins: the enrichment's early word, or its result's."""
    with contextlib.suppress(InvalidStateError):
        future.set_result(tags)


def _lane(delivery: Delivery, index: int) -> str:
    """Deliveries in one lane go one after another: an alarm's (by ARN, or name), or a notification alone."""
    item = delivery.item
    return f"alarm {item.arn or item.name}" if isinstance(item, Alarm) else f"notification {index}"


def _title(delivery: Delivery) -> str:
    item = delivery.item
    return item.name if isinstance(item, Alarm) else item.title
