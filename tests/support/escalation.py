"""Escalation under faults, shared by ``bench/reliability.py`` (its escalation families) and
``tests/functional/test_escalation_faults.py``: alarms tagged to escalate, opened through the real alarm path (the
lifecycle on moto's DynamoDB, the Slack stand-in, storms on: the first three alarms on their own, the rest in a
storm's thread) and never acknowledged; the minute tick (``Escalations.sweep``) run every minute the way
EventBridge Scheduler and Lambda run it — a try, then up to two retries of the same scheduled minute once the
failed or killed try's claim has expired (it lasts as long as the invocation) — with faults injected into the
steps; then what on-call and the pager saw: each alarm's escalation notes as Slack shows them (by their text),
and the pages an SQS queue subscribed to the escalation topic received (by their ``alarm_arn`` attribute).

What is expected comes from the rules of issue #32, not from the code: an incident nobody acknowledges gets one
thread note and one page; none once Acknowledge, Silence or OK stopped it. One exception is stated, not hidden:
a page SNS took whose tick then died (or whose answer was lost) is published again by the retry — SNS keeps
nothing to look in — and every copy carries the same ``dedupe_key`` (``Scenario.page_repeats``).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

from bot.delivery import Deadline
from bot.lifecycle.escalation import EscalationFailed, Escalations, minute_at, sns_publisher
from local.lambda_runtime import LambdaContext
from tests.support.lifecycle import T0, lifecycle_service, sns_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.slack.api import Fault, SlackStandIn

CHANNEL = "C0ESCALATE"
GROUP = "S0LEADS01"
TAGS = {"lookout:escalate-after": "15m", "lookout:escalate-to": GROUP, "lookout:mention": "S0TEAM001"}
NOTE_AT = minute_at((T0 + timedelta(minutes=15)).timestamp())
"""The first tick at or after the alarms' time + 15 minutes: the note is due then…"""
PAGE_AT = minute_at((T0 + timedelta(minutes=30)).timestamp())
"""… and the page a period later."""
TICKS = range(NOTE_AT - 3, PAGE_AT + 13)
"""The minutes ticked: from before the note until well after the page (time for retries and missed ticks)."""
TRY_S = 2.0
"""Each tick invocation's time: its claims expire with it, and Lambda's retry comes after."""


class Killed(BaseException):
    """The invocation stops here (a timeout, out of memory): nothing after it runs, nothing is cleaned up."""


@dataclass(frozen=True)
class Scenario:
    """One fault family: ``arm`` installs it on a ``Harness`` (after the alarms opened, before the ticks);
    ``run`` ticks the minutes (every minute once, by default). ``notes``/``pages``: what each alarm must get
    by the issue's rules. ``page_repeats``: SNS took a page whose tick then died or lost the answer; the retry
    publishes it again (at least once), every copy with one dedupe key."""

    name: str
    arm: Callable[[Harness], None] = lambda harness: None
    run: Callable[[Harness], None] = lambda harness: harness.every_minute()
    notes: int = 1
    pages: int = 1
    page_repeats: bool = False
    call_timeout_s: float = 5.0
    late_s: float = 0.0
    """How long Slack may still take to post what a timed-out call sent. Lambda's retry, and the next minute's
    tick, come a minute later, when it has landed: the harness waits as long after a failed try."""
    injects: bool = True
    """False: nothing fails or races (only how the ticks run differs): no fault is met."""


@dataclass
class Seen:
    """What one alarm got: escalation notes shown in Slack, page copies on the topic, their dedupe keys."""

    notes: int = 0
    pages: int = 0
    page_keys: frozenset[str] = frozenset()


