"""The alert lifecycle on moto DynamoDB and the Slack stand-in: one message per incident, updated on re-fire
and OK with thread notes; duplicates (sequential and concurrent) never post twice; routing by tags; storms."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from bot.alerting import AlertsFailed
from bot.delivery import Deadline
from tests.support.lifecycle import T0, TABLE, lifecycle_service, sns_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.alerting import AlertService
    from local.slack.api import SlackStandIn


@pytest.fixture
def service(slack: SlackStandIn) -> Iterator[AlertService]:
    with mock_aws():
        service = lifecycle_service(slack.url, table=TABLE, alert_channels=("#payments-oncall",))
        service.lifecycle.tracker.storms.gather_s = 3.0  # type: ignore[union-attr]
        yield service


def deliver(service: AlertService, event: dict[str, Any]) -> Any:
    return service.handle(event, Deadline.after(30))


def header(message: dict[str, Any]) -> str:
    return next(b["text"]["text"] for b in message["blocks"] if b["block_id"] == "lookout:header")


@pytest.mark.parametrize(
    ("sequence", "top_level", "replies", "final_header"),
    [
        ([("ALARM", 0)], 1, 0, "🔴 api · OK → ALARM"),
        ([("ALARM", 0), ("ALARM", 5)], 1, 1, "🔴 api · OK → ALARM"),
        ([("ALARM", 0), ("ALARM", 5), ("ALARM", 9)], 1, 1, "🔴 api · OK → ALARM"),  # 5 min apart at most
        ([("ALARM", 0), ("ALARM", 5), ("ALARM", 10)], 1, 2, "🔴 api · OK → ALARM"),
        ([("ALARM", 0), ("OK", 20)], 1, 1, "✅ api · ALARM → OK"),
        ([("ALARM", 0), ("INSUFFICIENT_DATA", 20)], 1, 1, "⚪ api · ALARM → INSUFFICIENT_DATA"),
        ([("ALARM", 0), ("OK", 20), ("ALARM", 30)], 2, 1, "🔴 api · OK → ALARM"),
        ([("INSUFFICIENT_DATA", 0)], 1, 0, "⚪ api · OK → INSUFFICIENT_DATA"),
    ],
)
def test_state_transitions(
    service: AlertService,
    slack: SlackStandIn,
    sequence: list[tuple[str, int]],
    top_level: int,
    replies: int,
    final_header: str,
) -> None:
    previous = "OK"
    for state, minute in sequence:
        deliver(
            service,
            sns_event(
                "api", state, minute, old=previous if state != previous else ("ALARM" if state == "OK" else "OK")
            ),
        )
        previous = state
    posts = slack.posts("#alerts")
    assert len(posts) == top_level
    assert len(slack.replies("#alerts", posts[0]["ts"])) == replies
    assert header(posts[-1]) == final_header


def test_ok_edits_the_original_to_resolved_with_duration(service: AlertService, slack: SlackStandIn) -> None:
    deliver(service, sns_event("api", "ALARM", 0))
    deliver(service, sns_event("api", "OK", 23, old="ALARM"))
    (message,) = slack.posts("#alerts")
    status = next(b for b in message["blocks"] if b["block_id"] == "lookout:status")["elements"][0]["text"]
    assert "Resolved* after 23 min" in status and message.get("edited")
    (reply,) = slack.replies("#alerts", message["ts"])
    assert "ALARM → OK after 23 min" in reply["text"]
    assert not any(b["block_id"] == "lookout:actions" for b in message["blocks"])  # no buttons once resolved


def test_refire_note_counts(service: AlertService, slack: SlackStandIn) -> None:
    for minute in (0, 4, 8):
        tags = {"lookout:renotify": "1m"}
        deliver(service, sns_event("api", "ALARM", minute, old="ALARM" if minute else "OK", tags=tags))
    (message,) = slack.posts("#alerts")
    notes = [r["text"] for r in slack.replies("#alerts", message["ts"])]
    assert notes[0].startswith("🔁 Still firing · 2nd time in 4 min") and notes[1].startswith(
        "🔁 Still firing · 3rd time in 8 min"
    )


def test_late_older_state_change_does_not_reopen(service: AlertService, slack: SlackStandIn) -> None:
    deliver(service, sns_event("api", "ALARM", 0))
    deliver(service, sns_event("api", "OK", 10, old="ALARM"))
    deliver(service, sns_event("api", "ALARM", 5, message_id="late"))  # delivered after the OK, but older
    (message,) = slack.posts("#alerts")
    assert header(message) == "✅ api · ALARM → OK"


def test_a_state_change_with_an_unreadable_time_is_applied_not_judged_older(
    service: AlertService, slack: SlackStandIn
) -> None:
    """Its envelope time (SNS Timestamp, minute 5) is earlier than the OK's (minute 10), but the state-change
    time itself is unreadable ("2023-08-04T12: 36: 15…" as in the CloudWatch docs' sample): it cannot be
    ordered, so it is applied as the newest news — and shows its time as given."""
    deliver(service, sns_event("api", "ALARM", 0))
    deliver(service, sns_event("api", "OK", 10, old="ALARM"))
    event = sns_event("api", "ALARM", 5, message_id="unreadable-time")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["StateChangeTime"] = "2023-08-04T12: 36: 15.490+0000"
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    deliver(service, event)
    posts = slack.posts("#alerts")
    assert len(posts) == 2 and header(posts[-1]) == "🔴 api · OK → ALARM"
    context = next(b for b in posts[-1]["blocks"] if b["block_id"] == "lookout:context")["elements"][0]["text"]
    assert "time as given: 2023-08-04T12: 36: 15.490+0000" in context


@pytest.mark.parametrize("times", [2, 3, 5])
def test_duplicate_deliveries_in_sequence_post_once(
    service: AlertService, slack: SlackStandIn, times: int
) -> None:
    for _ in range(times):
        deliver(service, sns_event("api", "ALARM", 0))
    assert len(slack.calls("chat.postMessage")) == 1 and len(slack.calls("chat.update")) == 0


@pytest.mark.parametrize("times", [2, 5])
def test_duplicate_deliveries_at_once_post_once(service: AlertService, slack: SlackStandIn, times: int) -> None:
    # GIVEN the same notification delivered several times at once
    barrier = threading.Barrier(times)
    event = sns_event("api", "ALARM", 0)

    def one() -> str:
        barrier.wait()
        try:
            deliver(service, event)
        except AlertsFailed as exc:
            return str(exc)
        return "ok"

    with ThreadPoolExecutor(times) as pool:
        outcomes = [future.result() for future in [pool.submit(one) for _ in range(times)]]
    # THEN one posts; the others find its claim in progress and fail, so that Lambda retries them
    assert outcomes.count("ok") >= 1
    assert all(o == "ok" or "already in progress" in o for o in outcomes), outcomes
    # WHEN Lambda retries the failed ones, they find the change completed: still one post
    for _ in range(outcomes.count("ok"), times):
        deliver(service, event)
    assert len(slack.calls("chat.postMessage")) == 1


def test_routing_by_tags(service: AlertService, slack: SlackStandIn) -> None:
    tags = {"lookout:channel": "#payments-oncall", "lookout:mention": "S0PAYTEAM", "lookout:severity": "sev1"}
    deliver(service, sns_event("pay", "ALARM", 0, tags=tags))
    (message,) = slack.posts("#payments-oncall")
    assert header(message).startswith("🔴 SEV1 · pay")
    assert message["text"].startswith("<!subteam^S0PAYTEAM>")
    assert slack.posts("#alerts") == []


def test_a_tag_cannot_send_an_alert_to_a_channel_lookout_is_not_set_up_for(
    service: AlertService, slack: SlackStandIn
) -> None:
    # GIVEN whoever can tag an alarm points it at a channel that is not one of Lookout's alert channels
    deliver(service, sns_event("pay", "ALARM", 0, tags={"lookout:channel": "#general"}))
    # THEN the alert goes to the default channel, saying why
    assert slack.posts("#general") == []
    (message,) = slack.posts("#alerts")
    assert "lookout:channel #general is not one of Lookout's alert channels" in json.dumps(message["blocks"])


def test_hostile_tags_route_nowhere_strange(service: AlertService, slack: SlackStandIn) -> None:
    tags = {"lookout:channel": "<!channel>", "lookout:mention": "<!here> @channel", "lookout:severity": "<b>"}
    deliver(service, sns_event("evil", "ALARM", 0, tags=tags))
    (message,) = slack.posts("#alerts")
    dumped = json.dumps(message)
    assert "<!here>" not in dumped and "<!channel>" not in dumped and "SEV" not in header(message)


def test_storm_of_100_alarms_in_10_s(service: AlertService, slack: SlackStandIn) -> None:
    # GIVEN the storm desk's minute starts with the burst, on a clock that ticks from there (a burst across a
    # minute boundary is the next test's case: here a boundary must not depend on when the test runs)
    desk = service.lifecycle.tracker.storms  # type: ignore[union-attr]
    started, minute = time.monotonic(), time.time() // 60 * 60
    desk.clock = lambda: minute + (time.monotonic() - started)
    names = [f"svc-{i:03d}" for i in range(100)]
    # WHEN 100 alarms open in 10 s, 32 deliveries at a time
    with ThreadPoolExecutor(32) as pool:
        futures = []
        for name in names:
            futures.append(pool.submit(deliver, service, sns_event(name, "ALARM", 0)))
            time.sleep(0.1)
        for future in futures:
            future.result()
    # THEN on-call sees the first three on their own, one storm summary, and every other alarm once in its
    # thread: what the channel shows, however the deliveries interleaved (how many Slack calls that took
    # depends on timing: bench/storm.py measures it)
    top = slack.posts("#alerts")
    (summary,) = [m for m in top if "lookout:storm" in json.dumps(m["blocks"])]
    singles = [m for m in top if m is not summary]
    assert len(singles) == desk.threshold
    assert header(summary) == f"🚨 Alarm storm: {100 - desk.threshold} alarms ({100 - desk.threshold} firing)"
    shown = [header(m).split(" · ")[0].removeprefix("🔴 ") for m in singles]
    details = json.dumps([r["blocks"] for r in slack.replies("#alerts", summary["ts"])], ensure_ascii=False)
    shown += [name for name in names if f"*{name}* · ALARM" in details]
    assert sorted(shown) == names  # each alarm exactly once: on its own or in the storm's thread
    assert all(details.count(f"*{name}* · ALARM") <= 1 for name in names)


def _store(service: AlertService) -> Any:
    return service.lifecycle.tracker.store  # type: ignore[union-attr]


def test_acknowledged_incidents_get_no_repeat_notes(service: AlertService, slack: SlackStandIn) -> None:

    deliver(service, sns_event("api", "ALARM", 0))
    incident = _store(service).get("arn:aws:cloudwatch:us-east-1:111122223333:alarm:api")
    _store(service).put(replace(incident, acked_by="U0ONCALL"))
    deliver(service, sns_event("api", "ALARM", 5, old="ALARM"))
    (message,) = slack.posts("#alerts")
    assert slack.replies("#alerts", message["ts"]) == []
    assert "Acknowledged by <@U0ONCALL>" in json.dumps(message["blocks"])


def test_silenced_alarm_posts_nothing_new_until_the_silence_ends(
    service: AlertService, slack: SlackStandIn
) -> None:

    deliver(service, sns_event("api", "ALARM", 0))
    incident = _store(service).get("arn:aws:cloudwatch:us-east-1:111122223333:alarm:api")
    _store(service).put(replace(incident, silenced_until=time.time() + 3600, silenced_by="U0ONCALL"))
    deliver(service, sns_event("api", "ALARM", 5, old="ALARM"))
    deliver(service, sns_event("api", "OK", 10, old="ALARM"))
    deliver(service, sns_event("api", "ALARM", 20))  # re-opens during the silence: the old message is reused
    assert len(slack.calls("chat.postMessage")) == 2  # the first post and the OK thread note only
    (message,) = slack.posts("#alerts")
    assert "Silenced until" in json.dumps(message["blocks"]) and header(message) == "🔴 api · OK → ALARM"


@pytest.mark.parametrize("state", ["OK", "ALARM"])
def test_a_failed_slack_call_is_redone_by_the_retry(
    service: AlertService, slack: SlackStandIn, state: str
) -> None:
    from bot.alerting import AlertsFailed
    from local.slack.api import Fault

    deliver(service, sns_event("api", "ALARM", 0))
    slack.fail_next(*[Fault(status=500)] * 40)
    event = sns_event("api", state, 7, old="ALARM")
    with pytest.raises(AlertsFailed):
        service.handle(event, Deadline.after(2))
    slack.state.faults.clear()
    deliver(service, event)  # Lambda's retry of the same delivery
    (message,) = slack.posts("#alerts")
    expected = "✅ api · ALARM → OK" if state == "OK" else "🔴 api · ALARM → ALARM"
    assert header(message) == expected
    assert len(slack.replies("#alerts", message["ts"])) == 1  # the note, once


def test_a_burst_across_a_window_boundary_stays_one_storm(service: AlertService) -> None:
    desk = service.lifecycle.tracker.storms  # type: ignore[union-attr]
    now = [59.0 * 60 + 55]  # five seconds before a window boundary
    desk.clock = lambda: now[0]
    keys = [desk.admit("#c").storm for _ in range(5)]
    assert keys[:3] == [None, None, None] and keys[3] == keys[4] is not None
    desk.number(keys[3], "#c")  # the storm's first entry: it is going
    now[0] += 10  # the next window: its openings join the storm of the window before
    assert [desk.admit("#c").storm for _ in range(5)] == [keys[3]] * 5
    now[0] += 60  # and so do the next window's, while the burst goes on
    assert [desk.admit("#c").storm for _ in range(2)] == [keys[3]] * 2
    now[0] += 120  # a quiet window later, a new burst starts afresh
    assert desk.admit("#c").storm is None


def _dead_post(service: AlertService, name: str, minutes: float, age_s: float) -> None:
    """What an invocation killed mid-post leaves: the incident record saying "posting", and no message."""
    from bot.lifecycle.store import Incident

    changed = (T0 + timedelta(minutes=minutes)).timestamp()
    _store(service).put(
        Incident(
            alarm_arn=f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}",
            channel="#alerts",
            status="posting",
            opened_at=changed,
            changed_at=changed,
            history=(("ALARM", changed),),
            notify_count=1,
            last_notified_at=time.time() - age_s,
        )
    )


def test_a_post_killed_midway_is_posted_by_lambdas_retry(service: AlertService, slack: SlackStandIn) -> None:
    # GIVEN an invocation died (timeout, out of memory) after writing "posting" and before Slack answered
    _dead_post(service, "api", 0, age_s=120)
    # WHEN Lambda's retry delivers the same state change
    deliver(service, sns_event("api", "ALARM", 0))
    # THEN it is posted (not taken for an old change), and the record has its message
    (message,) = slack.posts("#alerts")
    incident = _store(service).get("arn:aws:cloudwatch:us-east-1:111122223333:alarm:api")
    assert header(message).startswith("🔴 api") and incident.status == "open" and incident.ts == message["ts"]


def test_a_post_killed_after_slack_posted_is_found_not_posted_twice(slack: SlackStandIn) -> None:
    from slack_sdk import WebClient

    from bot.slack.transport.post import metadata_for

    with mock_aws():
        # GIVEN the alert channel named by its id (as the README advises), and an invocation that posted this
        # change's message and was killed before it recorded that it had
        service = lifecycle_service(slack.url, channel="C0ALERTS01")
        event = sns_event("api", "ALARM", 0)
        change = next(iter(__import__("bot.events", fromlist=["parse_event"]).parse_event(event))).item.change_key
        WebClient(token="xoxb-test", base_url=slack.url).chat_postMessage(
            channel="C0ALERTS01", text="🔴 api", metadata=metadata_for(change)
        )
        _dead_post(service, "api", 0, age_s=120)
        # WHEN Lambda's retry delivers the same state change (in a new container: nothing remembered)
        deliver(service, event)
        # THEN it finds its message instead of posting a second one, and records it
        (message,) = slack.posts("C0ALERTS01")
        incident = _store(service).get("arn:aws:cloudwatch:us-east-1:111122223333:alarm:api")
        assert incident.ts == message["ts"] and incident.status == "open"


def test_a_post_in_flight_is_waited_for_never_skipped(service: AlertService, slack: SlackStandIn) -> None:
    # GIVEN another invocation is posting this incident right now
    _dead_post(service, "api", 0, age_s=1)
    # WHEN a delivery of the same change cannot wait for it, it fails (Lambda retries) instead of succeeding
    with pytest.raises(AlertsFailed):
        deliver(service, sns_event("api", "ALARM", 0))
    assert slack.posts("#alerts") == []


# --- order: the state change's own time decides -------------------------------------------------------------


def test_an_ok_processed_before_its_alarm_leaves_the_incident_resolved(
    service: AlertService, slack: SlackStandIn
) -> None:
    # GIVEN the OK of 10:05 is delivered first (a retry, a replay, a slow delivery of the ALARM)
    deliver(service, sns_event("api", "OK", 5, old="ALARM"))
    # WHEN its older ALARM of 10:00 arrives after it
    deliver(service, sns_event("api", "ALARM", 0))
    # THEN the channel does not end with a firing incident: one message, resolved, the late ALARM in its thread
    (message,) = slack.posts("#alerts")
    assert header(message) == "✅ api · ALARM → OK"
    (late,) = slack.replies("#alerts", message["ts"])
    assert "A late ALARM" in late["text"] and "not reopened" in late["text"]


def test_concurrent_alarm_and_ok_end_resolved(service: AlertService, slack: SlackStandIn) -> None:
    for _ in range(3):
        name = f"race-{_}"
        with ThreadPoolExecutor(2) as pool:
            list(
                pool.map(
                    lambda e: deliver(service, e),
                    [sns_event(name, "OK", 5, old="ALARM"), sns_event(name, "ALARM", 0)],
                )
            )
        shown = [m for m in slack.posts("#alerts") if name in header(m)]
        assert [header(m) for m in shown] == [f"✅ {name} · ALARM → OK"]


def test_a_newer_alarm_after_an_ok_still_opens_a_new_incident(service: AlertService, slack: SlackStandIn) -> None:
    deliver(service, sns_event("api", "OK", 5, old="ALARM"))
    deliver(service, sns_event("api", "ALARM", 9))  # newer than the OK: it fires again
    assert [header(m) for m in slack.posts("#alerts")] == ["✅ api · ALARM → OK", "🔴 api · OK → ALARM"]


# --- dead channels: archived, gone, the bot not in it --------------------------------------------------------


@pytest.mark.parametrize("error", ["is_archived", "channel_not_found", "not_in_channel"])
def test_an_alert_for_a_dead_channel_goes_to_the_default_one_and_says_so(
    service: AlertService, slack: SlackStandIn, error: str
) -> None:
    from local.slack.api import Fault

    counted: list[str] = []
    service.courier.on_dead_channel = counted.append  # type: ignore[attr-defined]
    service.courier.fallback_channel = "#alerts"  # type: ignore[attr-defined]
    # GIVEN a tag routes the alarm to #payments-oncall, which Slack says it cannot post in
    slack.fail_next(Fault(error=error))
    deliver(service, sns_event("pay", "ALARM", 0, tags={"lookout:channel": "#payments-oncall"}))
    # THEN the alert is in the default channel, naming the dead one, and the operations metric counts it
    (message,) = slack.posts("#alerts")
    assert f"#payments-oncall cannot be posted in ({error})" in json.dumps(message["blocks"])
    assert counted == ["#payments-oncall"] and slack.posts("#payments-oncall") == []
    # AND its OK edits that message, where it is
    deliver(service, sns_event("pay", "OK", 5, old="ALARM", tags={"lookout:channel": "#payments-oncall"}))
    assert header(slack.posts("#alerts")[0]) == "✅ pay · ALARM → OK"


def test_a_dead_default_channel_fails_loudly(service: AlertService, slack: SlackStandIn) -> None:
    from local.slack.api import Fault

    service.courier.fallback_channel = "#alerts"  # type: ignore[attr-defined]
    slack.fail_next(Fault(error="is_archived"))
    with pytest.raises(AlertsFailed, match="is_archived"):  # Lambda retries, then the on-failure queue keeps it
        deliver(service, sns_event("api", "ALARM", 0))


def test_log_error_kinds_never_use_up_the_alarms_storm_budget(service: AlertService, slack: SlackStandIn) -> None:
    from datetime import UTC, datetime

    from bot.delivery import Delivery
    from bot.logerrors.alarm import as_alarm
    from bot.logerrors.kinds import Kind
    from bot.logerrors.ledger import Decision, Tally
    from bot.regions import Where

    # GIVEN a burst of new log-error kinds in the channel (they form a storm of their own)
    for i in range(8):
        kind = Kind("/aws/lambda/shop", f"ERROR kind {i}", 1, 1_795_700_000_000, 1_795_700_000_000, "x", "s")
        alarm = as_alarm(
            Decision(kind, "new", Tally(1, kind.first_ms, kind.last_ms)),
            where=Where("aws", "us-east-1", "111122223333"),
            filter_pattern="?ERROR",
            now=datetime.now(UTC),
        )
        service.deliver_all([Delivery(alarm, via="logs")], Deadline.after(30))
    # WHEN two alarms fire in the same minute
    deliver(service, sns_event("api", "ALARM", 0))
    deliver(service, sns_event("db", "ALARM", 0))
    # THEN each is posted on its own, with its mention and buttons, not grouped behind the error lines
    headers = [header(m) for m in slack.posts("#alerts")]
    assert "🔴 api · OK → ALARM" in headers and "🔴 db · OK → ALARM" in headers


def test_a_delivery_with_many_new_kinds_gathers_once_not_once_per_kind(
    service: AlertService, slack: SlackStandIn
) -> None:
    from datetime import UTC, datetime

    from bot.delivery import Delivery
    from bot.logerrors.alarm import as_alarm
    from bot.logerrors.kinds import Kind
    from bot.logerrors.ledger import Decision, Tally
    from bot.regions import Where

    desk = service.lifecycle.tracker.storms  # type: ignore[union-attr]
    slept: list[float] = []
    desk.sleep = slept.append  # the time a flusher waits for a burst's other alarms
    # GIVEN one subscription delivery whose lines are 60 kinds never seen before
    deliveries = []
    for i in range(60):
        kind = Kind("/aws/lambda/shop", f"ERROR kind {i}", 1, 1_795_700_000_000, 1_795_700_000_000, "x", "s")
        decision = Decision(kind, "new", Tally(1, kind.first_ms, kind.last_ms))
        alarm = as_alarm(
            decision, where=Where("aws", "us-east-1", "1"), filter_pattern="?E", now=datetime.now(UTC)
        )
        deliveries.append(Delivery(alarm, via="logs"))
    # WHEN the forwarder hands them to the alert path in one call
    outcomes = service.deliver_all(deliveries, Deadline.after(30))
    # THEN the storm gathers once for the whole delivery (it used to sleep 3 s a kind: 60 kinds ran out of time)
    assert not any(o.error for o in outcomes) and slept.count(desk.gather_s) <= 1
    (summary,) = [m for m in slack.posts("#alerts") if "lookout:storm" in json.dumps(m["blocks"])]
    assert header(summary) == "🚨 Error storm: 57 new error kinds"


def test_one_flapping_alarm_never_makes_a_storm(service: AlertService, slack: SlackStandIn) -> None:
    # GIVEN one alarm that goes ALARM → OK → ALARM five times within one storm window (threshold 3)
    desk = service.lifecycle.tracker.storms  # type: ignore[union-attr]
    desk.clock = lambda: 10.0 * 60 * 60  # one window for the whole test
    for flap in range(5):
        deliver(service, sns_event("flappy", "ALARM", flap * 2))
        deliver(service, sns_event("flappy", "OK", flap * 2 + 1, old="ALARM"))
    # THEN it counts once toward the threshold: each opening is a message of its own, no storm summary
    posts = slack.posts("#alerts")
    assert len(posts) == 5 and all(header(p).startswith("✅ flappy · ALARM → OK") for p in posts)
    # AND four other alarms opening in that window still make a storm: the fourth distinct one starts it
    for name in ("a", "b", "c"):
        deliver(service, sns_event(name, "ALARM", 20))
    assert len(slack.posts("#alerts")) == 8
    deliver(service, sns_event("d", "ALARM", 21))
    assert any("Alarm storm" in p["text"] for p in slack.posts("#alerts")), [p["text"] for p in slack.posts()]


# --- a quiet first deploy: an OK with no incident to resolve is counted, not posted ------------------------


def test_a_new_alarms_first_ok_is_not_posted(service: AlertService, slack: SlackStandIn) -> None:
    # GIVEN every new alarm's first evaluation: INSUFFICIENT_DATA → OK (and an OK after an OK, as a re-sent one)
    (outcome,) = deliver(service, sns_event("new-alarm", "OK", 0, old="INSUFFICIENT_DATA"))
    deliver(service, sns_event("new-alarm", "OK", 5, old="OK"))
    # THEN nothing is posted, and the delivery did not fail (counted as OksWithoutIncident); an ALARM → OK with
    # no incident is still posted (test_an_ok_processed_before_its_alarm_leaves_the_incident_resolved)
    assert slack.posts("#alerts") == [] and outcome.error is None and outcome.posted is None
    # AND its first ALARM after that opens an incident as usual, and the OK after it resolves it
    deliver(service, sns_event("new-alarm", "ALARM", 10))
    deliver(service, sns_event("new-alarm", "OK", 20, old="ALARM"))
    (message,) = slack.posts("#alerts")
    assert header(message) == "✅ new-alarm · ALARM → OK"


def test_an_alarm_that_arrives_after_its_unposted_ok_is_shown_already_resolved(
    service: AlertService, slack: SlackStandIn
) -> None:
    # GIVEN an OK from INSUFFICIENT_DATA at minute 5 delivered before the ALARM of minute 0 (SNS does not keep
    # order; the INSUFFICIENT_DATA between them was lost)
    deliver(service, sns_event("api", "OK", 5, old="INSUFFICIENT_DATA"))
    assert slack.posts("#alerts") == []
    # WHEN the older ALARM arrives, twice
    for _ in range(2):
        deliver(service, sns_event("api", "ALARM", 0))
    # THEN it is shown once, never reopened: a message of its own saying it was already OK
    (message,) = slack.posts("#alerts")
    assert header(message).startswith("🔴 api · OK → ALARM")
    assert "Already OK at" in json.dumps(message["blocks"], ensure_ascii=False)


def test_lone_oks_are_posted_when_configured(slack: SlackStandIn) -> None:
    with mock_aws():
        service = lifecycle_service(slack.url, table=TABLE, post_lone_oks=True)
        deliver(service, sns_event("new-alarm", "OK", 0, old="INSUFFICIENT_DATA"))
    (message,) = slack.posts("#alerts")
    assert header(message) == "✅ new-alarm · INSUFFICIENT_DATA → OK"


# --- the re-notify policy: at most one "still firing" note per period, per alarm --------------------------


@pytest.mark.parametrize(
    ("tags", "minutes", "noted_at"),
    [
        ({}, [1, 2, 3, 4, 5, 6, 9, 10, 11], [5, 10]),  # the default: every 5 minutes of the alarm's own time
        ({"lookout:renotify": "15m"}, [5, 10, 15, 20, 31], [15, 31]),
        ({"lookout:renotify": "never"}, [5, 10, 60], []),
        ({"lookout:renotify": "soon"}, [1, 5], [5]),  # a tag that is not a period keeps the default
    ],
)
def test_still_firing_notes_follow_the_alarms_policy(
    service: AlertService, slack: SlackStandIn, tags: dict[str, str], minutes: list[int], noted_at: list[int]
) -> None:
    deliver(service, sns_event("api", "ALARM", 0, tags=tags))
    for minute in minutes:  # CloudWatch re-sends as often as it likes
        deliver(service, sns_event("api", "ALARM", minute, old="ALARM", tags=tags))
    (message,) = slack.posts("#alerts")
    notes = [r["text"] for r in slack.replies("#alerts", message["ts"])]
    assert [note.rsplit("minute ", 1)[-1] for note in notes] == [str(m) for m in noted_at]


def test_an_acknowledged_incident_gets_no_still_firing_notes(service: AlertService, slack: SlackStandIn) -> None:
    deliver(service, sns_event("api", "ALARM", 0))
    service.lifecycle.tracker.store.put(  # type: ignore[union-attr]
        replace(service.lifecycle.tracker.store.get(sns_arn("api")), acked_by="U0ONCALL1")  # type: ignore[union-attr,type-var]
    )
    deliver(service, sns_event("api", "ALARM", 30, old="ALARM"))
    (message,) = slack.posts("#alerts")
    assert slack.replies("#alerts", message["ts"]) == []


def sns_arn(name: str) -> str:
    return f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}"
