"""``/lookout help`` and each command's ``help``: the commands, saved queries and their parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.queries.params import format_duration
from bot.queries.plans import TRAFFIC_GROUPS
from bot.slack.blocks.render import Message, finish_message
from bot.text import safe

if TYPE_CHECKING:
    from bot.queries.catalog import QueryConfig


def render_help(config: QueryConfig, only: str | None = None) -> Message:
    widest = format_duration(config.window.maximum)
    default = format_duration(config.window.default)
    services = ", ".join(f"`{safe(s, 64)}`" for s in sorted(config.services))
    sections = {
        "/errors": (
            f"*/errors [service] [since]* — the top error messages of a service (folded: ids, numbers, UUIDs "
            f"and times), with counts, first and last seen and a sample request id.\nServices: {services} "
            f"(default `{safe(config.default_service, 64)}`); since: e.g. `30m`, `2h`, `1d` (default {default}, "
            f"at most {widest}).\nExample: `/errors {safe(config.default_service, 64)} 2h`"
        ),
        "/traffic": (
            f"*/traffic [since] [by {'|'.join(TRAFFIC_GROUPS)}]* — who produces which traffic: requests, error "
            f"rate, p95 latency and bytes per group (default by customer, last {default}).\n"
            "Example: `/traffic 24h by endpoint`"
        ),
        "/query": "*/query NAME [key=value …]* — a saved query; `/query list` shows them all.\n"
        + "\n".join(
            f"• `{safe(q.usage(), 300)}` — {safe(q.description, 200)} ({q.engine})"
            for q in config.queries.values()
        ),
    }
    shown = [text for command, text in sections.items() if only in (None, command)] or list(sections.values())
    blocks: list[Block] = [
        SectionBlock(block_id=f"lookout:help-{i}", text=MarkdownTextObject(text=text))
        for i, text in enumerate(shown)
    ]
    blocks.append(
        ContextBlock(
            block_id="lookout:help-note",
            elements=[
                MarkdownTextObject(
                    text="Results are posted in the channel. Queries read only the log groups and tables "
                    "Lookout is configured for."
                )
            ],
        )
    )
    return finish_message("Lookout commands: /errors, /traffic, /query", blocks)


def help_text(config: QueryConfig, only: str | None = None) -> str:
    """The same help as plain text, for a terminal: every command, saved query, parameter and description."""
    import html

    parts: list[str] = []
    for block in render_help(config, only).blocks:
        data = block.to_dict()
        if data["type"] == "section":
            parts.append(data["text"]["text"])
        elif data["type"] == "context":
            parts.extend(element["text"] for element in data["elements"])
    return html.unescape("\n\n".join(parts).replace("*", "").replace("`", ""))
