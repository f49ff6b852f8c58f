"""The one owner of what reaches Slack on the alarm path: it renders what the lifecycle decided (cards, notes,
storm batches) or a plain alert, and posts it. Implements ``bot.lifecycle.decisions.Messenger``.

A bug in rendering costs details, never the alert: the bare alarm, then a plain card, is posted instead.
Not for: deciding anything (the lifecycle does) or HTTP (``SlackPoster`` does).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.alarms import Notification
from bot.slack.blocks.lifecycle import decorate, note_message
from bot.slack.blocks.notice import render_notification
from bot.slack.blocks.render import Message, render_alarm, render_bare_alarm, with_note
from bot.slack.blocks.storm import render_storm_details, render_storm_summary
from bot.slack.transport.post import DeadChannel

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools import Logger

    from bot.alarms import Alarm
    from bot.delivery import Deadline, Posted
    from bot.lifecycle.decisions import Alert, Card, Note, StormRound
    from bot.slack.transport.post import SlackPoster

_LOG = logging.getLogger(__name__)


class SlackCourier:
    def __init__(
        self,
        poster: SlackPoster,
        logger: logging.Logger | Logger | None = None,
        *,
        fallback_channel: str = "",
        on_dead_channel: Callable[[str], None] | None = None,
    ) -> None:
        self.poster = poster
        self.log: logging.Logger | Logger = logger or _LOG
        self.fallback_channel = fallback_channel
        """Where a post goes when its channel is dead (archived, gone, the bot not in it): the default channel."""
        self.on_dead_channel = on_dead_channel

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

    def post(
        self, alert: Alert, card: Card | None, channel: str, deadline: Deadline, *, search_first: bool = False
    ) -> Posted:
        """``search_first``: an earlier try of this change may have posted it before it died: look first."""
        key = alert.alarm.change_key
        try:
            return self.poster.post(
                self.message(alert, card), channel, deadline, key=key, search_first=search_first
            )
        except DeadChannel as dead:
            fallback = self._fallback(channel, dead)
            note = f"{channel} cannot be posted in ({dead.error}): posted here instead"
            card = replace(card, note=f"{card.note}; {note}" if card.note else note) if card else None
            message = self.message(alert, card) if card else self._noted(self.message(alert), note)
            return self.poster.post(message, fallback, deadline, key=key, search_first=search_first)

    def probe(self, channel: str, deadline: Deadline) -> str | None:
        """What keeps alerts from reaching ``channel`` right now (a bad token, a dead channel), or None."""
        return self.poster.probe(channel, deadline)

    def _fallback(self, channel: str, dead: DeadChannel) -> str:
        """The default channel for a dead one (counted, so an operations alarm fires); the default channel
        itself dead: nowhere to go, the delivery fails and waits in the on-failure queue."""
        if self.on_dead_channel is not None:
            self.on_dead_channel(channel)
        self.log.error("channel %s cannot be posted in (%s)", channel, dead.error)
        if not self.fallback_channel or channel == self.fallback_channel:
            raise dead
        return self.fallback_channel

    @staticmethod
    def _noted(message: Message, note: str) -> Message:
        return with_note(message, f"↪️ {note}")

    def update(self, alert: Alert, card: Card, channel: str, ts: str, deadline: Deadline) -> Posted:
        return self.poster.update(self.message(alert, card), channel, ts, deadline)

    def note(
        self,
        alarm: Alarm,
        note: Note,
        channel: str,
        thread_ts: str,
        deadline: Deadline,
        *,
        search_first: bool = False,
    ) -> None:
        """The note in the thread, keyed by the state change, its kind and count. ``search_first``: an earlier try
        may have posted it before it died (an escalation step retried after its tick was killed): the thread is
        looked at for the key before posting."""
        key = f"{alarm.change_key}|note|{note.kind}|{note.count}"
        self.poster.post(
            note_message(alarm, note), channel, deadline, thread_ts=thread_ts, key=key, search_first=search_first
        )

    def notification(
        self, item: Notification, channel: str, deadline: Deadline, message_id: str | None = None
    ) -> Posted:
        key = f"message|{message_id}" if message_id else None
        try:
            return self.poster.post(render_notification(item), channel, deadline, key=key)
        except DeadChannel as dead:
            fallback = self._fallback(channel, dead)
            message = self._noted(render_notification(item), f"{channel} cannot be posted in ({dead.error})")
            return self.poster.post(message, fallback, deadline, key=key)

    def storm_summary(self, storm_round: StormRound, deadline: Deadline) -> Posted:
        """The summary, posted or updated. The post carries a key naming the storm: a resumed round looks for
        its predecessor's post first."""
        summary = render_storm_summary(storm_round)
        if storm_round.summary_ts:
            return self.poster.update(summary, storm_round.channel, storm_round.summary_ts, deadline)
        key = f"storm|{storm_round.key}|summary"
        try:
            return self.poster.post(
                summary, storm_round.channel, deadline, key=key, search_first=storm_round.resumed
            )
        except DeadChannel as dead:
            fallback = self._fallback(storm_round.channel, dead)
            message = self._noted(summary, f"{storm_round.channel} cannot be posted in ({dead.error})")
            return self.poster.post(message, fallback, deadline, key=key, search_first=storm_round.resumed)

    def storm_replies(self, storm_round: StormRound, summary: Posted, deadline: Deadline) -> None:
        """The round's entries in the summary's thread, each reply keyed by the storm and the range it lists."""
        details = render_storm_details(list(storm_round.batch), storm_round.announce)
        for number, message in enumerate(details):
            key = f"storm|{storm_round.key}|{storm_round.first}-{storm_round.last}|{number}"
            self.poster.post(
                message, summary.channel, deadline, thread_ts=summary.ts, key=key, search_first=storm_round.resumed
            )
