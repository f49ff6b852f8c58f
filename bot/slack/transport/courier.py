"""The one owner of what reaches Slack on the alarm path: it renders what the lifecycle decided (cards, notes,
storm batches) or a plain alert, and posts it. Implements ``bot.lifecycle.decisions.Messenger``.

A bug in rendering costs details, never the alert: the bare alarm, then a plain card, is posted instead.
Not for: deciding anything (the lifecycle does) or HTTP (``SlackPoster`` does).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.alarms import Notification
from bot.slack.blocks.lifecycle import (
    decorate,
    note_message,
    render_storm_details,
    render_storm_summary,
)
from bot.slack.blocks.notice import render_notification
from bot.slack.blocks.render import Message, render_alarm, render_bare_alarm

if TYPE_CHECKING:
    from bot.alarms import Alarm
    from bot.delivery import Deadline, Posted
    from bot.lifecycle.decisions import Alert, Card, Note
    from bot.slack.transport.post import SlackPoster

_LOG = logging.getLogger(__name__)


class SlackCourier:
    def __init__(self, poster: SlackPoster, logger: Any = None) -> None:
        self.poster = poster
        self.log = logger or _LOG

    def message(self, alert: Alert, card: Card | None = None) -> Message:
        alarm = alert.alarm
        try:
            message = render_alarm(alarm, alert.enrichment)
            return decorate(message, alarm, card) if card else message
        except Exception:  # noqa: BLE001 - degrade to the bare alarm
            self.log.exception("rendering failed; posting the bare alarm")
        try:
            return render_bare_alarm(alarm, "details could not be rendered (see Lookout's logs)")
        except Exception:  # noqa: BLE001
            note = Notification(title=alarm.name, body=alarm.reason, source="alarm", problem="could not render")
            return render_notification(note)

    def post(self, alert: Alert, card: Card | None, channel: str, deadline: Deadline) -> Posted:
        return self.poster.post(self.message(alert, card), channel, deadline, key=alert.alarm.change_key)

    def update(self, alert: Alert, card: Card, channel: str, ts: str, deadline: Deadline) -> Posted:
        return self.poster.update(self.message(alert, card), channel, ts, deadline)

    def note(self, alarm: Alarm, note: Note, channel: str, thread_ts: str, deadline: Deadline) -> None:
        key = f"{alarm.change_key}|note|{note.kind}|{note.count}"
        self.poster.post(note_message(alarm, note), channel, deadline, thread_ts=thread_ts, key=key)

    def notification(
        self, item: Notification, channel: str, deadline: Deadline, message_id: str | None = None
    ) -> Posted:
        key = f"message|{message_id}" if message_id else None
        return self.poster.post(render_notification(item), channel, deadline, key=key)

    def storm(
        self,
        *,
        shown: list[dict[str, Any]],
        batch: list[dict[str, Any]],
        channel: str,
        summary_ts: str,
        deadline: Deadline,
    ) -> str:
        summary = render_storm_summary(shown + batch, channel)
        if summary_ts:
            self.poster.update(summary, channel, summary_ts, deadline)
        else:
            key = f"storm|{channel}|{batch[0]['id'] if batch else ''}"
            summary_ts = self.poster.post(summary, channel, deadline, key=key).ts
        for number, details in enumerate(render_storm_details(batch)):
            key = f"storm|{summary_ts}|{batch[0]['id'] if batch else ''}|{number}"
            self.poster.post(details, channel, deadline, thread_ts=summary_ts, key=key)
        return summary_ts
