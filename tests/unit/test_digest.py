"""The weekly digest: both weeks run, the change per row and in total, costs added up, and a failing query
as one section that says why — never a missing digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.analytics.digest import CHANGE_COLUMN, DigestConfig, build_digest, load_digest_config
from bot.config import ConfigError
from bot.queries.results import QueryFailed, QueryResult
from bot.slack.blocks.digest_message import render_digest, render_digest_text
from tests.support.messages import assert_valid_message

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


class Plan:
    """What the digest reads of a plan; like the planner's, built-in commands add up and saved queries do not."""

    def __init__(self, line: str, now: datetime) -> None:
        self.line, self.now, self.title = line, now, f"{line} title"
        self.additive, self.row_limit = not line.startswith("/query"), 100


def result(rows: list[tuple[str, ...]], scanned: int = 1000) -> QueryResult:
    return QueryResult("athena", ("customer", "requests", "p95_ms"), tuple(rows), 1.0, scanned)


WEEKS: dict[tuple[str, datetime], Any] = {
    ("/traffic 7d by customer", NOW): result(
        [("acme", "150", "210"), ("globex", "50", "90"), ("hooli", "5", "40")]
    ),
    ("/traffic 7d by customer", NOW - timedelta(days=7)): result([("acme", "100", "200"), ("globex", "50", "95")]),
    ("/query broken", NOW): QueryFailed("SYNTAX_ERROR: line 1:8: Column 'x' cannot be resolved"),
}


def run(query: Any, token: str) -> QueryResult:
    outcome = WEEKS[(query.line, query.now)]
    if isinstance(outcome, Exception):
        raise outcome
    assert isinstance(outcome, QueryResult)
    return outcome


def digest() -> Any:
    config = DigestConfig("#product-analytics", ("/traffic 7d by customer", "/query broken"))
    return build_digest(config, Plan, run, NOW)  # type: ignore[arg-type]


def test_week_over_week_per_row_and_in_total() -> None:
    traffic, broken = digest().sections
    assert traffic.columns[-1] == CHANGE_COLUMN and traffic.measure == "requests"
    assert [row[-1] for row in traffic.rows] == ["+50%", "+0%", "new"]
    assert (traffic.total, traffic.previous_total) == (205.0, 150.0)
    assert traffic.change == pytest.approx(55 / 150)
    assert traffic.bytes_scanned == 2000  # both weeks
    assert broken.error.startswith("SYNTAX_ERROR") and broken.rows == ()


def test_the_message_has_every_section_and_what_it_cost() -> None:
    message = render_digest(digest())
    payload = message.payload("#product-analytics")
    assert_valid_message(payload)
    texts = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert "requests 205 (+37% vs last week)" in texts[0] and "acme" in texts[0] and "+50%" in texts[0]
    assert texts[1].startswith("*/query broken* — _failed: SYNTAX_ERROR")
    footer = payload["blocks"][-1]["elements"][0]["text"]
    assert "2 queries" in footer and "1 failed" in footer
    assert "Weekly digest" in render_digest_text(digest())


def test_a_query_that_raises_anything_costs_its_section_only() -> None:
    def exploding(query: Any, token: str) -> QueryResult:
        raise RuntimeError("boom")

    config = DigestConfig("#c", ("/traffic 7d by customer",))
    (section,) = build_digest(config, Plan, exploding, NOW).sections  # type: ignore[arg-type]
    assert "could not run (RuntimeError)" in section.error


def test_the_configuration_is_validated(tmp_path: Any) -> None:
    config = tmp_path / "lookout.yaml"
    services = "services: {a: {log_groups: [/aws/lambda/a]}}\n"
    config.write_text(services + "digest: {channel: '#c', queries: [traffic]}\n")
    with pytest.raises(ConfigError, match=r"lookout.yaml: digest.queries\[0\]: 'traffic' is not valid"):
        load_digest_config(str(config))
    loaded = load_digest_config("infra/lookout.yaml")
    assert loaded is not None and loaded.channel == "#product-analytics" and len(loaded.queries) == 6
    config.write_text(services)
    assert load_digest_config(str(config)) is None


def test_the_schedule_moved_to_the_template_and_the_old_keys_say_where(tmp_path: Any) -> None:
    config = tmp_path / "lookout.yaml"
    config.write_text(
        "services: {a: {log_groups: [/aws/lambda/a]}}\n"
        "digest: {channel: '#c', queries: [/traffic], schedule: {day: monday, hour: 8, timezone: UTC}}\n"
    )
    with pytest.raises(ConfigError, match="digest.schedule: moved to the template: its DigestDay, DigestHour"):
        load_digest_config(str(config))


def test_rows_keyed_by_time_get_totals_only() -> None:
    hours = {
        ("/traffic 7d by hour", NOW): result([("2026-11-29 10:00", "7", "1"), ("2026-11-29 11:00", "3", "1")]),
        ("/traffic 7d by hour", NOW - timedelta(days=7)): result([("2026-11-22 10:00", "5", "1")]),
    }
    (section,) = build_digest(
        DigestConfig("#c", ("/traffic 7d by hour",)),
        Plan,
        lambda q, t: hours[(q.line, q.now)],
        NOW,  # type: ignore[arg-type]
    ).sections
    assert CHANGE_COLUMN not in section.columns and section.change == pytest.approx(1.0)


def test_no_total_where_the_rows_do_not_add_up_or_were_cut() -> None:
    weeks = {
        # a saved query: its first numeric column (tenants per field) is no total
        ("/query popular-fields", NOW): result([("email", "5", "1"), ("sku", "5", "1")]),
        ("/query popular-fields", NOW - timedelta(days=7)): result([("email", "4", "1")]),
        # as many rows as the LIMIT (3 here): the rest were cut, their sum is not the week's
        ("/traffic 7d by customer", NOW): result([("a", "9", "1"), ("b", "5", "1"), ("c", "1", "1")]),
        ("/traffic 7d by customer", NOW - timedelta(days=7)): result([("a", "9", "1")]),
    }

    class ThreeRows(Plan):
        def __init__(self, line: str, now: datetime) -> None:
            super().__init__(line, now)
            self.row_limit = 3

    config = DigestConfig("#c", ("/query popular-fields", "/traffic 7d by customer"))
    saved, cut = build_digest(config, ThreeRows, lambda q, t: weeks[(q.line, q.now)], NOW).sections  # type: ignore[arg-type]
    assert [row[-1] for row in saved.rows] == ["+25%", "new"]  # per row, the change still holds
    assert saved.total is None and saved.change is None
    assert cut.total is None and [row[-1] for row in cut.rows] == ["+0%", "new", "new"]
    text = render_digest_text(build_digest(config, ThreeRows, lambda q, t: weeks[(q.line, q.now)], NOW))  # type: ignore[arg-type]
    assert "vs last week)" not in text
