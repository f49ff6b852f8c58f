"""Alarm + enrichment → Slack message (Block Kit built with ``slack_sdk.models.blocks``, validated).

The card leads with the answer: one line saying what fails and the most likely cause (``headline``), then the
condition, the metric, X-Ray and the log lines folded by kind (count and newest line each, most frequent first),
and last, in small type, the alarm's own description. On-call woken at 3 a.m. asks "what is broken, and why";
the description is the same words every time the alarm fires — useful once the evidence is read (it often holds
the runbook link), so it is kept whole, not cut to a line, but no longer stands between them and the answer.
What X-Ray's column names mean is in docs/alerts.md, not on every card.

Block Kit lives in ``bot.slack.blocks`` (this module: the alarm card and the message plumbing its siblings —
lifecycle, storm, notice, results, digest, help — share); nothing outside ``bot/slack`` builds blocks. Every
piece of outside text goes through ``bot.text.safe``; every block is cut to Slack's limits so that rendering
never fails. Block ids are stable: later updates find blocks by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
    TableBlock,
)

from bot import console
from bot.alarms import AlarmKind
from bot.enrich.changes import first_breach, recent_change
from bot.enrich.evidence import fold_lines
from bot.enrich.model import Enrichment
from bot.slack.blocks import format as fmt
from bot.slack.blocks.alarm_text import ENDED_NOTE, description, icon, summary, suppressed, transition, where
from bot.slack.blocks.changes import changes_text
from bot.slack.blocks.headline import headline
from bot.text import cell, escape, for_code_block, one_line, safe, truncate

if TYPE_CHECKING:
    from bot.alarms import Alarm
    from bot.enrich.evidence import RecentChange
    from bot.enrich.model import Finding, LogReport, MetricReport, XRayReport

MAX_BLOCKS = 50
SECTION_CHARS = 3000
HEADER_CHARS = 150
TEXT_CHARS = 3000
BUTTON_CHARS = 75
CELL_CHARS = 60

TABLE_HEADER = (
    "Service",
    "Role",
    "Requests",
    "OK",
    "4xx excl. 429",
    "429",
    "5xx",
    "4xx+429 %",
    "5xx %",
    "Avg",
    "p95",
)
"""What each column counts (X-Ray's ``ErrorStatistics`` and ``FaultStatistics``): docs/alerts.md."""


@dataclass(frozen=True)
class Message:
    """A ready Slack message: fallback ``text`` plus validated blocks."""

    text: str
    blocks: tuple[Block, ...]

    def payload(self, channel: str) -> dict[str, object]:
        return {
            "channel": channel,
            "text": self.text,
            "blocks": [block.to_dict() for block in self.blocks],
            "unfurl_links": False,
            "unfurl_media": False,
        }


def render_alarm(alarm: Alarm, enrichment: Enrichment, change: RecentChange | None = None) -> Message:
    """The alarm card; ``change``: the most recent change before the breach, named in the first line (default:
    the one the enrichment found, when it came shortly before the breach)."""
    if change is None:
        change = recent_change(alarm, enrichment)
    blocks: list[Block] = [
        HeaderBlock(block_id="lookout:header", text=PlainTextObject(text=_header(alarm), emoji=True)),
        *_headline(alarm, enrichment, change),
        _section("lookout:summary", summary(alarm)),
    ]
    blocks.append(_section("lookout:metric", _metric(enrichment.metric)))
    if enrichment.changes is not None:
        breach = first_breach(alarm, enrichment.metric.value)  # what the first line times the change against
        blocks.append(_section("lookout:changes", changes_text(enrichment.changes, breach)))
    blocks.extend(_xray(alarm, enrichment.xray))
    blocks.append(_section("lookout:logs", _logs(enrichment.logs)))
    blocks.extend(_description(alarm))
    blocks.append(_context("lookout:context", where(alarm)))
    buttons = _buttons(alarm, enrichment)
    if buttons:
        blocks.append(ActionsBlock(block_id="lookout:links", elements=buttons))
    return finish_message(_fallback(alarm), blocks)


def render_bare_alarm(alarm: Alarm, note: str) -> Message:
    """The alarm without its enrichment sections: the fallback when rendering them failed."""
    skipped = Enrichment.skipped(note)
    blocks: list[Block] = [
        HeaderBlock(block_id="lookout:header", text=PlainTextObject(text=_header(alarm), emoji=True)),
        *_headline(alarm, skipped),
        _section("lookout:summary", summary(alarm)),
        *_description(alarm),
        _context("lookout:context", f"{where(alarm)} · _{safe(note, 300)}_"),
    ]
    buttons = _buttons(alarm, skipped)
    if buttons:
        blocks.append(ActionsBlock(block_id="lookout:links", elements=buttons))
    return finish_message(_fallback(alarm), blocks)


# --- parts of the alarm message --------------------------------------------------------------------------


def _header(alarm: Alarm) -> str:
    """Icon, name and transition; the name is cut first so that the transition always shows."""
    change = transition(alarm)
    name = safe(one_line(alarm.name), HEADER_CHARS - 2 - len(change))
    return f"{icon(alarm)} {name}{change}"


def _headline(alarm: Alarm, enrichment: Enrichment, change: RecentChange | None = None) -> list[Block]:
    text = headline(alarm, enrichment, change)
    return [_section("lookout:headline", text)] if text else []


def _description(alarm: Alarm) -> list[Block]:
    text = description(alarm)
    return [_context("lookout:description", text)] if text else []


def _metric(finding: Finding[MetricReport]) -> str:
    report = finding.value
    if report is None:
        return f"*Metric* — _{safe(finding.note or 'no data', 500)}_"
    line = fmt.sparkline(report.values, report.threshold)
    marks = fmt.threshold_marks(report.values, report.threshold, report.comparison)
    shown = [v for v in report.values if v is not None]
    stats = f"latest {fmt.number(report.latest)} · max {fmt.number(max(shown))} · min {fmt.number(min(shown))}"
    if report.threshold is not None:
        stats += f" · threshold {fmt.COMPARISONS.get(report.comparison or '', '')} {fmt.exact(report.threshold)}"
    chart = line + (f"\n{marks}" if marks else "")
    title = f"*{safe(report.label, 200)}* — last {len(report.values)} × {fmt.duration(report.period)}"
    return f"{title}\n```{chart}```\n{escape(stats.replace('  ', ' '))}"


def _xray(alarm: Alarm, finding: Finding[XRayReport]) -> list[Block]:
    report = finding.value
    if report is None:
        return [_section("lookout:xray", f"*X-Ray* — _{safe(finding.note or 'no data', 500)}_")]
    minutes = int((report.window_end - report.window_start).total_seconds() // 60)
    lines = [f"*X-Ray* — {safe(', '.join(report.services), 300)}, last {minutes} min"]
    for cause in report.root_causes:
        what = cause.exception or ("fault" if cause.kind == "fault" else "error")
        message = f": {safe(one_line(cause.message), 200)}" if cause.message else ""
        where = f"{cause.kind} in *{safe(cause.service, 120)}*"
        traces = f"{cause.traces} trace" + ("" if cause.traces == 1 else "s")
        lines.append(f"• {where} — `{safe(what, 120)}`{message} ({traces})")
    if report.sample_trace_id:
        lines.append(
            f"<{console.trace_url(alarm, report.sample_trace_id)}|Sample trace {safe(report.sample_trace_id, 64)}>"
        )
    rows = [[_cell(h) for h in TABLE_HEADER]]
    for row in report.rows:
        s = row.stats
        rows.append(
            [
                _cell(f"{row.name} (not in this window)" if row.missing else row.name),
                _cell(row.relation),
                *(_cell(fmt.number(n)) for n in (s.requests, s.ok, s.errors, s.throttles, s.faults)),
                _cell(fmt.percent(s.error_rate)),
                _cell(fmt.percent(s.fault_rate)),
                _cell(fmt.millis(s.avg_ms)),
                _cell(fmt.millis(s.p95_ms)),
            ]
        )
    align = [{"align": "left"}, {"align": "left"}, *({"align": "right"} for _ in TABLE_HEADER[2:])]
    return [
        _section("lookout:xray", "\n".join(lines)),
        TableBlock(block_id="lookout:xray-table", rows=rows, column_settings=align),
    ]


def _logs(finding: Finding[LogReport]) -> str:
    """The matching lines folded by kind (as ``/errors`` folds them): count and newest line of each, most
    frequent first, as many kinds as fit the section; what the search could not cover is said."""
    report = finding.value
    if report is None:
        return f"*Logs* — _{safe(finding.note or 'no data', 500)}_"
    groups, total = safe(", ".join(report.groups), 400), len(report.lines)
    kinds = fold_lines(report.lines)
    lines = f"{total} " + ("matching line{} found" if report.cut else "newest matching line{}")  # cut: not all
    lines = lines.format("" if total == 1 else "s")

    def title(shown: int) -> str:
        folded = f"{len(kinds)} kind" + ("" if len(kinds) == 1 else "s")
        if shown < len(kinds):
            folded = f"the {shown} most frequent of {folded}"
        return f"*Logs* — {lines} in {groups}: {folded} (found by {report.found_by}; times UTC)"

    gap = _search_gap(report)
    if not report.lines:
        if gap:
            return f"*Logs* — {groups} (found by {report.found_by}; times UTC)\n_{gap}; no match so far_"
        pattern = safe(report.filter_pattern or "everything", 200)
        return f"*Logs* — {lines} in {groups} (found by {report.found_by}; times UTC)\n" + (
            f"_no line matches `{pattern}` in the alarm window_"
        )
    note = f"\n_search incomplete: {gap}; older lines may be missing_" if gap else ""
    if report.cut:  # some lines are of a slice it could not finish: the newest it found, not the newest
        whys = [f"{group.rsplit('/', 1)[-1]}: {why}" for group, why in report.cut]
        why = safe(report.cut[0][1] if len(report.groups) == 1 else "; ".join(whys), 300)
        note = f"\n_search cut short ({why}): the newest lines it found; newer and older ones may be missing_"
    later = [line for line in report.lines if report.changed_at and line.timestamp > report.changed_at]
    if later:
        moment = fmt.clock(report.changed_at.astimezone(UTC)) if report.changed_at else ""
        count = f"{len(later)} of them" if len(later) < total else "all of them"
        note += f"\n_{count} logged after the state change at {moment} (the window runs a minute past it)_"
    room = SECTION_CHARS - len(title(max(0, len(kinds) - 1))) - len(note) - 10  # the longest title it can get
    body: list[str] = []
    several = len(report.groups) > 1
    width = len(str(kinds[0].count))  # the most frequent first: the widest count
    for kind in kinds:
        line = kind.newest
        prefix = f"{fmt.clock(line.timestamp.astimezone(UTC))} "
        if several:
            prefix += f"[{line.group.rsplit('/', 1)[-1]}] "
        entry = f"×{kind.count:<{width}}  " + for_code_block(safe(prefix + line.message, 400))
        if sum(len(b) + 1 for b in body) + len(entry) > room:
            body.append("…")
            break
        body.append(entry)
    shown = sum(1 for entry in body if entry != "…")
    return f"{title(shown)}{note}\n```" + "\n".join(body) + "```"


def _search_gap(report: LogReport) -> str:
    """ "searched 2 of 5 log groups, the others only back to 09:14" when a search ran out of calls or time."""
    if not report.unfinished:
        return ""
    total = len(report.groups)
    done = total - len(report.unfinished)
    reached = [moment for _, moment in report.unfinished if moment is not None]
    back_to = max(reached).astimezone(UTC).strftime("%H:%M") if reached else ""
    if done or not back_to:
        text = f"searched {done} of {total} log group" + ("" if total == 1 else "s")
        text += f", the others back to {back_to}" if back_to else ""
    else:
        text = f"searched back to {back_to} only" + (f" in the {total} log groups" if total > 1 else "")
    if report.failed:
        text += "; " + ", ".join(f"{group.rsplit('/', 1)[-1]}: {why}" for group, why in report.failed)
    return safe(text, 600)


def _buttons(alarm: Alarm, enrichment: Enrichment) -> list[ButtonElement]:
    if not alarm.region:
        return []  # a console link needs the alarm's region; one without would open another region's page
    ours = alarm.kind in (AlarmKind.CHECK, AlarmKind.LOG_ERROR)  # no CloudWatch alarm to open
    links = [] if ours else [("Open alarm", console.alarm_url(alarm))]
    metric = console.metric_url(alarm)
    if metric:
        links.append(("Metric", metric))
    logs = enrichment.logs.value
    if logs and logs.groups:
        query = console.insights_query(logs.filter_pattern)
        links.append(
            (
                "Logs Insights",
                console.insights_url(
                    alarm.region, alarm.partition, logs.groups, query, logs.window_start, logs.window_end
                ),
            )
        )
    elif alarm.kind is AlarmKind.LOG_ERROR:  # the line's own group, even when its lines could not be read
        tags = dict(alarm.tags or ())
        groups = tuple(g for g in tags.get("lookout:log-groups", "").split(",") if g)
        if groups:
            start, end = alarm.changed_at - timedelta(minutes=15), alarm.changed_at + timedelta(minutes=15)
            query = console.insights_query(tags.get("lookout:log-filter", ""))
            links.append(
                ("Logs Insights", console.insights_url(alarm.region, alarm.partition, groups, query, start, end))
            )
    if enrichment.xray.value is not None:  # the service graph holds the alarm's service: it is traced
        links.append(("X-Ray trace map", console.xray_map_url(alarm)))
    return [
        ButtonElement(text=label, url=truncate(url, 3000), action_id=f"lookout:link:{i}")
        for i, (label, url) in enumerate(links)
    ]


def _fallback(alarm: Alarm) -> str:
    reason = one_line(alarm.reason)
    change = f"{alarm.previous_state.value} → {alarm.state.value}"
    if suppressed(alarm):
        change += ", actions suppressed"
    elif alarm.suppression_ended:
        change += f", {ENDED_NOTE.lower()}"
    text = f"{icon(alarm)} {alarm.state.value}: {alarm.name} ({change})"
    return safe(f"{text} — {reason}" if reason else text, TEXT_CHARS)


# --- Block Kit plumbing with limits ----------------------------------------------------------------------


def _section(block_id: str, text: str) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=_fit(text, SECTION_CHARS)))