@dataclass
class Outcome:
    scenario: Scenario
    faults: int
    ticks: int
    seen: dict[str, Seen]
    page_hits: Counter[str]
    """Per alarm ARN: how many times SNS took its page in a tick that then died or lost the answer."""

    def expected(self, arn: str) -> tuple[int, int]:
        """The notes and pages ``arn`` must show: the rules', plus the copies a page SNS took may repeat."""
        pages = self.scenario.pages + (self.page_hits[arn] if self.scenario.page_repeats else 0)
        return self.scenario.notes, pages

    def row(self) -> dict[str, int]:
        """The bench's columns: steps due by the rules, taken once, missed, taken again (``repeated_pages``:
        page copies sharing their first copy's dedupe key), taken though stopped."""
        due = once = missed = repeated = repeated_pages = after_stop = 0
        for seen in self.seen.values():
            for want, got in ((self.scenario.notes, seen.notes), (self.scenario.pages, seen.pages)):
                if want == 0:
                    after_stop += got
                    continue
                due += 1
                once += got == 1
                missed += got == 0
                repeated += max(0, got - 1)
            if seen.pages > 1 and len(seen.page_keys) == 1:
                repeated_pages += seen.pages - 1
        return {
            "due": due,
            "once": once,
            "missed": missed,
            "repeated": repeated,
            "repeated_pages": repeated_pages,
            "after_stop": after_stop,
        }


class Pager:
    """The SNS client the publisher calls: ``hooks`` run around each publish (``before``/``after``, given the
    alarm ARN), as a failing or dying call would."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.before: Callable[[str], None] | None = None
        self.after: Callable[[str], None] | None = None
        self.latency_s = 0.0

    def publish(self, **kwargs: Any) -> Any:
        arn = kwargs["MessageAttributes"]["alarm_arn"]["StringValue"]
        if self.before is not None:
            self.before(arn)
        time.sleep(self.latency_s)
        answer = self.inner.publish(**kwargs)
        if self.after is not None:
            self.after(arn)
        return answer


class Notes:
    """The messenger the sweep hands its notes to: ``before``/``after`` run around each escalation note (given
    the alarm ARN)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.before: Callable[[str], None] | None = None
        self.after: Callable[[str], None] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def note(self, alarm: Any, note: Any, *args: Any, **kwargs: Any) -> None:
        escalation = note.kind == "escalation"
        if escalation and self.before is not None:
            self.before(alarm.arn)
        self.inner.note(alarm, note, *args, **kwargs)
        if escalation and self.after is not None:
            self.after(alarm.arn)


