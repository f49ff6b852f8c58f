"""Reliability families: faults injected into Slack and DynamoDB, lost responses, invocations killed before,
during and after the Slack call and inside a storm's flush, duplicate, concurrent and out-of-order deliveries,
dead channels, malformed events — and what became of every alert: posted, lost, duplicated.

Each family sends ten distinct alarms through the real alarm path (lifecycle on moto's DynamoDB, the Slack
stand-in) with storms on at the template's threshold (the first three alarms on their own, the rest grouped),
the way Lambda's asynchronous invoke runs them: a try, then up to two retries, a minute and two later, after
the invocation's claim expired; a killed invocation does not clean up. An alarm is *posted* when exactly one
message shows it (on its own, or one line in its storm's thread), *duplicated* when more than one does, *lost*
when none does. Prints one Markdown row a family (``docs/reliability.md`` holds a run's table).

Then the escalation families (``tests/support/escalation.py``, issue #32): ten alarms tagged to escalate (three
on their own, seven in a storm's thread), opened and never acknowledged; the minute tick run every minute as
EventBridge Scheduler and Lambda run it (a try, then two retries of the same scheduled minute once the try's
claims expired) while Slack and SNS fail, ticks are killed before and after each call, duplicated, run at once or
not at all, and Acknowledge, Silence or OK land mid-tick. A step is *taken once* when Slack shows its note once
(by its text) or the pager's queue received its page once; what the issue's rules say must not happen after a
stop is counted apart. Prints one row a family under the first table.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from botocore.exceptions import ClientError, ReadTimeoutError  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench.common import published, quiet_logs  # noqa: E402
from bot.alerting import AlertsFailed  # noqa: E402
from bot.delivery import Deadline  # noqa: E402
from local.lambda_runtime import LambdaContext  # noqa: E402
from local.slack.api import Fault, SlackStandIn  # noqa: E402
from tests.support.lifecycle import Unreachable, lifecycle_service, sns_event  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

ALARMS = 10
MET: list[int] = [0]
"""Faults that actually hit a call, counted where each one fires."""
CHANNEL = "C0RELIABLE"
DEAD = "#gone-oncall"
TRY_S = 2.0
"""Each invocation's time: its claim expires with it, and Lambda's retry comes after."""
HEALED = [False]
"""The injected DynamoDB fault is over (replay runs then, as on-call would)."""
LATER = [0.0]
"""How much later than now the lifecycle's clock says it is: Lambda retries a minute, then two, later."""


class Killed(BaseException):
    """The invocation stops here (a timeout, out of memory): nothing after it runs, nothing is cleaned up."""


def like_lambda(service: Any, event: dict[str, Any]) -> bool:
    """One asynchronous invocation and Lambda's two retries; False when all three failed (the on-failure
    queue would keep the event for ``lookout replay``)."""
    request_id = str(uuid.uuid4())  # Lambda's retries of an invocation keep its request id
    for attempt in range(3):
        try:
            context = LambdaContext(timeout_s=TRY_S, request_id=request_id)
            service.handle(event, Deadline.after(TRY_S * 4), lambda_context=context)
            return True
        except (AlertsFailed, Killed):
            time.sleep(TRY_S + 0.1)  # the claim expires with the invocation
            LATER[0] += 60.0 * (attempt + 1)
    return False


def outcome(slack: SlackStandIn, names: list[str]) -> tuple[int, int, int]:
    """Per alarm, how many messages show it: its own (the header names it) or one line in a storm's thread."""
    headers, lines = [], ""
    for message in slack.posts(CHANNEL):
        headers.append(
            next((b["text"]["text"] for b in message.get("blocks") or [] if b["block_id"] == "lookout:header"), "")
        )
        lines += json.dumps([r.get("blocks") for r in slack.replies(CHANNEL, message["ts"])], ensure_ascii=False)
    shown = [sum(1 for h in headers if f" {name} · " in h) + lines.count(f"*{name}* · ALARM") for name in names]
    return sum(1 for n in shown if n == 1), sum(1 for n in shown if n == 0), sum(1 for n in shown if n > 1)


