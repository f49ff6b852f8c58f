"""The Logs section folds its lines by kind and says how many kinds it shows: all of them, or the most frequent
that fit Slack's section."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.enrich.model import Finding, LogLine, LogReport
from bot.slack.blocks.render import SECTION_CHARS, _logs

NOW = datetime(2026, 11, 20, 14, 3, tzinfo=UTC)


def report(lines: int, chars: int, kinds: int = 1) -> Finding[LogReport]:
    """``lines`` lines of ``chars`` characters, newest first, line ``i`` of kind ``i % kinds``."""
    return Finding(
        "Logs",
        value=LogReport(
            groups=("/aws/lambda/orders-api",),
            filter_pattern="ERROR",
            found_by="convention",
            lines=tuple(
                LogLine(
                    timestamp=NOW - timedelta(seconds=i),
                    group="/aws/lambda/orders-api",
                    message=f"kind-{'ABCDEFGHIJ'[i % kinds]} " + "E" * chars,
                )
                for i in range(lines)
            ),
            window_start=NOW - timedelta(minutes=5),
            window_end=NOW,
        ),
    )


def test_every_line_fits_and_the_title_says_so() -> None:
    text = _logs(report(3, 50, kinds=3))
    assert text.startswith("*Logs* — 3 newest matching lines in /aws/lambda/orders-api: 3 kinds")


def test_when_fewer_kinds_fit_the_title_counts_the_kinds_shown() -> None:
    text = _logs(report(10, 299, kinds=10))
    shown = text.split("```")[1].split("\n")
    count = sum(1 for line in shown if line != "…")
    assert count < 10 and f": the {count} most frequent of 10 kinds (" in text
    assert text.startswith("*Logs* — 10 newest matching lines in ")
    assert len(text) <= SECTION_CHARS


def test_repeated_lines_show_once_with_their_count() -> None:
    text = _logs(report(10, 299, kinds=3))  # lines 0, 3, 6, 9 are of one kind; 1, 4, 7 and 2, 5, 8 of two others
    assert text.startswith("*Logs* — 10 newest matching lines in /aws/lambda/orders-api: 3 kinds (")
    counts = [line.split("  ")[0] for line in text.split("```")[1].split("\n")]
    assert counts == ["×4", "×3", "×3"]
