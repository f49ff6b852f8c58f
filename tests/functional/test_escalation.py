"""Escalation when nobody acknowledges, on moto's DynamoDB and SNS and the Slack stand-in: the thread note and the
page at the minutes the alarm's own time makes due, stopped by Acknowledge, Silence and OK, not restarted by a
re-fire, for storm members too — and each step once, whatever happens to the ticks that take them (a Slack or SNS
call failing, two ticks at once, Scheduler's retry of a minute, ticks missed for ten minutes, a tick killed, a
record written under the sweep). What on-call and the pager see is asserted: notes in Slack, messages on the
topic (an SQS queue subscribed to it)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from bot.delivery import Deadline
from bot.lifecycle.escalation import EscalationFailed, Escalations, alarm_of, minute_at, sns_publisher
from local.lambda_runtime import LambdaContext
from local.slack.api import Fault
from tests.support.lifecycle import T0, TABLE, lifecycle_service, sns_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.alerting import AlertService
    from bot.lifecycle.escalation import Sweep
    from bot.lifecycle.store import Incident
    from local.slack.api import SlackStandIn

CHANNEL = "#alerts"
LEADS = "<!subteam^S0PAYLEADS>"
TAGS = {"lookout:escalate-after": "15m", "lookout:escalate-to": "S0PAYLEADS", "lookout:mention": "S0PAYTEAM"}
NOTE_AT = minute_at((T0 + timedelta(minutes=15)).timestamp())
"""The first tick at or after the alarm's time + 15 minutes (T0 is an hour ago: the calendar never matters)."""
PAGE_AT = minute_at((T0 + timedelta(minutes=30)).timestamp())
FIRST = int(T0.timestamp()) // 60


class Killed(BaseException):
    """The invocation stops here, as a Lambda timeout stops it: nothing after it runs, nothing is cleaned up."""


class Spy:
    """The messenger, remembering the cards and notes it was handed; ``during_note`` runs inside a note call
    (before Slack is called, or after when ``after``)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.cards: list[Any] = []
        self.notes: list[tuple[str, Any, str, str]] = []
        self.searched: list[bool] = []
        """Per escalation note handed over: whether it was to be looked for before posting."""
        self.during_note: Any = None
        self.after = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def post(self, alert: Any, card: Any, *args: Any, **kwargs: Any) -> Any:
        self.cards.append(card)
        return self.inner.post(alert, card, *args, **kwargs)

    def update(self, alert: Any, card: Any, *args: Any, **kwargs: Any) -> Any:
        self.cards.append(card)
        return self.inner.update(alert, card, *args, **kwargs)

    def note(
        self, alarm: Any, note: Any, channel: str, thread_ts: str, deadline: Deadline, **options: Any
    ) -> None:
        hook, self.during_note = (
            (self.during_note, None) if note.kind == "escalation" else (None, self.during_note)
        )
        if hook is not None and not self.after:
            hook()
        self.inner.note(alarm, note, channel, thread_ts, deadline, **options)
        if note.kind == "escalation":
            self.notes.append((alarm.arn, note, channel, thread_ts))
            self.searched.append(bool(options.get("search_first")))
        if hook is not None and self.after:
            hook()


class FailingPublish:
    """The SNS client, its next ``fail`` publishes refused as SNS refuses them when it is unavailable."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.fail = 0

    def publish(self, **kwargs: Any) -> Any:
        from botocore.exceptions import ClientError

        if self.fail:
            self.fail -= 1
            refused: Any = {
                "Error": {"Code": "InternalError", "Message": "SNS unavailable"},
                "ResponseMetadata": {"HTTPStatusCode": 500},
            }
            raise ClientError(refused, "Publish")
        return self.inner.publish(**kwargs)


