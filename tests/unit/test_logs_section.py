"""The Logs section says how many lines it shows: all of them, or how many of the newest fit Slack's section."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.enrich.model import Finding, LogLine, LogReport
from bot.slack.blocks.render import SECTION_CHARS, _logs

NOW = datetime(2026, 11, 20, 14, 3, tzinfo=UTC)


def report(lines: int, chars: int) -> Finding[LogReport]:
    return Finding(
        "Logs",
        value=LogReport(
            groups=("/aws/lambda/orders-api",),
            filter_pattern="ERROR",
            found_by="convention",
            lines=tuple(
                LogLine(timestamp=NOW - timedelta(seconds=i), group="/aws/lambda/orders-api", message="E" * chars)
                for i in range(lines)
            ),
            window_start=NOW - timedelta(minutes=5),
            window_end=NOW,
        ),
    )


def test_every_line_fits_and_the_title_says_so() -> None:
    text = _logs(report(3, 50))
    assert text.startswith("*Logs* — 3 newest matching lines in /aws/lambda/orders-api")


def test_when_fewer_fit_the_title_counts_the_lines_shown() -> None:
    text = _logs(report(10, 299))
    shown = text.split("```")[1].split("\n")
    count = sum(1 for line in shown if line != "…")
    assert count < 10 and text.startswith(f"*Logs* — {count} of the 10 newest matching lines in ")
    assert len(text) <= SECTION_CHARS