def _context(block_id: str, text: str) -> ContextBlock:
    return ContextBlock(block_id=block_id, elements=[MarkdownTextObject(text=_fit(text, SECTION_CHARS))])


def _cell(text: str) -> dict[str, str]:
    return {"type": "raw_text", "text": cell(text, CELL_CHARS) or "–"}


def _cut(text: str) -> str:
    return safe(text, HEADER_CHARS)


section_block = _section
context_block = _context
header_text = _cut
"""Shared with the other message builders of ``bot.slack.blocks``."""


def _fit(text: str, limit: int) -> str:
    """Cut already-safe mrkdwn to ``limit``, closing an open code block."""
    if len(text) <= limit:
        return text
    cut = truncate(text, limit - 4)
    return cut + "```" if cut.count("```") % 2 else cut


def finish_message(text: str, blocks: list[Block]) -> Message:
    """Every Lookout message ends here: at most 50 blocks, each validated, and a fallback text."""
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [_context("lookout:cut", "… message shortened to fit Slack")]
    for block in blocks:
        block.validate_json()
    return Message(text=text or "Lookout notification", blocks=tuple(blocks))


def with_note(message: Message, note: str) -> Message:
    """``message`` with a context line of ours (``note``: our own words, outside parts already made safe)
    after its header."""
    blocks = list(message.blocks)
    at = 1 if blocks and blocks[0].block_id == "lookout:header" else 0
    blocks.insert(at, _context("lookout:rerouted", note[:3000]))
    return finish_message(message.text, blocks)
