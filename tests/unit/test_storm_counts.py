"""A storm's counts add up: an alarm that fired, resolved and fired again within the storm is one alarm (the
lifecycle writes its second ALARM as an opening, and the summary counts openings); the thread says what each
entry is — a late ALARM that reopened nothing, a time the payload did not give — and counts its lines."""

from __future__ import annotations

import json
from typing import Any

from bot.lifecycle.storm_store import Summary
from bot.lifecycle.storm_summary import fold
from bot.slack.blocks.storm import render_storm_details, render_storm_summary
from tests.support.storm_rounds import storm_round

ARN = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:orders-api-errors"


def entry(state: str, was: str, at: float, *, opening: bool, **extra: Any) -> dict[str, Any]:
    """As ``incident_records.storm_entry`` writes them."""
    return {
        "id": f"{ARN}|{state}|{at}",
        "arn": ARN,
        "name": "orders-api-errors",
        "state": state,
        "was": was,
        "opening": opening,
        "reason": f"went {state}",
        "at": at,
        "where": "111122223333 · us-east-1",
        "mention": "",
        "severity": "",
        **extra,
    }


def text_of(message: Any) -> str:
    return json.dumps({"text": message.text, "blocks": [b.to_dict() for b in message.blocks]}, ensure_ascii=False)


def test_an_alarm_that_fires_again_in_the_storm_is_one_alarm() -> None:
    # GIVEN one alarm's ALARM, OK and ALARM again, each an entry as the lifecycle writes them
    batch = [
        entry("ALARM", "OK", 1_795_600_000, opening=True),
        entry("OK", "ALARM", 1_795_600_060, opening=False),
        entry("ALARM", "OK", 1_795_600_120, opening=True),  # it reopened: the tracker writes an opening
    ]
    summary, _ = fold(Summary(), enumerate(batch, start=1))
    shown = text_of(render_storm_summary(storm_round(summary, batch)))
    # THEN the summary counts one alarm, firing, and lists it once with nothing "more"
    assert "Alarm storm: 1 alarm (1 firing)" in shown
    assert "more (all in the thread)" not in shown and shown.count("*orders-api-errors*") == 1
    # AND the thread reply counts its three lines as three state changes
    (reply,) = render_storm_details(batch)
    assert reply.text == "3 state changes in this storm"


def test_one_entry_is_one_state_change() -> None:
    (reply,) = render_storm_details([entry("ALARM", "OK", 1_795_600_000, opening=True)], ("<@U0DBA1234>",))
    assert reply.text == "1 state change in this storm"


def test_a_late_alarm_says_it_reopened_nothing() -> None:
    late = entry("ALARM", "ALARM", 1_795_600_000, opening=False, late=True)
    (reply,) = render_storm_details([late])
    assert "ALARM at 09:46:40 UTC, late: arrived after its OK, not reopened" in text_of(reply)


def test_an_unreadable_time_is_shown_as_given_in_the_thread() -> None:
    given = entry("ALARM", "OK", 1_795_600_000, opening=True)
    given["id"] = f"{ARN}|ALARM|given:2023-08-04T12: 36: 15.490+0000|0123456789abcdef"  # Alarm.change_key
    shown = text_of(render_storm_details([given])[0])
    assert "ALARM (time as given: 2023-08-04T12: 36: 15.490+0000)" in shown and "09:46:40" not in shown


def test_an_unknown_region_leaves_no_empty_part() -> None:
    unknown = entry("ALARM", "OK", 1_795_600_000, opening=True, where="111122223333 · ")
    shown = text_of(render_storm_details([unknown])[0])
    assert "· 111122223333\\n&gt;" in shown or "· 111122223333\\n>" in shown
