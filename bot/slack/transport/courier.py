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
from bot.slack.blocks.render import Message, render_alarm, render_bare_alarm, render_notification

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
        return self.poster.post(self.message(alert, card), channel, deadline)

    def update(self, alert: Alert, card: Card, channel: str, ts: str, deadline: Deadline) -> Posted:
        return self.poster.update(self.message(alert, card), channel, ts, deadline)

    def note(self, alarm: Alarm, note: Note, channel: str, thread_ts: str, deadline: Deadline) -> None:
        self.poster.post(note_message(alarm, note), channel, deadline, thread_ts=thread_ts)

    def notification(self, item: Notification, channel: str, deadline: Deadline) -> Posted:
        return self.poster.post(render_notification(item), channel, deadline)

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
            summary_ts = self.poster.post(summary, channel, deadline).ts
        for details in render_storm_details(batch):
            self.poster.post(details, channel, deadline, thread_ts=summary_ts)
        return summary_ts