def family(
    name: str,
    *,
    before_each: Callable[[SlackStandIn, Any, str], None] = lambda slack, service, alarm: None,
    times: int = 1,
    at_once: bool = False,
    states: tuple[tuple[str, float], ...] = (("ALARM", 0),),
    tags: dict[str, str] | None = None,
    **service_options: Any,
) -> str:
    with SlackStandIn() as slack, mock_aws():
        service = lifecycle_service(slack.url, channel=CHANNEL, alert_channels=(DEAD,), **service_options)
        if service.lifecycle is not None:
            tracker = service.lifecycle.tracker
            tracker.clock = lambda: time.time() + LATER[0]
            tracker.storms.gather_s = 1.0  # the template's 3 s gathers more per round; the outcome is the same
            # a flusher's lease lasts as long as its invocation (30 s, the alarm function's timeout), here TRY_S:
            # Lambda's retries, a minute later, and replays find a dead flusher's lease expired
            tracker.storms.lease_s = TRY_S
        service.courier.fallback_channel = CHANNEL
        names = [f"rel-{i:02d}" for i in range(ALARMS)]
        unsent = 0
        LATER[0] = 0.0

        queued_for_replay: list[dict[str, Any]] = []

        def one(alarm: str) -> bool:
            events = [
                sns_event(alarm, state, minute, old="ALARM" if state == "OK" else "OK", tags=tags)
                for state, minute in states
            ]
            if at_once:
                with ThreadPoolExecutor(times) as pool:
                    return all(pool.map(lambda _: like_lambda(service, events[0]), range(times)))
            sent = True
            for event in events:
                for _ in range(times):
                    if not like_lambda(service, event):  # three tries failed: the on-failure queue keeps it
                        queued_for_replay.append(event)
                        sent = False
            return sent

        MET[0] = 0
        for alarm in names:  # one alarm after another: the faults queued for it meet its own calls
            queued = len(slack.state.faults)
            before_each(slack, service, alarm)
            injected = len(slack.state.faults) - queued
            unsent += not one(alarm)
            MET[0] += injected - len(slack.state.faults)
        # the fault is over, and on-call runs `lookout replay`: what waited in the queue is delivered once
        HEALED[0] = True
        slack.state.faults.clear()
        for event in queued_for_replay:
            like_lambda(service, event)
        HEALED[0] = False
        time.sleep(0.5)  # late answers land
        posted, lost, duplicated = outcome(slack, names)
    deliveries = ALARMS * times * len(states)
    return f"| {name} | {MET[0]} | {deliveries} | {posted} | {lost} | {duplicated} | {unsent} |"


def slack_faults(*faults: Fault) -> Callable[[SlackStandIn, Any, str], None]:
    return lambda slack, service, alarm: slack.state.faults.extend(faults)


class Throttled:
    """DynamoDB answering ProvisionedThroughputExceeded to the first calls of every alarm, then recovering."""

    def __init__(self, client: Any, first: int = 2) -> None:
        self._client, self._first, self._seen = client, first, 0

    def __getattr__(self, operation: str) -> Any:
        method = getattr(self._client, operation)
        if not callable(method):
            return method

        def call(**kwargs: Any) -> Any:
            self._seen += 1
            if self._seen % 10 < self._first and not HEALED[0]:
                MET[0] += 1
                error: Any = {
                    "Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"},
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                }
                raise ClientError(error, operation)
            return method(**kwargs)

        return call


class CountedUnreachable(Unreachable):
    def __getattr__(self, operation: str) -> Any:
        fail = super().__getattr__(operation)

        def counted(**kwargs: Any) -> Any:
            MET[0] += 1
            return fail(**kwargs)

        return counted


def lose_claim_responses(slack: SlackStandIn, service: Any, alarm: str) -> None:
    """The first claim of this alarm commits in DynamoDB, and its response is lost."""
    raw = service.lifecycle.tracker.store.client._client
    lost: list[bool] = []

    def drop(request: Any, **_: Any) -> None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if not lost and "INPROGRESS" in body and "lookout#once" in body:
            lost.append(True)
            MET[0] += 1
            raise ReadTimeoutError(endpoint_url=request.url)

    raw.meta.events.register_last("before-send", drop)


def killed_mid_post(slack: SlackStandIn, service: Any, alarm: str) -> None:
    """An earlier invocation of this change died after writing "posting", before Slack answered."""
    from bot.lifecycle.store import Incident

    MET[0] += 1
    from tests.support.lifecycle import T0

    service.lifecycle.tracker.store.put(
        Incident(
            alarm_arn=f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{alarm}",
            channel=CHANNEL,
            status="posting",
            opened_at=T0.timestamp(),
            changed_at=T0.timestamp(),
            history=(("ALARM", T0.timestamp()),),
            notify_count=1,
            last_notified_at=time.time() - 120,
        )
    )


def killed_after_posting(slack: SlackStandIn, service: Any, alarm: str) -> None:
    """This alarm's invocation posts to Slack, then is killed before it records that it did."""
    poster = service.courier.poster
    post = poster.post

    def once(*args: Any, **kwargs: Any) -> Any:
        poster.post = post
        post(*args, **kwargs)
        MET[0] += 1
        raise Killed

    poster.post = once


def killed_in_the_storm_flush(step: str, after: bool) -> Callable[[SlackStandIn, Any, str], None]:
    """The next storm round's ``step`` (``storm_summary`` or ``storm_replies``): killed before Slack has it, or
    right after — from the fourth alarm on, when the storm has started."""

    def arm(slack: SlackStandIn, service: Any, alarm: str) -> None:
        if int(alarm.rsplit("-", 1)[-1]) < 3:
            return  # the first three are posted on their own
        courier = service.courier
        real = getattr(courier, step)

        def once(*args: Any, **kwargs: Any) -> Any:
            setattr(courier, step, real)
            if after:
                real(*args, **kwargs)
            MET[0] += 1
            raise Killed

        setattr(courier, step, once)

    return arm


