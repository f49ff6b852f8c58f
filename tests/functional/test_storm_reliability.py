"""Storms lose nothing and show nothing twice, whatever happens to the invocation that flushes them: killed
mid-round (before or after Slack posted), out of time, Slack failing, a writer dying between counting and
writing its entry — each as Lambda runs it (a failed delivery is retried; a killed one is retried once its
claim expires). What on-call sees is asserted: every alarm once in the storm's thread, one summary.

Each of these lost alarms before the storm path was redesigned: the alarms that joined while another delivery
held the flush lease returned success, and the holder's retry found its incident open and did nothing.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from bot.delivery import Deadline
from local.slack.api import Fault
from tests.support.lifecycle import lifecycle_service, sns_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.alerting import AlertService
    from local.slack.api import SlackStandIn

CHANNEL = "#storm"


class Killed(BaseException):
    """The invocation stops here, as a Lambda timeout or an out-of-memory kill stops it."""


@pytest.fixture
def service(slack: SlackStandIn) -> Iterator[AlertService]:
    with mock_aws():
        service = lifecycle_service(slack.url, channel=CHANNEL)
        desk = service.lifecycle.tracker.storms  # type: ignore[union-attr]
        desk.gather_s, desk.round_s, desk.hole_s = 0.2, 1.0, 0.5
        desk.clock = lambda: 30.0  # one window: the storm's boundary is the next test file's business
        yield service


def deliver(
    service: AlertService, name: str, seconds: float = 4.0, request_id: str | None = None, **kwargs: Any
) -> list[Any]:
    """One Lambda invocation with this alarm's state change: its outcomes (a failed one has an error, and
    Lambda retries it). ``request_id``: the invocation's (Lambda's retries of an invocation keep it); a new
    one when None."""
    import uuid

    from bot.events import parse_event
    from local.lambda_runtime import LambdaContext

    event = sns_event(name, "ALARM", 0, **kwargs)
    context = LambdaContext(timeout_s=seconds, request_id=request_id or str(uuid.uuid4()))
    return service.deliver_all(list(parse_event(event)), Deadline.after(seconds), context, raise_failed=False)


class Hooked:
    """The messenger, with a fault at the ``n``-th storm call: ``before`` it reaches Slack, or ``after``."""

    def __init__(self, service: AlertService, where: str, at: str = "storm_summary") -> None:
        self.desk = service.lifecycle.tracker.storms  # type: ignore[union-attr]
        self.inner, self.where, self.at = self.desk.messenger, where, at
        self.hang = threading.Event()
        self.armed = True
        self.desk.messenger = self

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def storm_summary(self, storm_round: Any, deadline: Deadline) -> Any:
        return self._call("storm_summary", storm_round, deadline)

    def storm_replies(self, storm_round: Any, summary: Any, deadline: Deadline) -> Any:
        return self._call("storm_replies", storm_round, summary, deadline)

    def _call(self, name: str, *args: Any) -> Any:
        if not (self.armed and name == self.at):
            return getattr(self.inner, name)(*args)
        self.armed = False
        if self.where == "after":
            getattr(self.inner, name)(*args)
        self.hang.wait(60)  # the invocation is frozen: never returns, never cleans up
        raise Killed


def shown(slack: SlackStandIn, names: list[str]) -> dict[str, int]:
    """How often each alarm appears to on-call: on its own or in the storm's thread."""
    posts = slack.posts(CHANNEL)
    text = json.dumps([m["blocks"] for m in posts], ensure_ascii=False)
    for message in posts:
        text += json.dumps([r["blocks"] for r in slack.replies(CHANNEL, message["ts"])], ensure_ascii=False)
    return {name: text.count(f"*{name}* · ALARM") + text.count(f"🔴 {name} · OK → ALARM") for name in names}


NAMES = [f"svc-{i:02d}" for i in range(15)]


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_flusher_killed_mid_round_loses_nothing_and_duplicates_nothing(
    service: AlertService, slack: SlackStandIn, where: str
) -> None:
    # GIVEN three alarms on their own, then a fourth that starts the storm and is killed while it posts
    # (before Slack got the summary, or right after)
    for name in NAMES[:3]:
        deliver(service, name)
    hook = Hooked(service, where)
    holder = threading.Thread(
        target=lambda: pytest.raises(Killed, deliver, service, NAMES[3], 2.5, "killed-1"), daemon=True
    )
    holder.start()
    while hook.armed:
        threading.Event().wait(0.05)
    # WHEN eleven more join while the killed one still holds the lease (each returns: its entry is written)
    outcomes = [deliver(service, name) for name in NAMES[4:]]
    assert all(not o.error for os_ in outcomes for o in os_)
    # AND Lambda retries the killed delivery (the same request id) once its claim has expired
    threading.Event().wait(2.6)
    assert not any(o.error for o in deliver(service, NAMES[3], request_id="killed-1"))
    # THEN every alarm is shown exactly once, under one summary
    assert shown(slack, NAMES) == dict.fromkeys(NAMES, 1)
    assert sum("lookout:storm" in json.dumps(m["blocks"]) for m in slack.posts(CHANNEL)) == 1
    hook.hang.set()
    holder.join(5)


