"""Query results → Slack message: a ``table`` block (≤ 100 rows × 20 columns) or a code-block fallback,
a header line with window, rows, duration, bytes scanned and estimated cost, and a console link.

Cells are outside text: redacted and escaped like everything else. Rows are added while the message stays
compact (Slack rejects long block payloads well below its documented limits); the rest is "N more".
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
    TableBlock,
)

from bot.queries import display
from bot.slack.blocks.format import number
from bot.slack.blocks.render import Message, finish_message
from bot.text import cell, for_code_block, one_line, redact, safe, truncate, window

if TYPE_CHECKING:
    from bot.queries.query_plan import QueryPlan
    from bot.queries.results import Progress, QueryResult

MAX_TABLE_ROWS = 100  # header included
MAX_COLUMNS = 20
CELL_CHARS = 120
TABLE_BUDGET = 9_000  # characters of table JSON
CODE_BUDGET = 2_800


def render_result(
    plan: QueryPlan,
    result: QueryResult,
    *,
    asked_by: str,
    console_url: str | None,
    tables: bool = True,
    total: int | None = None,
) -> Message:
    columns, rows = display.table(result.columns[:MAX_COLUMNS], [row[:MAX_COLUMNS] for row in result.rows])
    title = f"*{safe(plan.title, 300)}* · asked by <@{asked_by}>"
    if total is not None:
        title += f" · {total} in total"
    blocks: list[Block] = [SectionBlock(block_id="lookout:query", text=MarkdownTextObject(text=title))]
    if not rows:
        blocks.append(
            SectionBlock(block_id="lookout:empty", text=MarkdownTextObject(text="_No data in this window._"))
        )
        shown = 0
    elif tables:
        table, shown = _table(columns, rows)
        blocks.append(table)
    else:
        code, shown = _code_block(columns, rows)
        blocks.append(SectionBlock(block_id="lookout:table", text=MarkdownTextObject(text=code)))
    more = result.row_count - shown
    blocks.append(
        ContextBlock(block_id="lookout:stats", elements=[MarkdownTextObject(text=_stats(plan, result, more))])
    )
    if console_url:
        label = "Open in Logs Insights" if plan.engine == "insights" else "Open in Athena"
        blocks.append(
            ActionsBlock(
                block_id="lookout:open",
                elements=[ButtonElement(text=label, url=console_url, action_id="lookout:open-query")],
            )
        )
    text = f"{plan.title}: {result.row_count} rows" if rows else f"{plan.title}: no data"
    return finish_message(safe(text, 3000), blocks)


def render_progress(plan: QueryPlan, progress: Progress | None, *, asked_by: str) -> Message:
    state = "starting"
    if progress:
        state = f"running {int(progress.seconds)} s"
        if progress.bytes_scanned:
            state += f" · {display.human_bytes(progress.bytes_scanned)} scanned"
        if progress.records_matched:
            state += f" · {number(progress.records_matched)} records matched"
    text = f"⏳ *{safe(plan.title, 300)}* · asked by <@{asked_by}> · {state}…"
    return finish_message(
        safe(f"{plan.title}: {state}", 300),
        [SectionBlock(block_id="lookout:query", text=MarkdownTextObject(text=text))],
    )


def render_failure(plan: QueryPlan | None, reason: str, *, asked_by: str, command: str) -> Message:
    what = safe(plan.title, 300) if plan else safe(command, 200)
    text = f"⚠️ *{what}* · asked by <@{asked_by}>\n{safe(reason, 1000)}"
    return finish_message(
        safe(f"{command}: {reason}", 3000),
        [SectionBlock(block_id="lookout:query", text=MarkdownTextObject(text=text))],
    )


def _cell(value: str) -> dict[str, str]:
    """A raw_text cell: redacted, cut, and with no angle brackets, so it can never form a mention or link."""
    return {"type": "raw_text", "text": cell(value, CELL_CHARS) or "–"}


def _table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> tuple[TableBlock, int]:
    cells = [[_cell(c) for c in columns]]
    used = len(json.dumps(cells))
    for row in rows[: MAX_TABLE_ROWS - 1]:
        line = [_cell(v) for v in row]
        size = len(json.dumps(line))
        if used + size > TABLE_BUDGET:
            break
        cells.append(line)
        used += size
    settings: list[dict[str, object]] = [
        {"align": "right"} if _numeric(rows, i) else {"align": "left", "is_wrapped": True}
        for i in range(len(columns))
    ]
    return TableBlock(block_id="lookout:table", rows=cells, column_settings=settings), len(cells) - 1


def code_table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> tuple[str, int]:
    """Rows as a monospace table in a code block (headers and units as everywhere, redacted, cut to Slack's
    section size); rows shown."""
    return _code_block(*display.table(columns, rows))


def _code_block(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> tuple[str, int]:
    shown: list[tuple[str, ...]] = []
    text = ""
    columns = tuple(redact(window(one_line(c), 40)) for c in columns)  # redact, then cut (a field's name too)
    rows = [tuple(redact(window(one_line(str(v)), 40)) for v in row) for row in rows]
    for row in rows:
        candidate = [*shown, row]
        widths = [min(40, max(len(str(r[i])) for r in [columns, *candidate])) for i in range(len(columns))]
        lines = [
            "  ".join(truncate(str(v), w).ljust(w) for v, w in zip(r, widths, strict=False)).rstrip()
            for r in [columns, *candidate]
        ]
        body = "```" + for_code_block(safe("\n".join(lines))) + "```"
        if len(body) > CODE_BUDGET:
            break
        shown, text = candidate, body
    if not shown:
        text = "```" + for_code_block(safe("  ".join(columns))) + "```"
    return text, len(shown)


def _numeric(rows: list[tuple[str, ...]], column: int) -> bool:
    values = [r[column] for r in rows[:50] if column < len(r) and r[column] not in ("", "–")]
    return bool(values) and all(_is_number(v) for v in values)


def _is_number(value: str) -> bool:
    """A number, or a number with its unit as ``bot.queries.display`` writes it ("190 ms", "3.0 MB")."""
    try:
        float(value.split(" ", 1)[0])
    except ValueError:
        return False
    return True


def _stats(plan: QueryPlan, result: QueryResult, more: int) -> str:
    same_day = plan.start.date() == plan.end.date()
    window = (
        f"{plan.start:%Y-%m-%d %H:%M}–{plan.end:%H:%M} UTC"
        if same_day
        else f"{plan.start:%Y-%m-%d %H:%M} – {plan.end:%Y-%m-%d %H:%M} UTC"
    )
    engine = "Logs Insights" if result.engine == "insights" else "Athena"
    cost = display.human_cost(result.cost_usd)
    parts = [
        window,
        f"{result.row_count} rows",
        f"{result.seconds:.1f} s",
        f"{display.human_bytes(result.bytes_scanned)} scanned",
        cost,
        engine,
    ]
    line = " · ".join(parts)
    return line + (f" · showing the top {result.row_count - more}, {more} more" if more > 0 else "")
