"""A slash command's answers in Slack: the ack (text, or help), then the progress message in the channel that
becomes the result table — or, where the bot may not post, answers through the command's ``response_url``.

Implements ``bot.queries.service.Reporter`` for Bolt listeners and for the front door's own runs alike.
Not for: planning or running queries (``bot.queries``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.queries.service import Invocation
from bot.slack.blocks.results import render_failure, render_progress, render_result

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_sdk import WebClient

    from bot.queries.catalog import QueryConfig
    from bot.queries.plans import QueryPlan
    from bot.queries.results import Progress, QueryResult
    from bot.queries.service import Ack
    from bot.slack.blocks.render import Message

CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "ekm_access_denied"}
NO_TABLES = {"invalid_blocks", "msg_blocks_too_long"}
BAD_TOKEN = {"invalid_auth", "token_revoked", "not_authed"}


def ack_message(ack: Ack, config: QueryConfig) -> Message | str:
    """What the command's HTTP answer says: the ack's words, or help."""
    if ack.help_for is None:
        return ack.text
    from bot.slack.blocks.help import render_help

    return render_help(config, only=ack.help_for or None)


def ack_body(ack: Ack, config: QueryConfig) -> dict[str, Any]:
    reply = ack_message(ack, config)
    return {"text": reply} if isinstance(reply, str) else {"text": reply.text, "blocks": blocks_of(reply)}


def invocation_from(fields: dict[str, Any]) -> Invocation:
    """A slash command's form fields (as Slack sends them) as an ``Invocation``."""
    return Invocation(
        command=str(fields.get("command", "")),
        text=str(fields.get("text", "")),
        user=str(fields.get("user_id", "")),
        channel=str(fields.get("channel_id", "")),
        trigger=str(fields.get("trigger_id", "")),
    )


def blocks_of(message: Message) -> list[dict[str, Any]]:
    return [block.to_dict() for block in message.blocks]


class ChannelAnswer:
    """The answers of one command: ``client`` posts in its channel, ``respond`` answers via its response_url."""

    def __init__(
        self,
        invocation: Invocation,
        client: WebClient,
        respond: Callable[[Message], None],
        renew_token: Callable[[], str] | None = None,
    ) -> None:
        """``renew_token``: read the bot token again (past its cache) when Slack refuses the client's."""
        self.invocation = invocation
        self.client = client
        self.respond = respond
        self.renew_token = renew_token
        self.ts: str | None = None

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
        from slack_sdk.errors import SlackApiError

        if not self.ts:
            self.respond(message)
            return
        try:
            self._update(message)
        except SlackApiError as exc:
            if fallback is None or exc.response.get("error") not in NO_TABLES:
                raise
            self._update(fallback())  # a workspace or client without table blocks: a code block instead

    def _post(self, message: Message) -> str | None:
        from slack_sdk.errors import SlackApiError

        try:
            response = self._call(
                self.client.chat_postMessage,
                channel=self.invocation.channel,
                text=message.text,
                blocks=blocks_of(message),
                unfurl_links=False,
            )
        except SlackApiError as exc:
            if exc.response.get("error") in CANNOT_POST:
                return None
            raise
        return str(response["ts"])

    def _update(self, message: Message) -> None:
        assert self.ts
        channel = self.invocation.channel
        self._call(
            self.client.chat_update, channel=channel, ts=self.ts, text=message.text, blocks=blocks_of(message)
        )

    def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        """``method(**kwargs)``; once more with the token read again when Slack says it is no longer valid."""
        from slack_sdk.errors import SlackApiError

        try:
            return method(**kwargs)
        except SlackApiError as exc:
            if self.renew_token is None or exc.response.get("error") not in BAD_TOKEN:
                raise
            self.client.token = self.renew_token()
            return method(**kwargs)


def bolt_respond(respond: Any) -> Callable[[Message], None]:
    """A Bolt listener's ``respond`` as ``ChannelAnswer`` wants it: visible in the channel, never replacing."""

    def send(message: Message) -> None:
        respond(text=message.text, blocks=blocks_of(message), response_type="in_channel", replace_original=False)

    return send


def webhook_respond(response_url: str, response_type: str = "in_channel") -> Callable[[Message], None]:
    """The command's ``response_url`` through slack_sdk's ``WebhookClient`` (outside Bolt)."""

    def send(message: Message) -> None:
        from slack_sdk.webhook import WebhookClient

        response = WebhookClient(response_url).send(
            text=message.text, blocks=blocks_of(message), response_type=response_type, replace_original=False
        )
        if response.status_code >= 400:
            raise RuntimeError(f"response_url answered {response.status_code}: {response.body[:200]}")

    return send