@dataclass
class World:
    service: AlertService
    escalations: Escalations
    slack: SlackStandIn
    spy: Spy
    sns: FailingPublish
    queue_url: str
    pages: list[dict[str, Any]] = field(default_factory=list)
    counted: list[str] = field(default_factory=list)

    def deliver(
        self, name: str, state: str, minute: float, old: str = "OK", tags: dict[str, str] | None = None
    ) -> Any:
        event = sns_event(name, state, minute, old=old, tags=TAGS if tags is None else tags)
        return self.service.handle(event, Deadline.after(30))

    def tick(self, minute: int, seconds: float = 20.0, request_id: str | None = None) -> Sweep:
        """One invocation of the minute tick scheduled at ``minute`` (minutes since the epoch)."""
        scheduled = datetime.fromtimestamp(minute * 60, UTC)
        context = LambdaContext(timeout_s=seconds, request_id=request_id)
        return self.escalations.sweep(scheduled, Deadline.after(seconds), context)

    def paged(self) -> list[dict[str, Any]]:
        """Every message the topic delivered to its subscribed queue so far."""
        sqs = boto3.client("sqs", region_name="us-east-1")
        while True:
            got = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return self.pages
            for message in got:
                self.pages.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def incident(self, name: str) -> Incident:
        found = self.service.lifecycle.tracker.store.get(arn(name))  # type: ignore[union-attr]
        assert found is not None
        return found

    def notes_in_slack(self, name: str) -> int:
        """How many escalation notes of ``name``'s current incident Slack holds (by their message metadata)."""
        from bot.slack.transport.post import metadata_for

        key = f"{alarm_of(self.incident(name)).change_key}|note|escalation|1"
        wanted = metadata_for(key)["event_payload"]
        with self.slack.state.lock:
            messages = [m for ms in self.slack.state.messages.values() for m in ms]
        return sum(1 for m in messages if (m.get("metadata") or {}).get("event_payload") == wanted)


def arn(name: str) -> str:
    return f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}"


@pytest.fixture
def world(slack: SlackStandIn) -> Iterator[World]:
    with mock_aws():
        service = lifecycle_service(slack.url, channel=CHANNEL, table=TABLE)
        tracker = service.lifecycle.tracker
        offset = time.time() - T0.timestamp()
        tracker.clock = lambda: time.time() - offset  # deliveries arrive just after the alarm's time, as they do
        spy = Spy(tracker.messenger)
        tracker.messenger = spy
        sns = boto3.client("sns", region_name="us-east-1")
        topic = sns.create_topic(Name="lookout-escalation")["TopicArn"]
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = sqs.create_queue(QueueName="pager")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)  # the pager's integration stands here
        publisher = FailingPublish(sns)
        counted: list[str] = []
        escalations = Escalations.for_lifecycle(
            service.lifecycle,
            publish=sns_publisher(publisher, topic),
            count=counted.append,
        )
        yield World(service, escalations, slack, spy, publisher, queue, counted=counted)


def run_ticks(world: World, minutes: range) -> dict[int, tuple[int, int]]:
    """Every tick of ``minutes``, and after each the notes and pages so far (for the alarm ``api``)."""
    seen = {}
    for minute in minutes:
        world.tick(minute)
        seen[minute] = (world.notes_in_slack("api"), len(world.paged()))
    return seen


def first(seen: dict[int, tuple[int, int]], index: int) -> int:
    return min(m for m, counts in seen.items() if counts[index] > 0)


def test_an_unacknowledged_incident_is_noted_then_paged_at_the_minutes_its_alarm_time_makes_due(
    world: World,
) -> None:
    # GIVEN an alarm tagged to escalate after 15 minutes to the payments leads, posted and never acknowledged
    world.deliver("api", "ALARM", 0)
    (message,) = world.slack.posts(CHANNEL)
    # WHEN the minute tick runs every minute for 35 minutes
    seen = run_ticks(world, range(FIRST, PAGE_AT + 5))
    # THEN one thread note at the alarm's time + 15 min, one page at + 30 min, nothing else
    assert first(seen, 0) == NOTE_AT and first(seen, 1) == PAGE_AT
    assert seen[PAGE_AT + 4] == (1, 1)
    (noted,) = world.spy.notes
    assert noted[0] == arn("api") and noted[3] == message["ts"]  # in the incident's own thread
    assert noted[1].mention == LEADS and noted[1].since == T0.timestamp() and noted[1].pages_at == PAGE_AT * 60
    # AND the page says what, since when, where, why, and where in Slack
    (page,) = world.pages
    assert page["Subject"].startswith("Lookout escalation: api in ALARM for 30 min")
    text = page["Message"]
    assert f"api has been in ALARM since {T0:%H:%M} UTC (30 min)" in text
    assert f"State:    ALARM since {T0:%Y-%m-%d %H:%M:%S} UTC" in text
    assert "account 111122223333 · us-east-1" in text and "api went ALARM at minute 0" in text
    assert f"channel {world.incident('api').channel}, message {message['ts']}" in text and "S0PAYLEADS" in text
    assert "#alarmsV2:alarm/api" in text
    assert page["MessageAttributes"]["alarm_arn"]["Value"] == arn("api")
    assert world.incident("api").escalated == 2