def dead_channel(slack: SlackStandIn, service: Any, alarm: str) -> None:
    """The channel the alarms' tags choose is archived."""
    if DEAD not in slack.state.archived:
        slack.state.archived.add(DEAD)
    MET[0] += 1


def malformed_events(count: int = 200) -> str:
    """Events of every shape (the hypothesis strategy of the reliability tests): each record is posted."""
    from hypothesis import HealthCheck, given, settings

    from bot.alerting import AlertService
    from bot.cli import RecordingPoster
    from bot.config import Settings
    from bot.observability import Telemetry
    from bot.slack.transport.courier import SlackCourier
    from tests.support.strategies import events

    totals = {"expected": 0, "posted": 0, "failed": 0}

    @settings(max_examples=count, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(event=events)
    def run(event: dict[str, Any]) -> None:
        poster = RecordingPoster()  # type: ignore[operator]  # bot.cli.__getattr__ (lazy) is typed object
        service = AlertService(
            Settings(), enricher=None, courier=SlackCourier(poster), telemetry=Telemetry.for_cli(Settings())
        )
        records = event.get("Records")
        totals["expected"] += len(records) if isinstance(records, list) and records else 1
        try:
            service.handle(event, Deadline.after(10))
        except AlertsFailed:
            totals["failed"] += 1
        totals["posted"] += len(poster.calls)

    run()
    lost = totals["expected"] - totals["posted"]
    cells = [
        f"malformed and unknown events ({count} tried)",
        count,
        totals["expected"],
        totals["posted"],
        lost,
        0,
        0,
    ]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def escalation_families(alarms: int = ALARMS) -> list[str]:
    """One row per escalation family: the steps the issue's rules make due, and what became of them."""
    from tests.support.escalation import run, scenarios

    rows = []
    for scenario in scenarios():
        with SlackStandIn() as slack, mock_aws():
            outcome = run(slack, scenario, alarms)
        counts = outcome.row()
        again = str(counts["repeated"])
        if counts["repeated"] and counts["repeated_pages"] == counts["repeated"]:
            again += " (pages: every copy with its page's one dedupe key)"
        cells = [
            scenario.name,
            outcome.faults,
            outcome.ticks,
            counts["due"],
            counts["once"],
            counts["missed"],
            again,
            counts["after_stop"],
        ]
        rows.append("| " + " | ".join(str(c) for c in cells) + " |")
    return rows


def main() -> None:
    quiet_logs()
    rows = [
        family(
            "Slack 429 with Retry-After 1 s",
            before_each=slack_faults(Fault(status=429, retry_after=1)),
        ),
        family("Slack 500 twice in a row", before_each=slack_faults(Fault(status=500), Fault(status=500))),
        family("Slack slow: answers after 1 s", before_each=slack_faults(Fault(delay_s=1.0))),
        family(
            "Slack answers after the client's timeout (posts late)",
            before_each=slack_faults(Fault(delay_s=1.5)),
            call_timeout_s=0.5,
        ),
        family(
            "Slack down (500) past the first invocation",
            before_each=slack_faults(*[Fault(status=500)] * 6),
        ),
        family("DynamoDB unreachable", dynamodb=lambda table: CountedUnreachable()),
        family("DynamoDB throttled, then recovering", dynamodb=Throttled),
        family("claim written, its response lost", before_each=lose_claim_responses),
        family("invocation killed before the Slack call (its record says posting)", before_each=killed_mid_post),
        family("invocation killed after Slack posted, before it recorded that", before_each=killed_after_posting),
        family(
            "storm flush killed before Slack has the summary",
            before_each=killed_in_the_storm_flush("storm_summary", after=False),
        ),
        family(
            "storm flush killed after Slack posted the summary",
            before_each=killed_in_the_storm_flush("storm_summary", after=True),
        ),
        family(
            "storm flush killed after Slack posted the thread replies",
            before_each=killed_in_the_storm_flush("storm_replies", after=True),
        ),
        family("the same notification delivered 5 times in a row", times=5),
        family("the same notification delivered 5 times at once", times=5, at_once=True),
        family("the OK delivered before its ALARM (a retry, a replay)", states=(("OK", 5), ("ALARM", 0))),
        family(
            "the channel a tag chooses is archived",
            before_each=dead_channel,
            tags={"lookout:channel": DEAD},
        ),
        malformed_events(),
    ]
    print(
        "| family | faults met | deliveries | posted once | lost | duplicated "
        "| waited in the on-failure queue, then replayed |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    print()
    print(
        "| escalation family | faults met | tick invocations | steps due (notes + pages) | taken once | missed "
        "| taken again | taken though stopped |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in escalation_families():
        print(row)
    print(json.dumps({"alarms_per_family": ALARMS, "escalating_alarms_per_family": ALARMS}))


if __name__ == "__main__":
    with published(__file__):
        main()
