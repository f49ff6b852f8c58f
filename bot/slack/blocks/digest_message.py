"""The weekly digest → one Slack message: per query its title, the week-over-week change of its measure, a
table (a code block: one message may hold only one table block, and a digest has several) and what it cost.
A failed query is one line that says why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
)

from bot.queries.display import human_bytes, human_cost
from bot.slack.blocks.render import Message, finish_message, section_block
from bot.slack.blocks.results import code_table
from bot.text import safe

if TYPE_CHECKING:
    from bot.analytics.digest import Digest, DigestSection

TOP_ROWS = 10


def render_digest(digest: Digest) -> Message:
    period = f"{digest.start:%Y-%m-%d} – {digest.end:%Y-%m-%d}"
    blocks: list[Block] = [
        HeaderBlock(
            block_id="lookout:digest", text=PlainTextObject(text=f"📊 Weekly digest · {period}", emoji=True)
        )
    ]
    for index, section in enumerate(digest.sections):
        blocks.append(section_block(f"lookout:digest:{index}", _section(section)))
    cost = human_cost(digest.cost_usd)
    failed = sum(1 for s in digest.sections if s.error)
    footer = f"{len(digest.sections)} queries, this week and the one before · {cost} in total"
    if failed:
        footer += f" · {failed} failed"
    blocks.append(ContextBlock(block_id="lookout:digest:cost", elements=[MarkdownTextObject(text=footer)]))
    return finish_message(f"📊 Weekly digest {period}: {len(digest.sections)} queries", blocks)


def render_digest_text(digest: Digest) -> str:
    """What the digest would post, as terminal text (``lookout digest --dry-run``)."""
    return "\n\n".join([render_digest(digest).text, *(_section(s) for s in digest.sections)])


def _section(section: DigestSection) -> str:
    if section.error:
        return f"*{safe(section.line, 200)}* — _failed: {safe(section.error, 400)}_"
    title = f"*{safe(section.title, 200)}*"
    change = section.change
    if section.measure and section.total is not None:
        trend = f"{change * 100:+.0f}% vs last week" if change is not None else "no figure for last week"
        title += f" — {safe(section.measure, 60)} {section.total:,.0f} ({trend})"
    if not section.rows:
        return f"{title}\n_No data this week._"
    table, shown = code_table(section.columns, list(section.rows[:TOP_ROWS]))
    more = len(section.rows) - shown
    cost = human_cost(section.cost_usd)
    stats = f"{human_bytes(section.bytes_scanned)} scanned · {cost}" + (f" · {more} more rows" if more > 0 else "")
    return f"{title}\n{table}\n{stats}"