def test_the_card_says_when_it_escalates_without_calling_the_group_early_and_that_it_did(world: World) -> None:
    world.deliver("api", "ALARM", 0)
    note_at = datetime.fromtimestamp(NOTE_AT * 60, UTC).strftime("%H:%M UTC")
    page_at = datetime.fromtimestamp(PAGE_AT * 60, UTC).strftime("%H:%M UTC")
    # the first post calls the team (its mention), not yet the leads: it names no group it does not call
    assert world.spy.cards[-1].escalation == f"escalates at {note_at} unless acknowledged"
    world.deliver("api", "ALARM", 5, old="ALARM")  # a re-fire edits the card: edits call nobody
    assert world.spy.cards[-1].escalation == f"escalates to {LEADS} at {note_at}"
    run_ticks(world, range(NOTE_AT, PAGE_AT + 1))
    world.deliver("api", "ALARM", 31, old="ALARM")
    assert world.spy.cards[-1].escalation == f"escalated to {LEADS} at {note_at} · paged at {page_at}"


def test_without_an_escalation_group_the_alarms_own_mention_is_called_and_named_at_once(world: World) -> None:
    world.deliver("api", "ALARM", 0, tags={"lookout:escalate-after": "15m", "lookout:mention": "S0PAYTEAM"})
    note_at = datetime.fromtimestamp(NOTE_AT * 60, UTC).strftime("%H:%M UTC")
    assert world.spy.cards[-1].escalation == f"escalates to <!subteam^S0PAYTEAM> at {note_at}"
    run_ticks(world, range(NOTE_AT, NOTE_AT + 1))
    assert world.spy.notes[0][1].mention == "<!subteam^S0PAYTEAM>"


@pytest.mark.parametrize(
    ("what", "when", "notes", "pages"),
    [
        ("acknowledge", 5, 0, 0),
        ("silence", 5, 0, 0),
        ("ok", 5, 0, 0),
        ("acknowledge", 20, 1, 0),  # after the note: the page is stopped
        ("ok", 20, 1, 0),
    ],
)
def test_acknowledge_silence_and_ok_stop_the_clock(
    world: World, what: str, when: int, notes: int, pages: int
) -> None:
    from bot.lifecycle.on_call import acknowledge, silence

    world.deliver("api", "ALARM", 0)
    run_ticks(world, range(FIRST, minute_at((T0 + timedelta(minutes=when)).timestamp())))
    store = world.service.lifecycle.tracker.store  # type: ignore[union-attr]
    if what == "acknowledge":
        acknowledge(store, arn("api"), "U0ONCALL")
    elif what == "silence":
        silence(store, arn("api"), "U0ONCALL", 3600)
    else:
        world.deliver("api", "OK", when, old="ALARM")
    seen = run_ticks(world, range(minute_at((T0 + timedelta(minutes=when)).timestamp()), PAGE_AT + 5))
    assert seen[PAGE_AT + 4] == (notes, pages)


def test_a_re_fire_does_not_restart_the_clock(world: World) -> None:
    world.deliver("api", "ALARM", 0)
    world.deliver("api", "ALARM", 10, old="ALARM")
    seen = run_ticks(world, range(FIRST, NOTE_AT + 1))
    world.deliver("api", "ALARM", 20, old="ALARM")
    seen |= run_ticks(world, range(NOTE_AT + 1, PAGE_AT + 1))
    assert first(seen, 0) == NOTE_AT and first(seen, 1) == PAGE_AT
    assert seen[PAGE_AT] == (1, 1)


def test_a_new_incident_after_ok_starts_a_new_clock(world: World) -> None:
    world.deliver("api", "ALARM", 0)
    world.deliver("api", "OK", 5, old="ALARM")
    world.deliver("api", "ALARM", 20)
    seen = run_ticks(world, range(FIRST, minute_at((T0 + timedelta(minutes=36)).timestamp())))
    assert first(seen, 0) == minute_at((T0 + timedelta(minutes=35)).timestamp())  # 20 + 15, not 0 + 15
    assert max(pages for _, pages in seen.values()) == 0
    assert len(world.spy.notes) == 1


