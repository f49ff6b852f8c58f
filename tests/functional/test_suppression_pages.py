"""Who a composite alarm calls. CloudWatch runs no actions while a suppression holds, and runs the current
state's actions when a wait or extension period ends ("Composite alarms take actions that are based on their
current states when ExtensionPeriod and WaitPeriod become inactive" — CloudWatch User Guide, Composite alarm
action suppression). So the suppressed first post calls no one, and the ALARM → ALARM that ends the suppression
calls the alarm's people in the thread (an edited message notifies no one) and says why. Shapes: the
documented suppressed state change (tests/fixtures/events/eventbridge_rust_composite_suppressed.json) at
times of the test's own clock."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from bot.delivery import Deadline
from tests.support.fixtures import load_event
from tests.support.lifecycle import T0, TABLE, lifecycle_service

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.alerting import AlertService
    from local.slack.api import SlackStandIn

MENTION = "<!subteam^S0PAYTEAM>"


@pytest.fixture
def service(slack: SlackStandIn) -> Iterator[AlertService]:
    with mock_aws():
        yield lifecycle_service(slack.url, table=TABLE)


def composite(minutes: float, *, now: str | None, before: str | None, old: str = "ALARM") -> dict[str, Any]:
    """The composite alarm's change at T0 + ``minutes``: ``now``/``before`` name what suppresses its
    actions in the new and the previous state (None: nothing)."""
    event = copy.deepcopy(load_event("eventbridge_rust_composite_suppressed.json"))
    data = event["alarmData"]
    at = (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    earlier = (T0 + timedelta(minutes=minutes - 2)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    event["time"] = at.replace(".000+0000", "Z")
    data["alarmTags"] = {"lookout:mention": "S0PAYTEAM"}
    for state, by, when in ((data["state"], now, at), (data["previousState"], before, earlier)):
        state.pop("actionsSuppressedBy", None)
        state.pop("actionsSuppressedReason", None)
        state["timestamp"] = when
        if by:
            state.update(actionsSuppressedBy=by, actionsSuppressedReason=f"Actions suppressed by {by}")
    data["previousState"]["value"] = old
    return event


def posts(slack: SlackStandIn) -> list[dict[str, Any]]:
    return [r.body for r in slack.calls("chat.postMessage")]


def deliver(service: AlertService, event: dict[str, Any]) -> None:
    service.handle(event, Deadline.after(30))


def test_a_suppressed_first_post_calls_no_one_and_the_end_of_its_wait_calls_the_people(
    service: AlertService, slack: SlackStandIn
) -> None:
    # GIVEN the composite alarm goes into ALARM while its suppressor's wait period holds its actions
    deliver(service, composite(0, now="WaitPeriod", before=None, old="OK"))
    (card,) = posts(slack)
    # THEN the card is shown muted and calls no one: CloudWatch runs no action now
    assert MENTION not in json.dumps(card)
    # WHEN the wait period ends with the alarm still in ALARM
    deliver(service, composite(2, now=None, before="WaitPeriod"))
    # THEN the card says the actions run now, and one reply in its thread calls the people and says why
    (reply,) = posts(slack)[1:]
    assert reply["thread_ts"] and reply["text"].startswith(MENTION)
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "Suppression ended: actions run now" in text and "its wait period ended without" in text
    assert "wait period 2 min, extension period 3 min" in text
    (update,) = [r.body for r in slack.calls("chat.update")]
    assert "(suppression ended: actions run now)" in json.dumps(update["blocks"], ensure_ascii=False)


def test_a_live_first_post_calls_the_people_and_a_plain_repeat_does_not(
    service: AlertService, slack: SlackStandIn
) -> None:
    deliver(service, composite(0, now=None, before=None, old="OK"))
    deliver(service, composite(5, now=None, before=None))
    first, repeat = posts(slack)
    assert first["text"].startswith(MENTION)
    assert MENTION not in json.dumps(repeat) and "Still firing" in json.dumps(repeat["blocks"])


def test_the_end_of_a_suppression_is_said_once_however_often_it_is_delivered(
    service: AlertService, slack: SlackStandIn
) -> None:
    deliver(service, composite(0, now="WaitPeriod", before=None, old="OK"))
    ended = composite(2, now=None, before="WaitPeriod")
    for _ in range(3):
        deliver(service, ended)
    assert [m["text"].startswith(MENTION) for m in posts(slack)] == [False, True]