def test_a_flusher_out_of_time_fails_so_that_its_retry_shows_the_rest(
    service: AlertService, slack: SlackStandIn
) -> None:
    for name in NAMES[:3]:
        deliver(service, name)
    # GIVEN Slack answers the first storm post slowly, so the flusher's time runs out with entries pending
    slack.fail_next(Fault(status=200, delay_s=1.5))
    result: list[Any] = []
    holder = threading.Thread(target=lambda: result.extend(deliver(service, NAMES[3], 2.0)), daemon=True)
    holder.start()
    threading.Event().wait(0.5)
    for name in NAMES[4:]:
        deliver(service, name, 1.5)  # the lease is held: they hand off and return
    holder.join(10)
    # THEN the flusher did not claim success with alarms still unshown: it failed, and Lambda retries it
    assert result and result[0].error
    threading.Event().wait(0.2)
    assert not any(o.error for o in deliver(service, NAMES[3]))
    assert shown(slack, NAMES) == dict.fromkeys(NAMES, 1)


def test_slack_failing_during_the_flush_fails_the_flusher_and_nothing_is_lost(
    service: AlertService, slack: SlackStandIn
) -> None:
    for name in NAMES[:3]:
        deliver(service, name)
    # GIVEN Slack fails every call while the storm is flushed
    slack.fail_next(*[Fault(status=500)] * 200)
    first = [deliver(service, name, 2.0) for name in NAMES[3:]]
    assert any(o.error for os_ in first for o in os_)  # loudly: Lambda retries and keeps the event
    # WHEN Slack is back and Lambda retries the failed deliveries
    slack.state.faults.clear()
    for name, outcomes in zip(NAMES[3:], first, strict=True):
        if any(o.error for o in outcomes):
            assert not any(o.error for o in deliver(service, name))
    # THEN every alarm is shown once
    assert shown(slack, NAMES) == dict.fromkeys(NAMES, 1)


def test_a_writer_killed_between_counting_and_writing_is_given_up_then_counted_again(
    service: AlertService, slack: SlackStandIn
) -> None:
    for name in NAMES[:5]:
        deliver(service, name)
    desk = service.lifecycle.tracker.storms  # type: ignore[union-attr]
    put_entry = desk.store.put_entry

    def killed(*args: Any) -> bool:
        desk.store.put_entry = put_entry
        raise Killed

    # GIVEN a delivery killed after its incident recorded its entry's number, before the entry was written
    desk.store.put_entry = killed
    with pytest.raises(Killed):
        deliver(service, NAMES[5], 2.0)
    # WHEN others keep coming (their flusher waits for the hole, then gives the number up)
    for name in NAMES[6:]:
        deliver(service, name)
    # AND the killed delivery is retried once its claim expired
    threading.Event().wait(2.1)
    assert not any(o.error for o in deliver(service, NAMES[5]))
    # THEN it is shown once, and so is everyone else
    assert shown(slack, NAMES) == dict.fromkeys(NAMES, 1)


def test_a_storm_keeps_every_mention_and_the_highest_severity(service: AlertService, slack: SlackStandIn) -> None:
    tags = [
        {"lookout:mention": "S0PAYMENTS", "lookout:severity": "SEV2"},
        {"lookout:mention": "U0DBADMIN1", "lookout:severity": "SEV1"},
    ]
    for i, name in enumerate(NAMES[:8]):
        deliver(service, name, 10, tags=tags[i % 2])
    (summary,) = [m for m in slack.posts(CHANNEL) if "lookout:storm" in json.dumps(m["blocks"])]
    assert summary["text"].startswith("🚨 SEV1 · Alarm storm")
    assert "<!subteam^S0PAYMENTS>" in summary["text"] and "<@U0DBADMIN1>" in summary["text"]


def test_a_duplicate_delivery_waits_for_the_live_flusher_instead_of_posting_its_round_again(
    service: AlertService, slack: SlackStandIn
) -> None:
    # GIVEN a storm whose flusher pauses just before it posts its round's replies (Slack is slow)
    for name in NAMES[:3]:
        deliver(service, name)
    desk = service.lifecycle.tracker.storms  # type: ignore[union-attr]
    inner = desk.messenger
    paused, go = threading.Event(), threading.Event()

    class Slow:
        def __getattr__(self, name: str) -> Any:
            return getattr(inner, name)

        def storm_replies(self, *args: Any) -> Any:
            if not paused.is_set():
                paused.set()
                go.wait(10)
            return inner.storm_replies(*args)

    desk.messenger = Slow()
    flusher = threading.Thread(target=deliver, args=(service, NAMES[3], 6.0), daemon=True)
    flusher.start()
    assert paused.wait(10)
    # WHEN SNS delivers the same notification again, to another invocation, while the first is posting
    again = deliver(service, NAMES[3], 2.0)
    go.set()
    flusher.join(10)
    # THEN the duplicate leaves the round to the live flusher: the alarm is shown once
    assert not any(o.error for o in again)
    assert shown(slack, NAMES[:4]) == dict.fromkeys(NAMES[:4], 1)
