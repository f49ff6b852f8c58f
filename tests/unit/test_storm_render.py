"""Storm messages: the summary stays compact, says the highest severity and calls everyone its alarms' tags
call; the detail replies leave no alarm out, however long the reasons, and stay within Slack's limits."""

from __future__ import annotations

import json
from typing import Any

from bot.lifecycle.storm_store import Summary
from bot.lifecycle.storm_summary import fold, severity_rank
from bot.slack.blocks.storm import render_storm_details, render_storm_summary
from tests.support.messages import assert_valid_message
from tests.support.storm_rounds import storm_round


def entries(count: int, reason: str, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": f"a{i}",
            "arn": f"arn:aws:cloudwatch:us-east-1:1:alarm:svc-{i:03d}",
            "name": f"svc-{i:03d}",
            "state": "ALARM",
            "was": "OK",
            "opening": True,
            "reason": reason,
            "at": 1_795_600_000 + i,
            "where": "111122223333 · us-east-1",
            **extra,
        }
        for i in range(count)
    ]


def payload(message) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"text": message.text, "blocks": [b.to_dict() for b in message.blocks]}


def test_no_alarm_is_left_out_of_the_details() -> None:
    batch = entries(200, "Threshold Crossed: " + "x" * 400 + " <!channel>")
    messages = render_storm_details(batch)
    text = json.dumps([payload(m) for m in messages])
    assert all(f"*svc-{i:03d}*" in text for i in range(200))
    assert "<!channel>" not in text
    for message in messages:
        assert_valid_message(payload(message))
    assert len(messages) <= 10


def test_summary_lists_40_and_counts_the_rest() -> None:
    summary, _ = fold(Summary(), enumerate(entries(97, "short"), start=1))
    message = payload(render_storm_summary(storm_round(summary, [])))
    assert_valid_message(message)
    text = json.dumps(message, ensure_ascii=False)
    assert "97 alarms (97 firing)" in text and "… and 57 more (all in the thread)" in text


def test_a_storm_never_downgrades_a_page() -> None:
    # GIVEN a storm whose alarms call two teams, one of them with SEV1
    batch = entries(3, "r", mention="<!subteam^S0PAY123>", severity="SEV3") + [
        {**entries(1, "r")[0], "arn": "x", "name": "db", "mention": "<@U0DBA1234>", "severity": "SEV1"}
    ]
    summary, announce = fold(Summary(), enumerate(batch, start=1))
    # THEN the summary says SEV1 and calls both, and the round's reply calls them too (an edit notifies nobody)
    message = payload(render_storm_summary(storm_round(summary, batch, announce)))
    assert (
        message["text"].startswith("🚨 SEV1 · Alarm storm: 4 alarms") and "<!subteam^S0PAY123>" in message["text"]
    )
    assert "<@U0DBA1234>" in json.dumps(message)
    reply = json.dumps(payload(render_storm_details(batch, tuple(announce))[0]))
    assert "<!subteam^S0PAY123> <@U0DBA1234>: alarms of yours are in this storm" in reply
    # AND a later round announces only who is new
    _, again = fold(summary, [(5, {**batch[0], "arn": "y", "opening": True})])
    assert again == []


def test_severity_ranks_from_the_tags_words() -> None:
    assert severity_rank("SEV0") < severity_rank("P1") < severity_rank("SEV2") < severity_rank("low")
    assert severity_rank("CRITICAL") < severity_rank("HIGH") < severity_rank("whatever") < severity_rank("")


def test_folding_counts_resolutions_and_skips_what_it_counted() -> None:
    opened = entries(2, "r")
    summary, _ = fold(Summary(), enumerate(opened, start=1))
    ok = {**opened[0], "state": "OK", "was": "ALARM", "opening": False}
    summary, _ = fold(summary, [(3, ok), (4, {"tombstone": True})])
    assert (summary.alarms, summary.firing, summary.through) == (2, 1, 4)
    assert summary.top[0]["state"] == "OK"
    assert fold(summary, [(3, ok)])[0] == summary  # a resumed round counts nothing twice
