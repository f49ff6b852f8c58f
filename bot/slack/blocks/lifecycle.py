"""What the lifecycle adds to an alarm message (severity, mention, acknowledgement, silence, resolution,
interactive buttons), the message redrawn after a click (``with_status``), thread notes and "More logs".
Storms: ``bot.slack.blocks.storm``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
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
)

from bot import coerce
from bot.slack.blocks.alarm_text import icon, suppression_ended, transition
from bot.slack.blocks.format import duration
from bot.slack.blocks.render import HEADER_CHARS, Message, finish_message
from bot.text import for_code_block, one_line, safe

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bot.alarms import Alarm
    from bot.enrich.model import LogLine
    from bot.lifecycle.decisions import Card, Note
    from bot.lifecycle.on_call import Status

UNTRACKED_NOTE = (
    "⚠️ Delivered without incident tracking: Lookout's incidents table could not be reached, so later changes "
    "of this alarm come as new messages"
)


def decorate(message: Message, alarm: Alarm, card: Card) -> Message:
    """The alarm's message as the lifecycle decided to show it: severity, mention, status lines, buttons."""
    notes = status_notes(
        acked_by=card.acked_by,
        silenced_until=card.silenced_until,
        silenced_by=card.silenced_by,
        opened_at=card.opened_at,
        alarm=alarm,
    )
    if card.note:
        notes = (*notes, f"↪️ {safe(card.note, 300)}")
    if card.escalation:  # our own mrkdwn (bot.lifecycle.escalation.escalation_line)
        notes = (*notes, f"⏫ {card.escalation}")
    if card.untracked:
        notes = (*notes, UNTRACKED_NOTE)
    blocks: list[Block] = []
    for block in message.blocks:
        if block.block_id == "lookout:header" and card.severity:
            prefix = f"{icon(alarm)} {card.severity} · "
            change = transition(alarm)
            text = prefix + safe(one_line(alarm.name), HEADER_CHARS - len(prefix) - len(change)) + change
            block = HeaderBlock(
                block_id="lookout:header", text=PlainTextObject(text=text[:HEADER_CHARS], emoji=True)
            )
        blocks.append(block)
        if block.block_id == "lookout:header":
            if card.mention:
                blocks.append(SectionBlock(block_id="lookout:mention", text=MarkdownTextObject(text=card.mention)))
            if notes:
                text = "\n".join(notes)
                blocks.append(ContextBlock(block_id="lookout:status", elements=[MarkdownTextObject(text=text)]))
    if card.buttons:
        blocks.append(ActionsBlock(block_id="lookout:actions", elements=_buttons(alarm, card.service)))
    text = f"{card.mention} {message.text}".strip() if card.mention else message.text
    return finish_message(text, blocks)


def _buttons(alarm: Alarm, service: str) -> list[ButtonElement]:
    value = alarm.arn[:2000]
    buttons = [
        ButtonElement(text="Acknowledge", action_id="lookout:ack", value=value, style="primary"),
        ButtonElement(text="Silence 1 h", action_id="lookout:silence-1h", value=value),
        ButtonElement(text="Silence 4 h", action_id="lookout:silence-4h", value=value),
        ButtonElement(text="More logs", action_id="lookout:more-logs", value=value),
    ]
    if service:
        buttons.append(
            ButtonElement(text=f"Run /errors {service}"[:75], action_id="lookout:run-errors", value=service[:2000])
        )
    return buttons


@dataclass(frozen=True)
class ShownMessage:
    """A message as Slack holds it (its blocks as a click's payload carried them), redrawn in place. Its blocks
    are kept as Slack gave them: Slack may hold them in forms this package does not build."""

    text: str
    blocks: tuple[Mapping[str, object], ...]

    def payload(self, channel: str) -> dict[str, object]:
        return {"channel": channel, "text": self.text, "blocks": list(self.blocks)}


def with_status(shown: Mapping[str, object], status: Status) -> ShownMessage:
    """The alarm message a click came from, its status line (acknowledged by, silenced until) drawn anew."""
    notes = status_notes(
        acked_by=status.acked_by, silenced_until=status.silenced_until, silenced_by=status.silenced_by
    )
    if status.escalation:
        notes = (*notes, f"⏫ {status.escalation}")
    given = coerce.items(shown.get("blocks"))
    blocks = [b for b in given if isinstance(b, dict) and b.get("block_id") != "lookout:status"]
    at = next((i + 1 for i, b in enumerate(blocks) if b.get("block_id") == "lookout:header"), 0)
    if notes:
        line = ContextBlock(block_id="lookout:status", elements=[MarkdownTextObject(text="\n".join(notes))])
        blocks.insert(at, line.to_dict())
    return ShownMessage(text=str(shown.get("text") or "Lookout alert"), blocks=tuple(blocks))


