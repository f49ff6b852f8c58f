"""Query results as Slack messages within Slack's limits for 0, 1, 100 and 10,000 rows, as a table or a code
block: checked by Block Kit's validation and by the Slack stand-in's (``local.slack.api.validation_error``)."""

from __future__ import annotations

import json

import pytest

from bot.slack.blocks.results import render_result
from local.slack.api import validation_error
from tests.support.messages import assert_valid_message
from tests.support.results import TRAFFIC, payload, traffic_result


@pytest.mark.parametrize("rows", [0, 1, 100, 10_000])
@pytest.mark.parametrize("tables", [True, False])
def test_results_fit_slack_for_any_size(rows: int, tables: bool) -> None:
    message = render_result(
        TRAFFIC,
        traffic_result(rows),
        asked_by="U012",
        console_url="https://console.aws.amazon.com/athena/x",
        tables=tables,
    )
    body = payload(message)
    assert_valid_message(body)
    assert validation_error(body) is None
    blocks = {b["block_id"]: b for b in body["blocks"]}
    stats = blocks["lookout:stats"]["elements"][0]["text"]
    assert f"{rows} rows" in stats and "123.0 MB scanned" in stats and "≈ $0.0006" in stats
    if rows == 0:
        assert "No data" in json.dumps(body)
    elif tables:
        table_rows = blocks["lookout:table"]["rows"]
        assert len(table_rows) <= 100 and all(len(r) <= 20 for r in table_rows)
        shown = len(table_rows) - 1
        assert shown == rows or f"showing the top {shown}, {rows - shown} more" in stats
    else:
        assert blocks["lookout:table"]["text"]["text"].startswith("```Customer")