class Harness:
    """``alarms`` alarms opened and escalating (inside ``mock_aws``, posting to ``slack``); ticks run like
    Lambda's."""

    def __init__(
        self, slack: SlackStandIn, alarms: int, *, call_timeout_s: float = 5.0, late_s: float = 0.0
    ) -> None:
        self.slack = slack
        self.late_s = late_s
        self.names = [f"esc-{i:02d}" for i in range(alarms)]
        self.met = 0
        """Faults that hit a call, counted where each fires (Slack's queued faults: those a call consumed)."""
        self.slack_queued = 0
        self.ticks = 0
        """Tick invocations, retries included."""
        self.page_hits: Counter[str] = Counter()
        self.before_tick: list[Callable[[int], None]] = []
        self.lock = threading.Lock()
        self.service = lifecycle_service(slack.url, channel=CHANNEL, call_timeout_s=call_timeout_s)
        tracker = self.service.lifecycle.tracker
        offset = time.time() - T0.timestamp()
        tracker.clock = lambda: time.time() - offset  # deliveries arrive just after the alarm's time, as they do
        tracker.storms.gather_s = 0.3
        sns = boto3.client("sns", region_name="us-east-1")
        topic = sns.create_topic(Name="lookout-escalation")["TopicArn"]
        sqs = boto3.client("sqs", region_name="us-east-1")
        self.queue = sqs.create_queue(QueueName="pager")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["QueueArn"])  # the pager's integration
        self.pager = Pager(sns)
        self.escalations = Escalations.for_lifecycle(
            self.service.lifecycle, publish=sns_publisher(self.pager, topic), count=lambda name: None
        )
        self.escalations.reserve_s = 0.5  # the template's 5 s of a 55 s tick, scaled to TRY_S
        self.notes = Notes(self.escalations.messenger)
        self.escalations.messenger = self.notes
        for name in self.names:
            self.deliver(name, "ALARM", 0)

    # --- what happens ----------------------------------------------------------------------------------------

    def deliver(self, name: str, state: str, minute: float, old: str = "OK") -> None:
        self.service.handle(sns_event(name, state, minute, old=old, tags=TAGS), Deadline.after(30))

    def arn(self, name: str) -> str:
        return f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}"

    def hit(self) -> None:
        with self.lock:
            self.met += 1

    def slack_faults(self, *faults: Fault) -> None:
        """Queue ``faults`` for Slack's next calls (counted as met when a call consumes them)."""
        with self.lock:
            self.slack_queued += len(faults)
        self.slack.fail_next(*faults)

    def tick(self, minute: int) -> bool:
        """The tick scheduled at ``minute`` as Lambda runs it: a try and two retries (the same scheduled time,
        its own request id), each after the previous try's claims expired; False when all three failed (the
        index carried its steps: the next minutes take them)."""
        for hook in self.before_tick:
            hook(minute)
        request_id = str(uuid.uuid4())
        scheduled = datetime.fromtimestamp(minute * 60, UTC)
        for _ in range(3):
            with self.lock:
                self.ticks += 1
            context = LambdaContext(function_name="lookout-checks", timeout_s=TRY_S, request_id=request_id)
            try:
                self.escalations.sweep(scheduled, Deadline.after(TRY_S), context)
                return True
            except (EscalationFailed, Killed):
                time.sleep(max(0, context.get_remaining_time_in_millis()) / 1000 + 0.1 + self.late_s)
        return False

    def every_minute(self, minutes: range = TICKS, *, times: int = 1) -> None:
        for minute in minutes:
            for _ in range(times):
                self.tick(minute)

    def at_once(self, pairs: list[tuple[int, ...]]) -> None:
        """Each group of minutes' ticks run at the same moment (threads released together)."""
        for group in pairs:
            start = threading.Barrier(len(group))

            def one(minute: int, start: threading.Barrier = start) -> None:
                start.wait()
                self.tick(minute)

            threads = [threading.Thread(target=one, args=(minute,)) for minute in group]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)

    # --- what was seen ---------------------------------------------------------------------------------------

    def seen(self) -> dict[str, Seen]:
        """Per alarm ARN: its escalation notes as Slack shows them (the note names the alarm) and its pages."""
        with self.slack.state.lock:
            messages = list(self.slack.state.messages.get(CHANNEL, []))
        shown = [json.dumps(m.get("blocks") or [], ensure_ascii=False) for m in messages]
        found = {self.arn(n): Seen(notes=sum(s.count(f"*Escalated* — *{n}*") for s in shown)) for n in self.names}
        keys: dict[str, list[str]] = {}
        sqs = boto3.client("sqs", region_name="us-east-1")
        while got := sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", []):
            for message in got:
                body = json.loads(message["Body"])
                attributes = body.get("MessageAttributes", {})
                arn = attributes["alarm_arn"]["Value"]
                keys.setdefault(arn, []).append(attributes.get("dedupe_key", {}).get("Value", ""))
                sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
        for arn, copies in keys.items():
            seen = found.setdefault(arn, Seen())
            seen.pages, seen.page_keys = len(copies), frozenset(copies)
        return found

    def outcome(self, scenario: Scenario) -> Outcome:
        time.sleep(0.5)  # late answers land
        with self.slack.state.lock:
            unmet = len(self.slack.state.faults)
            self.slack.state.faults.clear()
        return Outcome(scenario, self.met + self.slack_queued - unmet, self.ticks, self.seen(), self.page_hits)


def run(slack: SlackStandIn, scenario: Scenario, alarms: int) -> Outcome:
    """``scenario`` on ``alarms`` alarms (inside ``mock_aws``)."""
    harness = Harness(slack, alarms, call_timeout_s=scenario.call_timeout_s, late_s=scenario.late_s)
    scenario.arm(harness)
    scenario.run(harness)
    return harness.outcome(scenario)


# --- the faults ------------------------------------------------------------------------------------------------


def once_per(harness: Harness, action: Callable[[str], None]) -> Callable[[str], None]:
    """``action`` the first time each alarm ARN comes by (counted as a fault met), then nothing."""
    done: set[str] = set()

    def first(arn: str) -> None:
        with harness.lock:
            if arn in done:
                return
            done.add(arn)
        harness.hit()
        action(arn)

    return first


def die(_: str) -> None:
    raise Killed


