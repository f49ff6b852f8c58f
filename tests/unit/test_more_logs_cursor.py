"""The "More logs" cursor is a typed value with one stored form: the JSON object incident records already hold
(``{"groups", "pattern", "start", "before"}``), read back unchanged, written the same way, and a record holding
none, or one that cannot be read, means no log groups are known — never an exception in a click."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.enrich.log_cursor import LogCursor
from bot.enrich.model import LogLine, LogReport

STORED = '{"groups": ["/aws/lambda/api", "/ecs/orders"], "pattern": "ERROR", "start": 1764900000.0, "before": 1764903590.5}'
"""As ``logs_of`` wrote it before the cursor was typed (json.dumps of that dict, in that key order)."""
END = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def report(*seconds_before_end: int) -> LogReport:
    lines = tuple(
        LogLine(timestamp=END - timedelta(seconds=s), group="/aws/lambda/api", message=f"ERROR {s}")
        for s in seconds_before_end
    )
    return LogReport(
        groups=("/aws/lambda/api",),
        filter_pattern="ERROR",
        found_by="tags",
        lines=lines,
        window_start=END - timedelta(hours=1),
        window_end=END,
    )


def test_a_record_written_before_reads_and_writes_back_unchanged() -> None:
    cursor = LogCursor.from_stored(STORED)
    assert cursor == LogCursor(
        groups=("/aws/lambda/api", "/ecs/orders"), pattern="ERROR", start=1764900000.0, before=1764903590.5
    )
    assert cursor.stored() == STORED


def test_the_cursor_starts_before_the_oldest_line_the_message_showed() -> None:
    cursor = LogCursor.from_report(report(10, 300, 60))
    assert cursor.before == (END - timedelta(seconds=300)).timestamp()
    assert cursor.start == (END - timedelta(hours=1)).timestamp() and cursor.groups == ("/aws/lambda/api",)
    assert LogCursor.from_report(report()).before == END.timestamp()  # nothing shown: the window's end


def test_a_page_shown_moves_the_cursor_before_its_oldest_line() -> None:
    cursor = LogCursor.from_report(report(10))
    oldest = LogLine(timestamp=END - timedelta(minutes=20), group="/aws/lambda/api", message="ERROR")
    moved = cursor.past(oldest)
    assert moved.before == oldest.timestamp.timestamp() and moved.groups == cursor.groups
    assert LogCursor.from_stored(moved.stored()) == moved


@pytest.mark.parametrize(
    "stored",
    ["", "not json", "[]", '{"groups": [], "start": 1, "before": 2}', '{"groups": ["/g"], "start": 1}', "null"],
    ids=["none", "not-json", "not-an-object", "no-groups", "no-before", "null"],
)
def test_a_record_without_a_readable_cursor_means_no_log_groups_known(stored: str) -> None:
    assert LogCursor.from_stored(stored) is None