def test_storm_members_escalate_in_their_storms_thread(world: World) -> None:
    # GIVEN five alarms opening at once in one channel: three on their own, two grouped in a storm
    names = [f"svc-{i}" for i in range(5)]
    world.service.lifecycle.tracker.storms.gather_s = 0.2  # type: ignore[union-attr]
    for name in names:
        world.deliver(name, "ALARM", 0)
    summary = next(m for m in world.slack.posts(CHANNEL) if not any(n in m["text"] for n in names[:3]))
    # WHEN nobody acknowledges any of them
    for minute in range(FIRST, PAGE_AT + 1):
        world.tick(minute)
    # THEN each is noted once, the storm's members in the storm summary's thread, and each paged once
    threads = {alarm: thread for alarm, _, _, thread in world.spy.notes}
    assert sorted(threads) == sorted(arn(n) for n in names)
    assert {threads[arn(n)] for n in names[3:]} == {summary["ts"]}
    assert all(world.notes_in_slack(n) == 1 for n in names)
    assert sorted(
        json.loads(json.dumps(p))["MessageAttributes"]["alarm_arn"]["Value"] for p in world.paged()
    ) == sorted(arn(n) for n in names)


def test_a_slack_note_failing_once_fails_the_tick_and_the_next_tick_notes_once(world: World) -> None:
    world.deliver("api", "ALARM", 0)
    world.slack.fail_next(Fault(error="internal_error"))
    with pytest.raises(EscalationFailed, match="internal_error"):
        world.tick(NOTE_AT)
    assert world.notes_in_slack("api") == 0 and world.incident("api").escalated == 0
    seen = run_ticks(world, range(NOTE_AT + 1, PAGE_AT + 2))
    assert seen[NOTE_AT + 1] == (1, 0) and seen[PAGE_AT + 1] == (1, 1)


def test_an_sns_publish_failing_once_fails_the_tick_and_the_next_tick_pages_once(world: World) -> None:
    world.deliver("api", "ALARM", 0)
    run_ticks(world, range(FIRST, PAGE_AT))
    world.sns.fail = 1
    with pytest.raises(EscalationFailed, match="InternalError"):
        world.tick(PAGE_AT)
    assert world.paged() == [] and world.incident("api").escalated == 1
    seen = run_ticks(world, range(PAGE_AT + 1, PAGE_AT + 4))
    assert seen[PAGE_AT + 3] == (1, 1)


