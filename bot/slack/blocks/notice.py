"""Notification → Slack message. Every non-alarm notification gets one card: its typed reading (AWS Health,
GuardDuty, a pipeline, a backup job…) or, for a kind without one, the generic reading — the source and state in
the header with an icon for how bad it is, the facts on-call needs with every web address as a link, when it
happened, and the raw message compact at the end (whole lines, no value cut in the middle). Not for alarms
(``bot.slack.blocks.render``)."""

from __future__ import annotations

import json
from datetime import UTC
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block, HeaderBlock, PlainTextObject

from bot.notices import Notice, read_generic
from bot.notices.reading import URL, parse_time
from bot.slack.blocks import format as fmt
from bot.slack.blocks.render import (
    SECTION_CHARS,
    TEXT_CHARS,
    Message,
    context_block,
    finish_message,
    header_text,
    section_block,
)
from bot.text import escape, for_code_block, one_line, redact, safe, window

if TYPE_CHECKING:
    from datetime import datetime

    from bot.alarms import Notification

LEVEL_ICON = {"bad": "🔴", "warn": "🟠", "good": "✅", "info": "📣"}
RAW_CHARS = 600
"""The raw message under a card, compact: enough to recognise it; the facts above carry what matters."""
LONG_VALUE = 120
"""A value longer than this that does not fit in what is left of the excerpt is shown as ``…``; a shorter one ends
the excerpt."""
FACT_CHARS = 300
DETAILS_CHARS = 900
LINK_CHARS = 1500
"""A longer web address is shown as text, not linked (a presigned URL after redaction, say)."""
DEFAULT_TITLES = {"SNS notification", "Event", "Queued message", "None", ""}


def render_notification(note: Notification) -> Message:
    if note.problem:
        return _unreadable(note)
    notice = note.notice if note.notice is not None else _generic(note)
    return _card(note, notice, facts_id="lookout:notice" if note.notice is not None else "lookout:notification")


def _generic(note: Notification) -> Notice:
    """The generic reading; should its heuristics trip over an odd message, the message itself, quoted."""
    try:
        return read_generic(note.title, note.body)
    except Exception:  # noqa: BLE001 - a card goes out whatever the message holds
        return Notice(kind="Notification", headline=one_line(note.title) or "message", details=note.body)


def _card(note: Notification, notice: Notice, *, facts_id: str) -> Message:
    icon = LEVEL_ICON.get(notice.level, "📣")
    kind, headline = one_line(notice.kind), one_line(notice.headline) or one_line(note.title)
    unnamed = kind in ("", "Notification") or kind == headline  # no source to name: the headline says it all
    title = f"{icon} {headline}" if unnamed else f"{icon} {kind}: {headline}"
    lines = [f"*{safe(label, 40)}:* {_value(label, value)}" for label, value in notice.facts]
    lines += [f"*{safe(label, 40)}:* {_link(url, label)}" for label, url in notice.links]
    if notice.details.strip():
        lines.append(f"> {safe(one_line(notice.details), DETAILS_CHARS)}")
    blocks: list[Block] = [
        HeaderBlock(block_id="lookout:header", text=PlainTextObject(text=header_text(title), emoji=True)),
        section_block(facts_id, _whole_lines(lines, SECTION_CHARS) or f"_{safe(one_line(note.title), 200)}_"),
    ]
    if not (notice.details.strip() == note.body.strip() and not notice.facts):  # else the quote above is all of it
        blocks.append(section_block("lookout:raw", f"```{raw_excerpt(note.body)}```"))
    blocks.append(context_block("lookout:context", _context(note, notice.time)))
    said = one_line(notice.details)
    return finish_message(safe(f"{title} — {said}" if said else title, TEXT_CHARS), blocks)


def _unreadable(note: Notification) -> Message:
    """What looked like an alarm and could not be read: why, and the message as it came."""
    title = one_line(note.title) or "Notification"
    body = note.body.strip() or "(empty message)"
    intro = f"*Could not read this as an alarm:* {safe(note.problem or '', 500)}\n"
    room = SECTION_CHARS - len(intro) - 8
    blocks: list[Block] = [
        HeaderBlock(block_id="lookout:header", text=PlainTextObject(text=header_text(f"📣 {title}"), emoji=True)),
        section_block("lookout:notification", f"{intro}```{for_code_block(safe(body, room))}```"),
        context_block("lookout:context", _context(note, "")),
    ]
    return finish_message(safe(f"📣 {title}: {one_line(body)}", TEXT_CHARS), blocks)