def slack_faults_on_each_note(*faults: Fault) -> Callable[[Harness], None]:
    """Slack answers each alarm's first escalation note (and what follows it) with ``faults``."""

    def arm(harness: Harness) -> None:
        done: set[str] = set()

        def queue(arn: str) -> None:
            if arn not in done:
                done.add(arn)
                harness.slack_faults(*faults)

        harness.notes.before = queue

    return arm


def sns_refusing(times: int) -> Callable[[Harness], None]:
    """SNS refuses each alarm's first ``times`` publishes (InternalError, HTTP 500), then takes them."""

    def arm(harness: Harness) -> None:
        refused: Counter[str] = Counter()

        def refuse(arn: str) -> None:
            from botocore.exceptions import ClientError

            if refused[arn] < times:
                refused[arn] += 1
                harness.hit()
                error: Any = {
                    "Error": {"Code": "InternalError", "Message": "SNS unavailable"},
                    "ResponseMetadata": {"HTTPStatusCode": 500},
                }
                raise ClientError(error, "Publish")

        harness.pager.before = refuse

    return arm


def sns_answer_lost(harness: Harness) -> None:
    """SNS takes each alarm's first page, and its answer never comes back (a read timeout after retries)."""

    def lose(arn: str) -> None:
        from botocore.exceptions import ReadTimeoutError

        harness.page_hits[arn] += 1
        raise ReadTimeoutError(endpoint_url="https://sns.us-east-1.amazonaws.com")

    harness.pager.after = once_per(harness, lose)


def killed_before_note(harness: Harness) -> None:
    """Each alarm's first note: the tick is killed before Slack has it."""
    harness.notes.before = once_per(harness, die)


def killed_after_note(harness: Harness) -> None:
    """Each alarm's first note: Slack posts it, then the tick is killed before its claim completes."""
    harness.notes.after = once_per(harness, die)


def killed_before_page(harness: Harness) -> None:
    harness.pager.before = once_per(harness, die)


def killed_after_page(harness: Harness) -> None:
    """Each alarm's first page: SNS takes it, then the tick is killed before its claim completes."""

    def took_then_die(arn: str) -> None:
        harness.page_hits[arn] += 1
        raise Killed

    harness.pager.after = once_per(harness, took_then_die)


def killed_before_recording(harness: Harness) -> None:
    """Each step of each alarm: its claim completed, then the tick is killed before the incident records it."""
    escalations = harness.escalations
    record = escalations._record
    done: set[tuple[str, int]] = set()

    def killed(incident: Any, step: int) -> None:
        with harness.lock:
            first = (incident.alarm_arn, step) not in done
            done.add((incident.alarm_arn, step))
        if first:
            harness.hit()
            raise Killed
        record(incident, step)

    escalations._record = killed  # type: ignore[method-assign]


def slow_calls(harness: Harness) -> None:
    """Slack and SNS take a while to answer, as remote calls do: ticks running at once overlap."""
    harness.slack.state.latency_s = 0.2
    harness.pager.latency_s = 0.2


def two_ticks_at_once(harness: Harness) -> None:
    harness.at_once([(minute, minute) for minute in TICKS])


def each_tick_beside_the_next(harness: Harness) -> None:
    """A tick running late, at the same moment as the next minute's."""
    harness.at_once([(minute, minute + 1) for minute in TICKS])


def ticks_missed(harness: Harness) -> None:
    """No tick runs for ten minutes from just before each step was due (a disabled schedule, a broken deploy)."""
    skipped = {*range(NOTE_AT - 1, NOTE_AT + 9), *range(PAGE_AT - 1, PAGE_AT + 9)}
    for minute in TICKS:
        if minute not in skipped:
            harness.tick(minute)


def each_tick_three_times(harness: Harness) -> None:
    """Every minute's tick delivered three times, one after another (Scheduler's and Lambda's retries of a tick
    that had succeeded: the same scheduled time)."""
    harness.every_minute(times=3)


def stop_all(harness: Harness, what: str, minute: float) -> None:
    """Acknowledge, Silence or OK for every alarm (OK: delivered at the alarms' ``minute``)."""
    from bot.lifecycle.on_call import acknowledge, silence

    store = harness.service.lifecycle.tracker.store
    for name in harness.names:
        harness.hit()
        if what == "acknowledge":
            acknowledge(store, harness.arn(name), "U0ONCALL1")
        elif what == "silence":
            silence(store, harness.arn(name), "U0ONCALL1", 3600)
        else:
            harness.deliver(name, "OK", minute, old="ALARM")