def status_notes(
    *,
    acked_by: str = "",
    silenced_until: float = 0.0,
    silenced_by: str = "",
    opened_at: float = 0.0,
    alarm: Alarm | None = None,
) -> tuple[str, ...]:
    notes = []
    if alarm is not None and alarm.state.value != "ALARM" and opened_at:
        word = "Resolved" if alarm.state.value == "OK" else "Insufficient data"
        when = " (time unknown)"
        if alarm.time_known:  # a time the payload did not give is never shown or measured from
            lasted = duration(max(0.0, alarm.changed_at.timestamp() - opened_at))
            when = f" after {lasted} · at {alarm.changed_at.astimezone(UTC).strftime('%H:%M UTC')}"
        notes.append(f"{'✅' if alarm.state.value == 'OK' else '⚪'} *{word}*{when}")
    if acked_by:
        notes.append(f"👀 Acknowledged by <@{acked_by}>")
    if silenced_until > datetime.now(UTC).timestamp():
        until = datetime.fromtimestamp(silenced_until, tz=UTC).strftime("%H:%M UTC")
        notes.append(f"🔕 Silenced until {until}" + (f" by <@{silenced_by}>" if silenced_by else ""))
    return tuple(notes)


def note_message(alarm: Alarm, note: Note) -> Message:
    """A thread reply for the lifecycle's ``note``."""
    if note.kind == "refire":
        return _calling(render_note(refire_note(alarm, note.count, note.since)), note.mention)
    if note.kind == "late":
        return render_note(late_note(alarm, note.since))
    if note.kind == "escalation":
        return _calling(render_note(escalation_note(alarm, note.since, note.pages_at)), note.mention)
    return render_note(transition_note(alarm, note.since))


def _calling(message: Message, mention: str) -> Message:
    """``message`` calling ``mention`` (our own markup, ``routing.mention_markup``): in its text, which is what
    notifies, and as a block; as it is without one."""
    if not mention:
        return message
    blocks = [SectionBlock(block_id="lookout:mention", text=MarkdownTextObject(text=mention))]
    return finish_message(f"{mention} {message.text}", [*message.blocks, *blocks])


def escalation_note(alarm: Alarm, since: float, pages_at: float) -> str:
    """Nobody acknowledged the incident: said in its thread (a storm's holds many alarms: named), with when the
    escalation topic is paged unless someone does."""
    opened = datetime.fromtimestamp(since, tz=UTC).strftime("%H:%M")
    name = safe(one_line(alarm.name), 200)
    text = f"⏫ *Escalated* — *{name}* in ALARM since {opened} UTC, nobody acknowledged"
    if pages_at > 0:
        page = datetime.fromtimestamp(pages_at, tz=UTC).strftime("%H:%M")
        text += f"\npages the escalation topic at {page} UTC unless acknowledged"
    reason = safe(one_line(alarm.reason), 300)
    return f"{text}\n> {reason}" if reason else text


def late_note(alarm: Alarm, resolved_at: float) -> str:
    """An ALARM that arrived after the newer OK (a retry, a replay): said, and the incident stays resolved."""
    at = f" of {alarm.changed_at:%H:%M:%S} UTC" if alarm.time_known else ""
    resolved = datetime.fromtimestamp(resolved_at, tz=UTC).strftime("%H:%M:%S")
    reason = safe(one_line(alarm.reason), 300)
    text = f"⏪ A late {alarm.state.value}{at} arrived after this incident's OK of {resolved} UTC: not reopened"
    return f"{text}\n> {reason}" if reason else text


def render_more_logs(lines: tuple[LogLine, ...], *, complete: bool = True, known: bool = True) -> Message:
    """The "More logs" reply: older matching lines (already redacted and cut) as one code block; a search
    that ran out of calls or time says so, never "no lines". ``known`` False: the alarm has no log groups."""
    if not known:
        return render_note("No log groups are known for this alarm.")
    if not lines:
        if not complete:
            return render_note(
                "_The search for older lines stopped early (too many log events to page through in time); "
                "no match so far. Logs Insights has the whole window._"
            )
        return render_note("No older matching lines in the alarm window.")
    text = for_code_block(safe("\n".join(f"{line.timestamp:%H:%M:%S} {line.message}" for line in lines), 2800))
    block = SectionBlock(block_id="lookout:more-logs", text=MarkdownTextObject(text=f"```{text}```"))
    return finish_message(f"{len(lines)} more log lines", [block])


def render_note(text: str) -> Message:
    """A thread reply of ours (``text`` is our own mrkdwn with outside parts already made safe)."""
    block = SectionBlock(block_id="lookout:note", text=MarkdownTextObject(text=text[:3000]))
    return finish_message(one_line(text)[:300], [block])


def refire_note(alarm: Alarm, count: int, since: float) -> str:
    ended = suppression_ended(alarm)
    if ended:  # CloudWatch runs the actions now: a page, not a repeat
        head = f"🔴 *Suppression ended: actions run now* — {safe(ended, 500)}"
        reason = safe(one_line(alarm.reason), 300)
        return f"{head}\n> {reason}" if reason else head
    head = f"🔁 Still firing · {_ordinal(count)} time"
    if alarm.time_known:
        head += f" in {duration(max(0.0, alarm.changed_at.timestamp() - since))}"
    reason = safe(one_line(alarm.reason), 300)
    return f"{head}\n> {reason}" if reason else head


def transition_note(alarm: Alarm, opened_at: float) -> str:
    after = f" after {duration(max(0.0, alarm.changed_at.timestamp() - opened_at))}" if alarm.time_known else ""
    transition = f"{alarm.previous_state.value} → {alarm.state.value}"
    return f"{icon(alarm)} {transition}{after}\n> {safe(one_line(alarm.reason), 300)}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
