"""Posting over real HTTP to the local Slack stand-in: retries within the deadline, then a clear failure."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from bot.alarms import Notification
from bot.delivery import Deadline
from bot.slack.blocks.notice import render_notification
from bot.slack.transport.post import SlackDeliveryError, SlackPoster
from local.slack.api import Fault, SlackStandIn

MESSAGE = render_notification(Notification(title="t", body="b", source="test"))


def poster(slack: SlackStandIn, retries: list[str] | None = None, call_timeout_s: float = 5.0) -> SlackPoster:
    on_retry = retries.append if retries is not None else None
    return SlackPoster(lambda: "xoxb-test", base_url=slack.url, on_retry=on_retry, call_timeout_s=call_timeout_s)


def test_posts_blocks_with_the_token(slack: SlackStandIn) -> None:
    posted = poster(slack).post(MESSAGE, "#alerts", Deadline.after(10))
    (message,) = slack.posts("#alerts")
    assert posted.ts == message["ts"] and message["blocks"][0]["block_id"] == "lookout:header"
    assert slack.calls("chat.postMessage")[0].headers["Authorization"] == "Bearer xoxb-test"


def test_429_waits_for_retry_after(slack: SlackStandIn) -> None:
    slack.fail_next(Fault(status=429, retry_after=1))
    retries: list[str] = []
    started = time.monotonic()
    poster(slack, retries).post(MESSAGE, "#alerts", Deadline.after(10))
    assert time.monotonic() - started >= 1.0
    assert retries == ["429"] and len(slack.posts()) == 1


def test_5xx_is_retried(slack: SlackStandIn) -> None:
    slack.fail_next(Fault(status=500), Fault(status=503))
    retries: list[str] = []
    poster(slack, retries).post(MESSAGE, "#alerts", Deadline.after(10))
    assert retries == ["500", "503"] and len(slack.posts()) == 1


def test_ok_false_is_a_failure_not_retried(slack: SlackStandIn) -> None:
    slack.fail_next(Fault(error="channel_not_found"))
    with pytest.raises(SlackDeliveryError, match="channel_not_found"):
        poster(slack).post(MESSAGE, "#alerts", Deadline.after(10))
    assert len(slack.calls("chat.postMessage")) == 1


def test_retry_after_longer_than_the_time_left_raises_at_once(slack: SlackStandIn) -> None:
    slack.fail_next(Fault(status=429, retry_after=30))
    started = time.monotonic()
    with pytest.raises(SlackDeliveryError, match="ratelimited|429"):
        poster(slack).post(MESSAGE, "#alerts", Deadline.after(5))
    assert time.monotonic() - started < 2


def test_persistent_5xx_raises_within_the_deadline(slack: SlackStandIn) -> None:
    slack.fail_next(*[Fault(status=500)] * 20)
    started = time.monotonic()
    with pytest.raises(SlackDeliveryError):
        poster(slack).post(MESSAGE, "#alerts", Deadline.after(3))
    assert time.monotonic() - started < 3.5
    assert len(slack.calls("chat.postMessage")) >= 2


def test_timeout_is_retried_then_raised(slack: SlackStandIn) -> None:
    slack.fail_next(*[Fault(delay_s=1.5)] * 5)
    retries: list[str] = []
    started = time.monotonic()
    with pytest.raises(SlackDeliveryError, match="timed out|Timeout"):
        poster(slack, retries, call_timeout_s=0.5).post(MESSAGE, "#alerts", Deadline.after(2.5))
    assert time.monotonic() - started < 3.5
    assert retries and set(retries) == {"TimeoutError"}
    assert len(slack.calls("chat.postMessage")) >= 2


def test_timeout_then_success(slack: SlackStandIn) -> None:
    slack.fail_next(Fault(delay_s=1.5))
    retries: list[str] = []
    poster(slack, retries, call_timeout_s=0.5).post(MESSAGE, "#alerts", Deadline.after(6))
    assert retries == ["TimeoutError"]
    assert len(slack.posts()) >= 1  # without a key, the slow first request may land too


def test_a_keyed_post_that_slack_answers_late_is_found_not_posted_twice(slack: SlackStandIn) -> None:
    # GIVEN Slack takes the post but answers after the client gave up (the channel given by id, as Slack needs
    # for its history)
    slack.fail_next(Fault(delay_s=1.5))
    posted = poster(slack, call_timeout_s=0.5).post(MESSAGE, "C0ALERTS", Deadline.after(10), key="arn|ALARM|t1")
    # THEN the late message is found in the channel's history: one message, and its ts is the one returned
    (message,) = slack.posts("C0ALERTS")
    assert posted.ts == message["ts"] and len(slack.calls("chat.postMessage")) == 1
    assert slack.calls("conversations.history")[0].body["include_all_metadata"] in (True, "true", "1")


def test_by_channel_name_a_late_copy_beside_the_repost_is_deleted(slack: SlackStandIn) -> None:
    # GIVEN a first post to a #name (no channel id known yet, so no history to search) answered late
    slack.fail_next(Fault(delay_s=1.5))
    posted = poster(slack, call_timeout_s=0.5).post(MESSAGE, "#alerts", Deadline.after(10), key="arn|ALARM|t1")
    # THEN it is posted again, and the copy that landed late is found by the key and one of the two deleted
    (message,) = slack.posts("#alerts")
    assert posted.ts == message["ts"] and len(slack.calls("chat.postMessage")) == 2
    assert len(slack.calls("chat.delete")) == 1


def test_a_keyed_post_that_never_landed_is_posted_again_once(slack: SlackStandIn) -> None:
    # GIVEN Slack drops the first request after the client gave up (nothing posted)
    slack.fail_next(Fault(delay_s=1.0, status=500))
    posted = poster(slack, call_timeout_s=0.5).post(MESSAGE, "C0ALERTS", Deadline.after(15), key="arn|ALARM|t2")
    (message,) = slack.posts("C0ALERTS")
    assert posted.ts == message["ts"] and len(slack.calls("chat.postMessage")) == 2
    assert slack.calls("chat.delete") == []


def test_history_that_cannot_be_read_means_a_duplicate_not_a_lost_alert(slack: SlackStandIn) -> None:
    # GIVEN the post lands late, and the bot may not read the channel's history
    # (faults in request order: the post, the search, the re-post, the check after it)
    slack.state.faults.extend(
        [Fault(delay_s=1.0), Fault(error="missing_scope"), Fault(), Fault(error="missing_scope")]
    )
    poster(slack, call_timeout_s=0.5).post(MESSAGE, "C0ALERTS", Deadline.after(15), key="arn|ALARM|t3")
    time.sleep(1.0)  # the first try lands
    # THEN it was posted again without looking: twice, never lost
    assert len(slack.posts("C0ALERTS")) == 2


def test_connection_refused_raises() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = SlackPoster(lambda: "xoxb-test", base_url=f"http://127.0.0.1:{port}/api/")
    started = time.monotonic()
    with pytest.raises(SlackDeliveryError, match="refused|URLError"):
        dead.post(MESSAGE, "#alerts", Deadline.after(2))
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        (lambda state: None, None),
        (lambda state: state.archived.add("C0ALERTS01"), "channel C0ALERTS01 is archived"),
        (lambda state: state.outside.add("C0ALERTS01"), "the bot is not in channel C0ALERTS01"),
        (lambda state: setattr(state, "tokens", {"xoxb-other"}), "invalid_auth"),
    ],
)
def test_the_slack_path_probe_says_what_keeps_alerts_out(
    slack: SlackStandIn, setup: Any, problem: str | None
) -> None:
    # GIVEN Slack as it is: healthy, the channel archived or left, or the token revoked
    setup(slack.state)
    poster = SlackPoster(lambda: "xoxb-test", base_url=slack.url)
    # WHEN the scheduled function probes the alert channel
    found = poster.probe("C0ALERTS01", Deadline.after(5))
    # THEN the heartbeat learns what is wrong, in words (None: alerts would go through)
    assert (found is None) if problem is None else (problem in (found or ""))