def stopped_after_the_read(what: str, step: int) -> Callable[[Harness], None]:
    """``what`` lands for every alarm while the tick that takes step ``step`` runs: after it read the incidents
    as due, before it takes their steps (when it carries them to the next minute)."""

    def arm(harness: Harness) -> None:
        index = harness.escalations.index
        add = index.add
        target = NOTE_AT if step == 1 else PAGE_AT
        armed: list[bool] = []

        def at(minute: int) -> None:
            if minute == target and not armed:
                armed.append(True)

                def stop_then_carry(arns: Any, minute: int) -> None:
                    index.add = add  # type: ignore[method-assign]
                    stop_all(harness, what, 16 if step == 1 else 31)
                    add(arns, minute)

                index.add = stop_then_carry  # type: ignore[method-assign]

        harness.before_tick.append(at)

    return arm


def acknowledged_while_noting(harness: Harness) -> None:
    """Acknowledge lands for every alarm while Slack posts the first note (after the tick decided to post it)."""
    harness.notes.before = once_per(harness, lambda arn: stop_one(harness, arn))


def stop_one(harness: Harness, arn: str) -> None:
    from bot.lifecycle.on_call import acknowledge

    acknowledge(harness.service.lifecycle.tracker.store, arn, "U0ONCALL1")


def scenarios() -> list[Scenario]:
    """Every escalation family: Slack and SNS failing, ticks killed before and after each call, duplicated,
    concurrent and missed ticks, and Acknowledge, Silence and OK racing with the tick."""
    from local.slack.api import Fault

    return [
        Scenario("no fault", injects=False),
        Scenario(
            "Slack 429 with Retry-After 1 s on the note", slack_faults_on_each_note(Fault(429, retry_after=1))
        ),
        Scenario("Slack 500 twice in a row on the note", slack_faults_on_each_note(Fault(500), Fault(500))),
        Scenario(
            "Slack answers the note after the client's timeout (posts late)",
            slack_faults_on_each_note(Fault(delay_s=1.5)),
            call_timeout_s=0.5,
            late_s=1.5,
        ),
        Scenario("Slack down (500) past the first try", slack_faults_on_each_note(*[Fault(500)] * 6)),
        Scenario("SNS refuses the page twice (InternalError)", sns_refusing(2)),
        Scenario("SNS took the page, its answer lost", sns_answer_lost, page_repeats=True),
        Scenario("tick killed before Slack has the note", killed_before_note),
        Scenario("tick killed after Slack posted the note, before its claim completed", killed_after_note),
        Scenario("tick killed before SNS has the page", killed_before_page),
        Scenario(
            "tick killed after SNS took the page, before its claim completed", killed_after_page, page_repeats=True
        ),
        Scenario(
            "tick killed after a step's claim completed, before the incident recorded it", killed_before_recording
        ),
        Scenario("each minute's tick delivered 3 times", run=each_tick_three_times, injects=False),
        Scenario("two ticks of the same minute at once", slow_calls, run=two_ticks_at_once, injects=False),
        Scenario(
            "each tick at once with the next minute's", slow_calls, run=each_tick_beside_the_next, injects=False
        ),
        Scenario("no tick for 10 minutes around each step", run=ticks_missed, injects=False),
        Scenario(
            "Acknowledge lands as the tick takes the note",
            stopped_after_the_read("acknowledge", 1),
            notes=0,
            pages=0,
        ),
        Scenario(
            "Silence lands as the tick takes the note", stopped_after_the_read("silence", 1), notes=0, pages=0
        ),
        Scenario("OK delivered as the tick takes the note", stopped_after_the_read("ok", 1), notes=0, pages=0),
        Scenario("Acknowledge lands while Slack posts the note", acknowledged_while_noting, pages=0),
        Scenario(
            "Acknowledge lands as the tick takes the page", stopped_after_the_read("acknowledge", 2), pages=0
        ),
        Scenario("OK delivered as the tick takes the page", stopped_after_the_read("ok", 2), pages=0),
    ]
