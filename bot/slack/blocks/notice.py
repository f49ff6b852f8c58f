"""Notification → Slack message: a typed card for a well-known kind (AWS Health, GuardDuty, a pipeline, a
backup job…), the generic card for anything else — the raw content always reachable as a compact code block,
redacted and cut. Not for alarms (``bot.slack.blocks.render``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block, HeaderBlock, PlainTextObject

from bot.slack.blocks.render import (
    SECTION_CHARS,
    TEXT_CHARS,
    Message,
    context_block,
    finish_message,
    header_text,
    section_block,
)
from bot.text import for_code_block, one_line, safe

if TYPE_CHECKING:
    from bot.alarms import Notification
    from bot.notices import Notice

LEVEL_ICON = {"bad": "🔴", "warn": "🟠", "good": "✅", "info": "📣"}
RAW_CHARS = 1200
"""The raw event under a typed card: enough to recognise it, the typed facts above carry what matters."""


def render_notification(note: Notification) -> Message:
    if note.notice is not None and not note.problem:
        return _typed(note, note.notice)
    title = one_line(note.title) or "Notification"
    body = note.body.strip() or "(empty message)"
    intro = f"*Could not read this as an alarm:* {safe(note.problem, 500)}\n" if note.problem else ""
    room = SECTION_CHARS - len(intro) - 8
    blocks: list[Block] = [
        HeaderBlock(block_id="lookout:header", text=PlainTextObject(text=header_text(f"📣 {title}"), emoji=True)),
        section_block("lookout:notification", f"{intro}```{for_code_block(safe(body, room))}```"),
        context_block("lookout:context", f"Received via {safe(note.source, 100)}"),
    ]
    return finish_message(safe(f"📣 {title}: {one_line(body)}", TEXT_CHARS), blocks)


def _typed(note: Notification, notice: Notice) -> Message:
    icon = LEVEL_ICON.get(notice.level, "📣")
    headline = one_line(notice.headline) or one_line(note.title)
    lines = [f"*{safe(label, 40)}:* {safe(one_line(value), 300)}" for label, value in notice.facts]
    if notice.details:
        lines.append(f"> {safe(one_line(notice.details), 900)}")
    raw = for_code_block(safe(note.body.strip(), RAW_CHARS))
    blocks: list[Block] = [
        HeaderBlock(
            block_id="lookout:header",
            text=PlainTextObject(text=header_text(f"{icon} {notice.kind}: {headline}"), emoji=True),
        ),
        section_block("lookout:notice", "\n".join(lines) or f"_{safe(note.title, 200)}_"),
        section_block("lookout:raw", f"```{raw}```"),
        context_block(
            "lookout:context", f"{safe(one_line(note.title), 120)} · received via {safe(note.source, 100)}"
        ),
    ]
    return finish_message(safe(f"{icon} {notice.kind}: {headline}", TEXT_CHARS), blocks)