def _value(label: str, value: str) -> str:
    """A fact's value, one line; a value that is one web address becomes a link."""
    shown = value.strip()
    return _link(shown, "") if URL.fullmatch(shown) else safe(one_line(shown), FACT_CHARS)


def _link(url: str, label: str) -> str:
    """``<url|text>`` with the address redacted first (a presigned URL's signature) and escaped; the text is the
    address itself, shortened, so that on-call sees where it leads."""
    shown = redact(url)
    if len(shown) > LINK_CHARS or not URL.fullmatch(shown):
        return safe(shown, FACT_CHARS)
    place = shown.split("://", 1)[-1]
    text = place if len(place) <= 60 else place[:59] + "…"
    return f"<{escape(shown)}|{safe(text or label, 80)}>"


def _whole_lines(lines: list[str], limit: int) -> str:
    """As many whole lines as fit in ``limit`` (a cut line could leave a link or a mark half open)."""
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > limit - 40:
            kept.append(f"_… {len(lines) - len(kept)} more lines: see the raw message_")
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)


def raw_excerpt(body: str, budget: int = RAW_CHARS) -> str:
    """The start of the raw message, compact, for a code block: JSON as one line of ``"key": value`` pairs, each
    redacted whole before it is counted and left out whole when it does not fit (a long value becomes ``…``) — so
    no value is ever cut in the middle; text as its first whole lines, redacted before they are chosen."""
    stripped = body.strip()
    try:
        payload = json.loads(stripped) if stripped[:1] in "{[" else None
    except ValueError:
        payload = None
    shown = _compact(payload, budget) if isinstance(payload, dict | list) else _first_lines(stripped, budget)
    return for_code_block(escape(shown)) or "(empty message)"


class _Full(Exception):
    """The excerpt has no room for the next value."""


def _compact(payload: dict[str, object] | list[object], budget: int) -> str:
    parts: list[str] = []
    closers: list[str] = []
    room = budget

    def put(piece: str) -> None:
        nonlocal room
        if len(piece) + len(closers) + 2 > room:
            raise _Full
        parts.append(piece)
        room -= len(piece)

    def walk(value: object, prefix: str) -> None:
        if isinstance(value, dict | list):
            opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
            put(prefix + opening)
            closers.append(closing)
            pairs = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for i, (key, item) in enumerate(pairs):
                named = f"{json.dumps(str(key), ensure_ascii=False)}: " if key is not None else ""
                walk(item, (", " if i else "") + named)
            closers.pop()
            put(closing)
            return
        piece = redact(prefix + json.dumps(value, ensure_ascii=False, default=str))
        if len(piece) + len(closers) + 2 > room and len(piece) > LONG_VALUE:
            piece = prefix + "…"  # a long value is left out whole, never cut
        put(piece)

    try:
        walk(payload, "")
    except _Full:
        parts.append(" …" + "".join(reversed(closers)))
    return "".join(parts)


def _first_lines(text: str, budget: int) -> str:
    shown_text = window(text, budget)
    lines = redact(shown_text).splitlines()
    if len(shown_text) < len(text) and lines:
        lines = lines[:-1]  # the window's last line may be cut: it is never shown
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    total = text.count("\n") + 1
    if len(kept) < total:
        kept.append(f"… {total - len(kept)} more lines" if kept else f"… {len(text):,} characters")
    return "\n".join(kept)


def _context(note: Notification, time: str) -> str:
    """When (the event's own time, else when SNS received it), what SNS called it, and how it came."""
    parts = [_when(time, note.received_at)]
    if one_line(note.title) not in DEFAULT_TITLES:
        parts.append(safe(one_line(note.title), 120))
    parts.append(f"via {safe(note.source, 100)}")
    return " · ".join(parts)


def _when(time: str, received: datetime | None) -> str:
    moment = parse_time(time) if time else None
    if moment is not None:
        return fmt.timestamp(moment)
    given = f"time as given: {safe(one_line(time), 60)}" if time.strip() else ""
    if received is not None:
        return ", ".join(p for p in (given, f"received {fmt.timestamp(received.astimezone(UTC))}") if p)
    return given or "time unknown"
