"""The one writer: every message Lookout sends to Slack goes through ``SlackPoster`` — alarm cards and notes (the
courier), answers to commands, button replies, the digest, and answers through a command's or click's
``response_url``. It is the only place that builds a ``slack_sdk.WebClient`` (one per thread) or a
``WebhookClient``, and every call it makes carries the one retry policy (``bot.slack.transport.retry``:
slack_sdk's handlers, bound to the caller's deadline).

A post that carries a key (Slack message ``metadata``: the state change it is about) is never blindly sent
twice: after a read timeout or a dropped connection — when Slack may have posted it all the same — the
channel's recent history is searched for the key first (waiting briefly for a late answer to land), and a copy
that landed late beside our re-post is deleted. When Slack says the token is bad (``invalid_auth``,
``token_revoked``), the token is read again from its secret (a rotated token reaches warm containers) and the
call tried once more: the only token renewal there is. A final failure raises ``SlackDeliveryError`` so that
Lambda's retries and the on-failure destination keep the alert.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import TYPE_CHECKING

from bot import coerce
from bot.delivery import Deadline, Posted
from bot.slack.transport.retry import AMBIGUOUS, MIN_CALL_S, policy

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    from bot.slack.blocks.lifecycle import ShownMessage
    from bot.slack.blocks.render import Message
    from bot.slack.transport.secret import SlackCredentials

_LOG = logging.getLogger(__name__)
CALL_TIMEOUT_S = 5.0
BAD_TOKEN = {"invalid_auth", "token_revoked", "not_authed"}
EVENT_TYPE = "lookout_alert"
"""The Slack message metadata event type of Lookout's posts; the payload's ``key`` names what was posted."""
LATE_S = 3.0
"""How long to look for a post that may have landed late before posting it again."""
LOOK_EVERY_S = 0.5
HISTORY = 50


def metadata_for(key: str) -> dict[str, object]:
    """The Slack message metadata that names what a post is about: a digest of ``key`` (equality is all a
    search needs, and no outside text — an alarm name — travels in it)."""
    return {"event_type": EVENT_TYPE, "event_payload": {"key": _digest(key)}}


def post_payload(message: Message, channel: str, thread_ts: str | None, key: str | None) -> dict[str, object]:
    """``chat.postMessage``'s arguments for ``message``: in a thread when ``thread_ts``, carrying ``key`` in its
    metadata (how a later try finds it) when given."""
    payload = message.payload(channel)
    if thread_ts:
        payload["thread_ts"] = thread_ts
    if key:
        payload["metadata"] = metadata_for(key)
    return payload


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:40]


class AmbiguousDelivery(Exception):
    """The request reached Slack, or may have, but no answer came back (a read timeout, a dropped
    connection): Slack may have posted the message all the same."""


class SlackDeliveryError(RuntimeError):
    """Slack did not take the message, even after retries (``error``: Slack's error code, when it gave one)."""

    def __init__(self, message: str, error: str = "") -> None:
        super().__init__(message)
        self.error = error


DEAD_CHANNEL = {"is_archived", "channel_not_found", "not_in_channel"}
"""Slack's answers for a channel Lookout cannot post in, however often it tries."""


class DeadChannel(SlackDeliveryError):
    """The channel is archived, gone, or the bot is not in it: retrying cannot help; another channel can."""


class SlackPoster:
    """Sends messages to Slack. The token is resolved lazily, once, by ``token_source``; ``refresh_token`` reads
    it again past any cache when Slack refuses it."""

    def __init__(
        self,
        token_source: Callable[[], str],
        base_url: str = "https://slack.com/api/",
        on_retry: Callable[[str], None] | None = None,
        call_timeout_s: float = CALL_TIMEOUT_S,
        refresh_token: Callable[[], str] | None = None,
    ) -> None:
        self._call_timeout_s = call_timeout_s
        self._token_source = token_source
        self._refresh_token = refresh_token
        self._base_url = base_url
        self._on_retry = on_retry
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self._prefetch: threading.Thread | None = None
        self._local = threading.local()
        self._channel_ids: dict[str, str] = {}

    @classmethod
    def from_credentials(
        cls,
        credentials: SlackCredentials,
        *,
        base_url: str = "https://slack.com/api/",
        on_retry: Callable[[str], None] | None = None,
    ) -> SlackPoster:
        """The writer on the Slack app's credentials: the bot token from its secret (or the settings), read again
        past the cache when Slack refuses it (a secret only: settings cannot change under a running process)."""
        return cls(
            credentials.bot_token,
            base_url=base_url,
            on_retry=on_retry,
            refresh_token=credentials.fresh_bot_token if credentials.secret_id else None,
        )

    def prefetch(self) -> None:
        """Resolve the token in the background (Secrets Manager), while enrichment runs."""
        if self._token is None and self._prefetch is None:
            self._prefetch = threading.Thread(target=self._resolve_token, name="lookout-token", daemon=True)
            self._prefetch.start()

    def _resolve_token(self) -> str:
        with self._token_lock:
            if self._token is None:
                self._token = self._token_source()
            return self._token

    def post(
        self,
        message: Message,
        channel: str,
        deadline: Deadline,
        thread_ts: str | None = None,
        key: str | None = None,
        search_first: bool = False,
    ) -> Posted:
        """Post ``message``; with a ``key``, at most once even when Slack answers too late (see the module).
        ``search_first``: an earlier try may have posted it (it died before recording that it did): look for the
        key before posting — where history can be searched (a channel id, or one Slack has named)."""
        payload = post_payload(message, channel, thread_ts, key)
        if not key:
            return self._posted(self._call("chat.postMessage", payload, deadline), channel)
        if search_first and (channel in self._channel_ids or not channel.startswith("#")):
            earlier = self._find(channel, key, thread_ts, deadline)
            if earlier is not None:
                return earlier
        watch: float | None = None  # after a re-post: how long to watch for a late copy of an earlier try
        while True:
            try:
                posted = self._posted(self._call("chat.postMessage", payload, deadline, ambiguous=True), channel)
            except AmbiguousDelivery as exc:
                searchable = channel in self._channel_ids or not channel.startswith("#")
                landed = self._find(channel, key, thread_ts, deadline, wait_s=LATE_S) if searchable else None
                if landed is not None:
                    return landed
                if deadline.remaining() < 2 * MIN_CALL_S:
                    raise SlackDeliveryError(f"Slack chat.postMessage failed: {exc.__cause__!r}") from exc
                watch = LOOK_EVERY_S if searchable else LATE_S  # not searched yet: watch as long as we would have
                continue
            return posted if watch is None else self._one_of(posted, key, thread_ts, deadline, wait_s=watch)

    def probe(self, channel: str, deadline: Deadline) -> str | None:
        """Whether Slack takes the bot's token (``auth.test``) and, for a channel given by id, lets it post there
        (``conversations.info``: not archived, the bot a member): None, or what is wrong, in words."""
        try:
            self._call("auth.test", {}, deadline)
            if channel.startswith("#"):
                return None  # a name cannot be looked up (the methods take ids): posting will tell
            info = coerce.mapping(self._call("conversations.info", {"channel": channel}, deadline).get("channel"))
        except SlackDeliveryError as exc:
            return str(exc)
        if info.get("is_archived"):
            return f"channel {channel} is archived"
        if info.get("is_member") is False:
            return f"the bot is not in channel {channel}"
        return None

    def update(self, message: Message, channel: str, ts: str, deadline: Deadline) -> Posted:
        return self._update(message.payload(channel), channel, ts, deadline)

    def redraw(self, message: ShownMessage, channel: str, ts: str, deadline: Deadline) -> Posted:
        """``update`` for a message as Slack holds it (a click's message, its status line drawn anew)."""
        return self._update(message.payload(channel), channel, ts, deadline)

    def _update(self, payload: dict[str, object], channel: str, ts: str, deadline: Deadline) -> Posted:
        payload = {k: v for k, v in payload.items() if not k.startswith("unfurl")}
        response = self._call("chat.update", {**payload, "ts": ts}, deadline)
        return Posted(channel=str(response.get("channel") or channel), ts=str(response.get("ts") or ts))

    def respond(
        self,
        response_url: str,
        message: Message,
        deadline: Deadline,
        *,
        response_type: str = "in_channel",
        replace_original: bool = False,
    ) -> None:
        """``message`` through a command's or a click's ``response_url`` (no token: the URL is the credential),
        with the same retries. Whether the URL is Slack's is the caller's check (the front door's)."""
        from slack_sdk.webhook import WebhookClient

        payload = {k: v for k, v in message.payload("").items() if k != "channel" and not k.startswith("unfurl")}
        client = WebhookClient(
            response_url,
            timeout=int(max(1.0, min(self._call_timeout_s, deadline.remaining()))),
            retry_handlers=policy(deadline, on_retry=self._on_retry),
        )
        try:
            response = client.send_dict(
                {**payload, "response_type": response_type, "replace_original": replace_original}
            )
        except Exception as exc:  # noqa: BLE001 - any transport failure after retries
            raise SlackDeliveryError(f"Slack response_url failed: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise SlackDeliveryError(f"Slack response_url answered {response.status_code}: {response.body[:200]}")

    def _posted(self, response: dict[str, object], channel: str) -> Posted:
        channel_id = str(response.get("channel") or channel)
        if channel_id != channel:
            self._channel_ids[channel] = channel_id  # history can only be searched by id
        return Posted(channel=channel_id, ts=str(response.get("ts") or ""))

    def _find(
        self, channel: str, key: str, thread_ts: str | None, deadline: Deadline, wait_s: float = 0.0
    ) -> Posted | None:
        """Our message with ``key`` in the channel's (or thread's) recent history, looking for up to ``wait_s``;
        None when it is not there, or when history cannot be read (then a duplicate is the lesser harm)."""
        channel_id = self._channel_ids.get(channel, channel)
        until = time.monotonic() + max(0.0, min(wait_s, deadline.remaining() - 2 * MIN_CALL_S))
        while True:
            try:
                found = self._with_key(channel_id, key, thread_ts, deadline)
            except SlackDeliveryError as exc:
                _LOG.warning("cannot search %s for a post that may have landed: %s", channel, exc)
                return None
            if found:
                return Posted(channel=channel_id, ts=found[0])
            if time.monotonic() + LOOK_EVERY_S > until:
                return None
            time.sleep(LOOK_EVERY_S)

    def _with_key(self, channel_id: str, key: str, thread_ts: str | None, deadline: Deadline) -> list[str]:
        """The ts of our messages carrying ``key``, oldest first."""
        params: dict[str, object] = {"channel": channel_id, "limit": HISTORY, "include_all_metadata": True}
        if thread_ts:
            response = self._call("conversations.replies", {**params, "ts": thread_ts}, deadline)
        else:
            response = self._call("conversations.history", params, deadline)
        messages = [coerce.mapping(m) for m in coerce.items(response.get("messages"))]
        return sorted(
            str(m["ts"])
            for m in messages
            if coerce.mapping(m.get("metadata")).get("event_type") == EVENT_TYPE
            and coerce.mapping(coerce.mapping(m["metadata"]).get("event_payload")).get("key") == _digest(key)
        )

    def _one_of(
        self, posted: Posted, key: str, thread_ts: str | None, deadline: Deadline, wait_s: float
    ) -> Posted:
        """After a re-post, watch for up to ``wait_s`` for a copy of the first try landing late: the earliest
        message with the key stays, every other is deleted."""
        until = time.monotonic() + max(0.0, min(wait_s, deadline.remaining() - 2 * MIN_CALL_S))
        while True:
            try:
                copies = self._with_key(posted.channel, key, thread_ts, deadline)
                for extra in copies[1:]:
                    self._call("chat.delete", {"channel": posted.channel, "ts": extra}, deadline)
            except SlackDeliveryError as exc:
                _LOG.warning("could not check %s for a late duplicate: %s", posted.channel, exc)
                return posted
            if len(copies) > 1 or time.monotonic() + LOOK_EVERY_S > until:
                return Posted(channel=posted.channel, ts=copies[0]) if copies else posted
            time.sleep(LOOK_EVERY_S)

    def _call(
        self, method: str, payload: dict[str, object], deadline: Deadline, *, ambiguous: bool = False
    ) -> dict[str, object]:
        """One Web API call with retries within the deadline. ``ambiguous``: a timeout or dropped connection
        after sending is not retried but raised as ``AmbiguousDelivery`` (the caller looks before it resends)."""
        from slack_sdk.errors import SlackApiError

        client = self._web_client()
        client.retry_handlers = policy(deadline, on_retry=self._on_retry, ambiguous=ambiguous)
        client.timeout = max(0.5, min(self._call_timeout_s, deadline.remaining()))  # type: ignore[assignment]
        try:
            try:
                response = client.api_call(method, json=payload)
            except SlackApiError as exc:
                if self._refresh_token is None or _error_of(exc) not in BAD_TOKEN:
                    raise
                self._renew_token(client)  # rotated? read the secret again, then once more
                response = client.api_call(method, json=payload)
        except SlackApiError as exc:
            error = str(_error_of(exc))
            kind = DeadChannel if error in DEAD_CHANNEL else SlackDeliveryError
            raise kind(f"Slack {method} failed: {error}", error) from exc
        except AMBIGUOUS as exc:
            if ambiguous:
                raise AmbiguousDelivery(method) from exc
            raise SlackDeliveryError(f"Slack {method} failed: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - any transport failure after retries
            raise SlackDeliveryError(f"Slack {method} failed: {type(exc).__name__}: {exc}") from exc
        return dict(response.data) if isinstance(response.data, dict) else {}

    def forget(self) -> None:
        """Resolve the token again on next use, in new clients (after a SnapStart restore)."""
        with self._token_lock:
            self._token = None
            self._prefetch = None
            self._local = threading.local()

    def _renew_token(self, client: WebClient) -> None:
        assert self._refresh_token is not None
        with self._token_lock:
            self._token = self._refresh_token()
        client.token = self._token

    def _web_client(self) -> WebClient:
        """A client per thread: retry handlers and timeouts are set per call, and calls may run concurrently.
        The only place Lookout builds a ``WebClient``."""
        client = getattr(self._local, "client", None)
        if client is None:
            from slack_sdk import WebClient

            client = WebClient(token=self._resolve_token(), base_url=self._base_url)
            self._local.client = client
        elif self._token is not None and client.token != self._token:
            client.token = self._token  # renewed by another thread
        return client


def _error_of(exc: SlackApiError) -> object:
    data = exc.response.data
    return data.get("error") if isinstance(data, dict) else exc.response.status_code