@pytest.mark.parametrize("minutes", [(0, 0), (0, 1)], ids=["the same minute", "adjacent minutes"])
def test_two_ticks_at_once_note_once_and_page_once(world: World, minutes: tuple[int, int]) -> None:
    world.deliver("api", "ALARM", 0)
    world.slack.state.latency_s = 0.3  # each Slack call takes a while: the ticks overlap
    world.sns.inner = Slow(world.sns.inner)
    lost: list[str] = []
    for due in (NOTE_AT, PAGE_AT):
        start = threading.Barrier(2)

        def one(offset: int, due: int = due, start: threading.Barrier = start) -> None:
            start.wait()
            try:  # the loser finds the step in progress and fails: Scheduler retries it
                world.tick(due + offset)
            except EscalationFailed as failed:
                lost.append(str(failed))

        threads = [threading.Thread(target=one, args=(offset,)) for offset in minutes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        world.tick(due + 2)  # the next minute finds both done
    assert len(lost) == 2 and all("in progress" in why for why in lost)  # the race was run, and lost, twice
    assert (world.notes_in_slack("api"), len(world.paged())) == (1, 1)


class Slow:
    """An SNS client that takes a while to answer, as a remote call does."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def publish(self, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return self.inner.publish(**kwargs)


def test_scheduler_retrying_a_minute_takes_no_step_twice(world: World) -> None:
    world.deliver("api", "ALARM", 0)
    for minute in (NOTE_AT, PAGE_AT):
        world.tick(minute, request_id="try-1")
        world.tick(minute, request_id="try-2")  # Scheduler's retry: the same scheduled time
        world.tick(minute, request_id="try-3")
    assert (world.notes_in_slack("api"), len(world.paged())) == (1, 1)


def test_ticks_missed_for_ten_minutes_still_escalate(world: World) -> None:
    # GIVEN ticks ran until just before the note was due, then none for ten minutes (a disabled schedule)
    world.deliver("api", "ALARM", 0)
    run_ticks(world, range(FIRST, NOTE_AT))
    # WHEN they resume, far past the index's look-back
    sweep = world.tick(NOTE_AT + 10)
    # THEN the note is taken then, and the page at the first tick after it is due (missed again: ten late)
    assert sweep.noted == (arn("api"),) and world.notes_in_slack("api") == 1
    assert world.tick(PAGE_AT + 10).paged == (arn("api"),)
    assert (world.notes_in_slack("api"), len(world.paged())) == (1, 1)


def test_a_tick_killed_before_slack_has_the_note_is_retried_once_its_claim_expires(world: World) -> None:
    world.deliver("api", "ALARM", 0)

    def die() -> None:
        raise Killed

    world.spy.during_note = die
    world.escalations.reserve_s = 0.5
    with pytest.raises(Killed):
        world.tick(NOTE_AT, seconds=2.0)  # its claim lasts as long as the invocation
    with pytest.raises(EscalationFailed, match="in progress"):
        world.tick(NOTE_AT + 1)  # the claim is still held: this tick fails, and the step stays carried
    time.sleep(2.5)
    assert world.tick(NOTE_AT + 2).noted == (arn("api"),)
    run_ticks(world, range(NOTE_AT + 3, NOTE_AT + 6))
    assert world.notes_in_slack("api") == 1


@pytest.mark.parametrize("retried_by", ["the next minute's tick", "Lambda's retry of the same tick"])
def test_a_tick_killed_after_slack_took_the_note_is_not_repeated(world: World, retried_by: str) -> None:
    # GIVEN a tick killed after Slack posted the note, before its claim completed (a Lambda timeout)
    world.deliver("api", "ALARM", 0)

    def die() -> None:
        raise Killed

    world.spy.during_note, world.spy.after = die, True
    world.escalations.reserve_s = 0.5
    with pytest.raises(Killed):
        world.tick(NOTE_AT, seconds=2.0, request_id="killed")
    assert world.notes_in_slack("api") == 1 and world.incident("api").escalated == 0
    time.sleep(2.5)  # its claim expired with the invocation
    # WHEN the step is taken again
    sweep = (
        world.tick(NOTE_AT + 1) if retried_by.startswith("the next") else world.tick(NOTE_AT, request_id="killed")
    )
    # THEN it looked in the thread first, found the note, and did not post it again; the step is recorded
    assert sweep.noted == (arn("api"),) and world.spy.searched[-1] is True
    assert world.notes_in_slack("api") == 1 and world.incident("api").escalated == 1
    seen = run_ticks(world, range(NOTE_AT + 2, PAGE_AT + 1))
    assert seen[PAGE_AT] == (1, 1)


def test_a_step_taken_on_time_by_the_first_tick_posts_without_searching(world: World) -> None:
    world.deliver("api", "ALARM", 0)
    run_ticks(world, range(FIRST, NOTE_AT + 1))
    assert world.spy.searched == [False]  # no conversations.replies call for the usual note
    assert not world.slack.calls("conversations.replies")


def test_a_tick_killed_after_sns_took_the_page_repeats_it_with_the_same_dedupe_key(world: World) -> None:
    # GIVEN the page published, then the tick killed before its claim completed
    world.deliver("api", "ALARM", 0)
    run_ticks(world, range(FIRST, PAGE_AT))
    publish = world.sns.publish

    def once_then_die(**kwargs: Any) -> Any:
        world.sns.publish = publish  # type: ignore[method-assign]
        publish(**kwargs)
        raise Killed

    world.sns.publish = once_then_die  # type: ignore[method-assign]
    world.escalations.reserve_s = 0.5
    with pytest.raises(Killed):
        world.tick(PAGE_AT, seconds=2.0)
    time.sleep(2.5)
    run_ticks(world, range(PAGE_AT + 1, PAGE_AT + 4))
    # THEN the pager got it again (SNS keeps no record to look in: at least once), both copies one dedupe key
    pages = world.paged()
    keys = {p["MessageAttributes"]["dedupe_key"]["Value"] for p in pages}
    assert len(pages) == 2 and len(keys) == 1 and world.incident("api").escalated == 2
    assert f"Page id:  {keys.pop()}" in pages[0]["Message"]


@pytest.mark.parametrize("what", ["acknowledge", "silence", "ok"])
def test_a_stop_landing_after_the_sweep_read_the_incident_wins(world: World, what: str) -> None:
    from bot.lifecycle.on_call import acknowledge, silence

    # GIVEN Acknowledge, Silence or OK landing after the tick read the incident as due, before its Slack call
    world.deliver("api", "ALARM", 0)
    store = world.service.lifecycle.tracker.store  # type: ignore[union-attr]
    index = world.escalations.index
    add = index.add

    def stop_then_carry(arns: Any, minute: int) -> None:
        index.add = add  # type: ignore[method-assign]
        if what == "acknowledge":
            acknowledge(store, arn("api"), "U0ONCALL")
        elif what == "silence":
            silence(store, arn("api"), "U0ONCALL", 3600)
        else:
            world.deliver("api", "OK", 15, old="ALARM")
        add(arns, minute)

    index.add = stop_then_carry  # type: ignore[method-assign]
    sweep = world.tick(NOTE_AT)
    # THEN the step is not taken, then or later
    assert sweep.noted == () and sweep.stopped == (arn("api"),)
    seen = run_ticks(world, range(NOTE_AT + 1, PAGE_AT + 3))
    assert seen[PAGE_AT + 2] == (0, 0)


def test_insufficient_data_landing_after_the_sweep_read_the_incident_holds_the_step(world: World) -> None:
    # GIVEN the alarm going INSUFFICIENT_DATA after the tick read the incident as due, before its Slack call
    world.deliver("api", "ALARM", 0)
    index = world.escalations.index
    add = index.add

    def change_then_carry(arns: Any, minute: int) -> None:
        index.add = add  # type: ignore[method-assign]
        world.deliver("api", "INSUFFICIENT_DATA", 15, old="ALARM")
        add(arns, minute)

    index.add = change_then_carry  # type: ignore[method-assign]
    sweep = world.tick(NOTE_AT)
    # THEN the step waits (carried, not stopped) and is taken once the alarm is back in ALARM
    assert sweep.noted == () and sweep.stopped == () and sweep.carried == (arn("api"),)
    assert world.tick(NOTE_AT + 1).noted == ()
    world.deliver("api", "ALARM", 17, old="INSUFFICIENT_DATA")
    assert world.tick(NOTE_AT + 2).noted == (arn("api"),) and world.notes_in_slack("api") == 1


def test_a_record_written_under_the_sweep_is_merged_not_lost(world: World) -> None:
    # GIVEN a re-fire delivered while the sweep posts the note (the record's version moves under it)
    world.deliver("api", "ALARM", 0)
    world.spy.during_note = lambda: world.deliver("api", "ALARM", 16, old="ALARM")
    world.spy.after = True
    world.tick(NOTE_AT)
    # THEN the step is recorded on the re-read record, and the re-fire's news is kept
    incident = world.incident("api")
    assert incident.escalated == 1 and incident.notify_count == 2
    assert incident.changed_at == (T0 + timedelta(minutes=16)).timestamp()
    seen = run_ticks(world, range(NOTE_AT + 1, PAGE_AT + 1))
    assert seen[PAGE_AT] == (1, 1)


def test_a_re_fire_that_read_the_record_before_the_note_keeps_the_step(world: World) -> None:
    # GIVEN a re-fire whose delivery read the incident before the tick recorded its note
    world.deliver("api", "ALARM", 0)
    stale = world.incident("api")
    assert world.tick(NOTE_AT).noted == (arn("api"),)
    tracker = world.service.lifecycle.tracker  # type: ignore[union-attr]
    store = tracker.store
    reads = iter([stale])
    tracker.store = StaleFirst(store, reads)
    world.deliver("api", "ALARM", 16, old="ALARM")  # its conditional write loses, re-reads, merges
    tracker.store = store
    # THEN the step stays recorded (no second note) and the re-fire is kept
    incident = world.incident("api")
    assert incident.escalated == 1 and incident.notify_count == 2
    seen = run_ticks(world, range(NOTE_AT + 1, PAGE_AT + 1))
    assert seen[PAGE_AT] == (1, 1)


class StaleFirst:
    """The incident store, its first reads answered from ``reads`` (a record read before another write)."""

    def __init__(self, inner: Any, reads: Any) -> None:
        self.inner = inner
        self.reads = reads

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get(self, alarm_arn: str) -> Any:
        return next(self.reads, None) or self.inner.get(alarm_arn)


def test_an_index_that_cannot_be_written_loses_the_escalation_never_the_alert(slack: SlackStandIn) -> None:
    class NoIndex:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def update_item(self, **kwargs: Any) -> Any:
            if kwargs["Key"]["pk"]["S"].startswith("escalation#"):
                from botocore.exceptions import EndpointConnectionError

                raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
            return self.inner.update_item(**kwargs)

    with mock_aws():
        service = lifecycle_service(slack.url, channel=CHANNEL, table=TABLE, dynamodb=NoIndex)
        tracker = service.lifecycle.tracker
        counted: list[str] = []
        tracker.escalations.count = counted.append
        service.handle(sns_event("api", "ALARM", 0, tags=TAGS), Deadline.after(30))
        assert len(slack.posts(CHANNEL)) == 1 and counted == ["EscalationsUnindexed"]
        assert tracker.store.get(arn("api")).status == "open"


def test_without_an_escalation_topic_the_note_is_the_only_step(world: World) -> None:
    world.escalations.publish = None
    world.deliver("api", "ALARM", 0)
    seen = run_ticks(world, range(FIRST, PAGE_AT + 3))
    assert seen[PAGE_AT + 2] == (1, 0)
    assert world.spy.notes[0][1].pages_at == 0.0


def test_an_alarm_without_the_tag_or_a_default_never_escalates(world: World) -> None:
    world.deliver("api", "ALARM", 0, tags={"lookout:mention": "S0PAYTEAM"})
    seen = run_ticks(world, range(FIRST, PAGE_AT + 2))
    assert seen[PAGE_AT + 1] == (0, 0) and world.spy.cards[-1].escalation == ""


def test_the_configured_default_applies_to_every_alarm(slack: SlackStandIn) -> None:
    with mock_aws():
        service = lifecycle_service(slack.url, channel=CHANNEL, table=TABLE, escalate_after_s=600)
        service.handle(sns_event("api", "ALARM", 0, tags={}), Deadline.after(30))
        incident = service.lifecycle.tracker.store.get(arn("api"))
        assert incident is not None
        assert (incident.escalate_after_s, incident.escalate_page_s) == (600, 600)


def test_a_late_delivery_escalates_at_the_next_tick(world: World) -> None:
    # GIVEN the alarm's ALARM delivered 40 minutes late (Lambda's retries after a Slack outage)
    tracker = world.service.lifecycle.tracker  # type: ignore[union-attr]
    late = T0.timestamp() + 40 * 60
    tracker.clock = lambda: late
    world.deliver("api", "ALARM", 0)
    # THEN the first tick after it notes (the step was due long ago), and the next one pages
    assert world.tick(int(late // 60) + 1).noted == (arn("api"),)
    assert world.tick(int(late // 60) + 2).paged == (arn("api"),)
    incident = world.incident("api")
    assert replace(incident, version=0).escalated == 2


def test_the_index_items_are_stored_as_pinned(world: World) -> None:
    # GIVEN an opening indexed, and a tick that swept (and carried it)
    world.deliver("api", "ALARM", 0)
    world.tick(NOTE_AT)
    client = world.service.lifecycle.tracker.store.client  # type: ignore[union-attr]
    items = {
        item["pk"]["S"]: item
        for item in client.scan(TableName=TABLE)["Items"]
        if item["pk"]["S"].startswith("escalation#")
    }
    # THEN the keys, attribute types and TTLs are these (deployed tables hold them: they keep their spelling)
    shard = hashlib.sha256(arn("api").encode()).digest()[0] % 4
    two_days = 2 * 24 * 3600
    assert items[f"escalation#{NOTE_AT}#{shard}"] == {
        "pk": {"S": f"escalation#{NOTE_AT}#{shard}"},
        "arns": {"SS": [arn("api")]},
        "expiration": {"N": str(NOTE_AT * 60 + two_days)},
    }
    assert items[f"escalation#{NOTE_AT + 1}#{shard}"]["arns"] == {"SS": [arn("api")]}  # carried before the step
    assert items[f"escalation#{PAGE_AT}#{shard}"]["arns"] == {"SS": [arn("api")]}  # the page's own minute
    assert items["escalation#swept"] == {
        "pk": {"S": "escalation#swept"},
        "minute": {"N": str(NOTE_AT)},
        "expiration": {"N": str(NOTE_AT * 60 + two_days)},
    }
