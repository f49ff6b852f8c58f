"""Storm messages: the summary stays compact; the detail replies leave no alarm out, however long the
reasons, and stay within Slack's limits."""

from __future__ import annotations

import json

from bot.slack.blocks.lifecycle import render_storm_details, render_storm_summary
from tests.support.messages import assert_valid_message


def entries(count: int, reason: str) -> list[dict[str, object]]:
    return [
        {
            "id": f"a{i}",
            "arn": f"arn:aws:cloudwatch:us-east-1:1:alarm:svc-{i:03d}",
            "name": f"svc-{i:03d}",
            "state": "ALARM",
            "reason": reason,
            "at": 1_795_600_000 + i,
            "where": "111122223333 · us-east-1",
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
    summary = payload(render_storm_summary(entries(97, "short"), "#alerts"))
    assert_valid_message(summary)
    text = json.dumps(summary, ensure_ascii=False)
    assert "97 alarms (97 firing)" in text and "… and 57 more (all in the thread)" in text
