"""A slash command's answers in Slack: the ack (text, or help), then the progress message in the channel that
becomes the result table — or, where the bot may not post, answers through the command's ``response_url``.
Everything is sent through the one writer (``bot.slack.transport.post.SlackPoster``).

Implements ``bot.queries.commands.Reporter``. Not for: planning or running queries (``bot.queries``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.queries.commands import Invocation
from bot.slack.blocks.help import render_help
from bot.slack.blocks.results import render_failure, render_progress, render_result
from bot.slack.transport.post import SlackDeliveryError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from bot.delivery import Deadline
    from bot.queries.catalog import QueryConfig
    from bot.queries.commands import Ack
    from bot.queries.query_plan import QueryPlan
    from bot.queries.results import Progress, QueryResult
    from bot.slack.blocks.render import Message
    from bot.slack.transport.post import SlackPoster

_LOG = logging.getLogger(__name__)
CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "ekm_access_denied"}
NO_TABLES = {"invalid_blocks", "msg_blocks_too_long"}


def ack_message(ack: Ack, config: QueryConfig) -> Message | str:
    """What the command's HTTP answer says: the ack's words, or help."""
    if ack.help_for is None:
        return ack.text
    return render_help(config, only=ack.help_for or None)


def ack_body(ack: Ack, config: QueryConfig) -> dict[str, object]:
    reply = ack_message(ack, config)
    return {"text": reply} if isinstance(reply, str) else {"text": reply.text, "blocks": blocks_of(reply)}


def invocation_from(fields: Mapping[str, object]) -> Invocation:
    """A slash command's form fields (as Slack sends them) as an ``Invocation``."""
    return Invocation(
        command=str(fields.get("command", "")),
        text=str(fields.get("text", "")),
        user=str(fields.get("user_id", "")),
        channel=str(fields.get("channel_id", "")),
        trigger=str(fields.get("trigger_id", "")),
    )


def blocks_of(message: Message) -> list[dict[str, object]]:
    return [block.to_dict() for block in message.blocks]


class ChannelAnswer:
    """The answers of one command: posted in its channel by ``writer``, or through its ``response_url`` where
    the bot may not post."""

    def __init__(
        self, invocation: Invocation, writer: SlackPoster, *, response_url: str, deadline: Deadline
    ) -> None:
        self.invocation = invocation
        self.writer = writer
        self.response_url = response_url
        self.deadline = deadline
        self.ts: str | None = None
        self.channel = invocation.channel

    def started(self, query: QueryPlan) -> None:
        self.ts = self._post(render_progress(query, None, asked_by=self.invocation.user))

    def progress(self, query: QueryPlan, progress: Progress) -> None:
        if self.ts:
            self._update(render_progress(query, progress, asked_by=self.invocation.user))

    def finished(
        self, query: QueryPlan, result: QueryResult, *, total: int | None, console_url: str | None
    ) -> None:
        def table(tables: bool) -> Message:
            asked_by = self.invocation.user
            return render_result(
                query, result, asked_by=asked_by, console_url=console_url, total=total, tables=tables
            )

        self._deliver(table(True), fallback=lambda: table(False))

    def failed(self, query: QueryPlan | None, reason: str) -> None:
        command = self.invocation.command
        self._deliver(render_failure(query, reason, asked_by=self.invocation.user, command=command))

    def _deliver(self, message: Message, fallback: Callable[[], Message] | None = None) -> None:
        if not self.ts:
            self.writer.respond(self.response_url, message, self.deadline, response_type="in_channel")
            return
        try:
            self._update(message)
        except SlackDeliveryError as exc:
            if fallback is None or exc.error not in NO_TABLES:
                raise
            self._update(fallback())  # a workspace or client without table blocks: a code block instead

    def _post(self, message: Message) -> str | None:
        """The progress message's ts; None where the bot may not post (then the answers go to response_url)."""
        key = f"answer|{self.invocation.trigger}" if self.invocation.trigger else None
        try:
            posted = self.writer.post(message, self.invocation.channel, self.deadline, key=key)
        except SlackDeliveryError as exc:
            if exc.error in CANNOT_POST:
                _LOG.info("cannot post in %s (%s): answering through response_url", self.channel, exc.error)
                return None
            raise
        self.channel = posted.channel
        return posted.ts

    def _update(self, message: Message) -> None:
        assert self.ts
        self.writer.update(message, self.channel, self.ts, self.deadline)
