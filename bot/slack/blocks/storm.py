"""A storm in Slack: the summary message (how many alarms, how many firing, the highest severity, everyone
their tags call, the first alarms by name) and the thread replies that list every state change of its alarms,
none left out, each within Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.lifecycle.storm_summary import TOP
from bot.slack.blocks.render import HEADER_CHARS, Message, finish_message
from bot.text import one_line, safe

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bot.lifecycle.decisions import StormEntry, StormRound

SECTION_LIMIT = 2_900
MESSAGE_LIMIT = 10_000
ICONS = {"ALARM": "🔴", "OK": "✅"}
STORED_REASON_CHARS = 300
"""An entry's reason as ``storm_entry`` keeps it: its first 300 characters, cut before redaction."""


def render_storm_summary(storm: StormRound) -> Message:
    """The summary as the storm now stands. Mentions are ids we built (``routing.mention_markup``)."""
    severity = f"{storm.severity} · " if storm.severity else ""
    count = distinct_alarms(storm)
    if storm.errors:
        header = f"🚨 {severity}Error storm: {_plural(count, 'new error kind')}"
    else:
        header = f"🚨 {severity}Alarm storm: {_plural(count, 'alarm')} ({min(storm.firing, count)} firing)"
    listed = sorted(storm.top, key=lambda e: (e["state"] != "ALARM", e.get("at") or 0))
    lines = [f"{ICONS.get(e['state'], '⚪')} *{safe(e['name'], 120)}* — {_reason(e, 140)}" for e in listed]
    if count > len(listed):
        lines.append(f"… and {count - len(listed)} more (all in the thread)")
    blocks: list[Block] = [
        HeaderBlock(block_id="lookout:header", text=PlainTextObject(text=header[:HEADER_CHARS], emoji=True))
    ]
    if storm.mentions:
        calls = " ".join(storm.mentions)
        blocks.append(SectionBlock(block_id="lookout:mentions", text=MarkdownTextObject(text=f"🔔 {calls}")))
    blocks += [
        SectionBlock(block_id="lookout:storm", text=MarkdownTextObject(text="\n".join(lines)[:3000] or "–")),
        ContextBlock(
            block_id="lookout:context",
            elements=[
                MarkdownTextObject(
                    text="Grouped to keep this channel readable · every alarm in detail in the thread"
                )
            ],
        ),
    ]
    text = f"{header} {' '.join(storm.mentions)}".strip()
    return finish_message(text, blocks)


def distinct_alarms(storm: StormRound) -> int:
    """How many alarms the storm holds. The summary lists each alarm once (by ARN) up to ``TOP``, but counts
    every opening, so an alarm that fired, resolved and fired again within the storm counted twice: while
    the list has room, its length is the count."""
    return min(len(storm.top), storm.alarms) if len(storm.top) < TOP else storm.alarms


def render_storm_details(entries: Sequence[StormEntry], announce: tuple[str, ...] = ()) -> list[Message]:
    """Every entry of a round, none left out: lines packed into sections (≤ 2,900 characters) and messages
    (≤ 10,000 characters, within what Slack accepts), as few replies as that allows; the first calls
    ``announce``, the mentions new to the storm (an edited summary notifies nobody)."""
    lines = [f"🔔 {' '.join(announce)}: alarms of yours are in this storm"] if announce else []
    for entry in entries:
        where = safe(" · ".join(p for p in str(entry.get("where", "")).split(" · ") if p.strip()), 60)
        severity = f" · {safe(str(entry['severity']), 20)}" if entry.get("severity") else ""
        lines.append(
            f"{ICONS.get(entry['state'], '⚪')} *{safe(one_line(entry['name']), 120)}* · {_when(entry)}"
            f"{severity}{' · ' + where if where else ''}\n> {_reason(entry, 200)}"
        )
    messages: list[Message] = []
    sections: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        section_size = sum(len(x) + 1 for x in current) + len(line)
        if current and section_size > SECTION_LIMIT:
            sections.append("\n".join(current))
            current = []
        if sections and size + len(line) > MESSAGE_LIMIT:
            messages.append(_details_message(sections + (["\n".join(current)] if current else [])))
            sections, current, size = [], [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        sections.append("\n".join(current))
    if sections:
        messages.append(_details_message(sections))
    return messages


def _when(entry: StormEntry) -> str:
    """ "ALARM at 14:03:11 UTC"; a late ALARM says it did not reopen; a time the payload did not give (the
    entry's id is then the alarm's ``change_key`` with ``|given:``) is shown as given, never as ours."""
    state, key, arn = entry["state"], str(entry.get("id") or ""), str(entry.get("arn") or "")
    when = key.removeprefix(f"{arn}|").partition("|")[2] if key.startswith(f"{arn}|") else ""
    if when.startswith("given:"):  # given:<text>|<digest of the reason>
        at = f"{state} (time as given: {safe(when.removeprefix('given:').rpartition('|')[0], 40)})"
    else:
        at = f"{state} at {datetime.fromtimestamp(entry['at'], tz=UTC):%H:%M:%S} UTC"
    return at + (", late: arrived after its OK, not reopened" if entry.get("late") else "")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _reason(entry: StormEntry, limit: int) -> str:
    """The entry's reason, made safe. A reason as long as an entry keeps was cut there before redaction, maybe
    inside a secret its pattern no longer matches (33 of a key's 40 characters): its last word is left out."""
    stored = str(entry.get("reason") or "")
    reason = one_line(stored)
    if len(stored) >= STORED_REASON_CHARS:
        reason = reason.rpartition(" ")[0] + " …"
    return safe(reason.strip(), limit)


def _details_message(sections: list[str]) -> Message:
    blocks: list[Block] = [
        SectionBlock(block_id=f"lookout:details-{i}", text=MarkdownTextObject(text=text))
        for i, text in enumerate(sections)
    ]
    count = sum(text.count("\n> ") for text in sections)  # one per entry: names and reasons are one line
    return finish_message(f"{_plural(count, 'state change')} in this storm", blocks)
