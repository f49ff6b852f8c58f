"""What the alarm card says of a log search that did not finish: how far it got, its lines flagged as maybe
incomplete, and never that nothing matched; "more logs" the same."""

from __future__ import annotations

from dataclasses import replace

from bot.enrich.logs import DEFAULT_PATTERN
from bot.enrich.model import Enrichment, Finding, LogReport
from bot.slack.blocks.render import render_alarm
from tests.support.log_search import alarm, at, window


def logs_text(report: LogReport) -> str:
    enrichment = replace(Enrichment.skipped("n/a"), logs=Finding("Logs", value=report))
    blocks = {b.block_id: b.to_dict() for b in render_alarm(alarm(), enrichment).blocks}
    return str(blocks["lookout:logs"]["text"]["text"])


def test_an_unfinished_search_says_how_far_it_got_and_never_that_nothing_matched() -> None:
    start, end = window()
    groups = tuple(f"/aws/lambda/fn-{i}" for i in range(5))
    report = LogReport(
        groups=groups,
        filter_pattern=DEFAULT_PATTERN,
        found_by="tags",
        lines=(),
        window_start=start,
        window_end=end,
        unfinished=((groups[2], at(14, 10)), (groups[3], at(20, 30)), (groups[4], None)),
    )
    text = logs_text(report)
    assert "searched 2 of 5 log groups, the others back to 09:20; no match so far" in text
    assert "no line matches" not in text
    finished = logs_text(replace(report, unfinished=()))
    assert "no line matches" in finished


def test_lines_from_an_unfinished_search_are_flagged() -> None:
    from bot.enrich.model import LogLine

    start, end = window()
    line = LogLine(timestamp=at(21, 8), group="demo-log-group", message="Test MESSAGE2")
    report = LogReport(
        ("demo-log-group",), "", "tags", (line,), start, end, unfinished=(("demo-log-group", at(20, 30)),)
    )
    text = logs_text(report)
    assert "search incomplete: searched back to 09:20 only; older lines may be missing" in text
    assert "Test MESSAGE2" in text


def test_more_logs_from_an_unfinished_search_does_not_claim_there_are_none() -> None:
    from bot.slack.blocks.lifecycle import render_more_logs

    unfinished = render_more_logs((), complete=False)
    assert "stopped early" in unfinished.text and "No older" not in unfinished.text
    assert "No older matching lines" in render_more_logs(()).text
