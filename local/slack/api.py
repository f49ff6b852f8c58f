"""A local Slack Web API stand-in on loopback: keeps messages by channel and ts (with threads), validates
blocks the way Slack does, answers like Slack (HTTP 200 + ``ok: false``), and fails on request.

Methods: ``auth.test``, ``chat.postMessage`` (with message ``metadata``), ``chat.update``, ``chat.delete``,
``chat.postEphemeral``, ``conversations.info``, ``conversations.history`` and ``conversations.replies``
(metadata only with ``include_all_metadata``), plus ``response_url`` posts at ``/response/<id>``. Channels can
be archived or left (``archived``, ``outside``), and Slack's errors follow. Faults are queued with
``fail_next(...)`` and consumed one per request: an HTTP status (with optional ``Retry-After``), an
``ok: false`` error, or a delay.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from local.servers import POLL_S

MAX_BLOCKS = 50
MAX_TEXT = 40_000
MAX_BLOCKS_CHARS = 13_000  # Slack has rejected block payloads well below the documented limits


@dataclass
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay_s: float = 0.0
    matching: str = ""
    """Only for a request whose body contains this text (a test whose requests run side by side); the faults
    without it apply to the next requests, in order."""


@dataclass
class Request:
    method: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class SlackState:
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ephemeral: list[dict[str, Any]] = field(default_factory=list)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    channel_ids: dict[str, str] = field(default_factory=dict)
    """``#name`` → the channel id Slack answers with (Slack's responses name channels by id)."""
    tokens: set[str] | None = None
    """Bot tokens Slack accepts (any when None); others get ``invalid_auth``, as a revoked or rotated one does."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0
    latency_s: float = 0.0
    """Added to every call, as the network and Slack add it (benchmarks: what a user waits for)."""
    archived: set[str] = field(default_factory=set)
    """Channels (names or ids) that are archived: posts get ``is_archived``."""
    outside: set[str] = field(default_factory=set)
    """Channels the bot is not in: posts get ``not_in_channel``."""


class SlackStandIn:
    """``with SlackStandIn() as slack:`` → ``slack.url`` is a base URL for ``WebClient(base_url=...)``."""

    def __init__(self) -> None:
        self.state = SlackState()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self.state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(POLL_S,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/response/{key}"

    def __enter__(self) -> SlackStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *faults: Fault) -> None:
        with self.state.lock:
            self.state.faults.extend(faults)

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Top-level messages (not thread replies), oldest first."""
        with self.state.lock:
            pool = (
                self.state.messages.get(channel, [])
                if channel is not None
                else [m for messages in self.state.messages.values() for m in messages]
            )
            return [dict(m) for m in pool if not m.get("thread_ts")]

    def replies(self, channel: str, ts: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return [dict(m) for m in self.state.messages.get(channel, []) if m.get("thread_ts") == ts]

    def calls(self, method: str) -> list[Request]:
        with self.state.lock:
            return [r for r in self.state.requests if r.method == method]


def validation_error(body: dict[str, Any]) -> str | None:
    """What Slack would answer for these blocks and text, or None when it would accept them."""
    from slack_sdk.errors import SlackObjectFormationError
    from slack_sdk.models.blocks import Block

    text = body.get("text") or ""
    blocks = body.get("blocks")
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return "invalid_blocks_format"
    if not text and not blocks:
        return "no_text"
    if len(text) > MAX_TEXT:
        return "msg_too_long"
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
        return "invalid_blocks"
    if len(json.dumps(blocks)) > MAX_BLOCKS_CHARS:
        return "msg_blocks_too_long"
    ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(ids) != len(set(ids)):
        return "invalid_blocks"
    for raw in blocks:
        try:
            block = Block.parse(raw)
            if block is None or getattr(block, "type", None) != raw.get("type"):
                return "invalid_blocks"
            block.validate_json()
        except (SlackObjectFormationError, KeyError, TypeError, AttributeError, ValueError):
            return "invalid_blocks"
    return None


def _next_fault(faults: deque[Fault], body: str) -> Fault | None:
    """The first queued fault for a request with ``body``, taken off the queue (the caller holds the lock)."""
    for fault in faults:
        if not fault.matching or fault.matching in body:
            faults.remove(fault)
            return fault
    return None


def _handler_for(state: SlackState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the default stderr log
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            body = _body(raw, self.headers.get("Content-Type", ""))
            method = self.path.rsplit("/", 1)[-1] if self.path.startswith("/api/") else "response_url"
            with state.lock:
                state.requests.append(Request(method, dict(self.headers.items()), body))
                fault = _next_fault(state.faults, json.dumps(body, ensure_ascii=False))
            if state.latency_s or (fault and fault.delay_s):
                time.sleep(state.latency_s + (fault.delay_s if fault else 0.0))
            if fault and fault.status != 200:
                error = "ratelimited" if fault.status == 429 else "fatal_error"
                self._reply(fault.status, {"ok": False, "error": error}, fault.retry_after)
            elif fault and fault.error:
                self._reply(200, {"ok": False, "error": fault.error})
            elif method == "response_url":
                self._response_url(body)
            elif not self.headers.get("Authorization", "").startswith("Bearer "):
                self._reply(200, {"ok": False, "error": "not_authed"})
            elif state.tokens is not None and self.headers["Authorization"][7:] not in state.tokens:
                self._reply(200, {"ok": False, "error": "invalid_auth"})
            else:
                self._reply(200, _answer(state, method, body))

        def _response_url(self, body: dict[str, Any]) -> None:
            error = validation_error(body)
            if error:
                self._reply(400, {"ok": False, "error": error})
                return
            with state.lock:
                state.responses.setdefault(self.path.rsplit("/", 1)[-1], []).append(body)
            self._reply(200, {"ok": True})

        def _reply(self, status: int, payload: dict[str, Any], retry_after: int | None = None) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    return Handler


def _body(raw: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return json.loads(raw or "{}")
    return {k: v[0] for k, v in parse_qs(raw).items()}


def _channel(state: SlackState, named: str) -> tuple[str, str]:
    """Where a channel's messages are kept (its ``#name``, as tests look them up) and the id Slack answers
    with. Ids Lookout got back from Slack resolve to the same channel."""
    with state.lock:
        if named.startswith("#"):
            digest = hashlib.sha1(named.encode()).hexdigest()[:10].upper()
            return named, state.channel_ids.setdefault(named, f"C{digest}")
        by_id = {channel_id: name for name, channel_id in state.channel_ids.items()}
        return by_id.get(named, named), named


def _valid_metadata(metadata: Any) -> bool:
    """Slack's message metadata: an ``event_type`` (letters, digits, underscores) and an ``event_payload``."""
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and re.fullmatch(r"[A-Za-z0-9_]{1,255}", metadata["event_type"]) is not None
        and isinstance(metadata.get("event_payload"), dict)
    )


def _shown(message: dict[str, Any], metadata: bool) -> dict[str, Any]:
    """A message as the Web API returns it: metadata only where asked for (``include_all_metadata``)."""
    return message if metadata else {k: v for k, v in message.items() if k != "metadata"}


def _answer(state: SlackState, method: str, body: dict[str, Any]) -> dict[str, Any]:
    if method == "auth.test":
        return {
            "ok": True,
            "url": "https://lookout-local.slack.com/",
            "user_id": "UBOT",
            "team_id": "T0LOCAL",
            "bot_id": "BLOOKOUT",
        }
    named = str(body.get("channel") or "")
    if method.startswith("conversations.") and named.startswith("#"):
        return {"ok": False, "error": "channel_not_found"}  # these methods take a channel id, never a name
    channel, channel_id = _channel(state, named)
    if method in {"chat.postMessage", "chat.update", "chat.postEphemeral"}:
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if {named, channel_id} & state.archived:
            return {"ok": False, "error": "is_archived"}
        if {named, channel_id} & state.outside:
            return {"ok": False, "error": "not_in_channel"}
        error = validation_error(body)
        if error:
            return {"ok": False, "error": error}
    with state.lock:
        messages = state.messages.setdefault(channel, [])
        if method == "chat.postMessage":
            state.counter += 1
            ts = f"{1700000000 + state.counter}.{state.counter:06d}"
            message = {"ts": ts, "text": body.get("text"), "blocks": body.get("blocks"), "user": "UBOT"}
            if body.get("thread_ts"):
                message["thread_ts"] = str(body["thread_ts"])
            if body.get("metadata") is not None:
                metadata = body["metadata"]
                metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
                if not _valid_metadata(metadata):
                    return {"ok": False, "error": "invalid_metadata_format"}
                message["metadata"] = metadata
            messages.append(message)
            return {"ok": True, "channel": channel_id, "ts": ts, "message": _shown(message, metadata=True)}
        if method == "chat.update":
            for message in messages:
                if message["ts"] == body.get("ts"):
                    message.update(text=body.get("text"), blocks=body.get("blocks"), edited=True)
                    return {"ok": True, "channel": channel_id, "ts": message["ts"]}
            return {"ok": False, "error": "message_not_found"}
        if method == "chat.postEphemeral":
            state.counter += 1
            state.ephemeral.append({**body, "message_ts": f"{1700000000 + state.counter}.{state.counter:06d}"})
            return {"ok": True, "message_ts": state.ephemeral[-1]["message_ts"]}
        if method == "conversations.info":  # the fields Lookout reads (docs.slack.dev/reference/methods)
            archived = bool({named, channel_id} & state.archived)
            member = not archived and not ({named, channel_id} & state.outside)
            return {"ok": True, "channel": {"id": channel_id, "is_archived": archived, "is_member": member}}
        with_metadata = str(body.get("include_all_metadata", "")).lower() in {"1", "true"}
        if method == "conversations.replies":
            ts = str(body.get("ts") or "")
            parent = [m for m in messages if m["ts"] == ts]
            if not parent:
                return {"ok": False, "error": "thread_not_found"}
            thread = parent + [m for m in messages if m.get("thread_ts") == ts]
            limit = int(body.get("limit") or 1000)
            return {"ok": True, "messages": [_shown(m, with_metadata) for m in thread[:limit]], "has_more": False}
        if method == "conversations.history":
            top = [m for m in reversed(messages) if not m.get("thread_ts")]  # newest first, no thread replies
            limit = int(body.get("limit") or 100)
            shown = [_shown(m, with_metadata) for m in top[:limit]]
            return {"ok": True, "messages": shown, "has_more": len(top) > limit}
        if method == "chat.delete":
            kept = [m for m in messages if m["ts"] != body.get("ts")]
            if len(kept) == len(messages):
                return {"ok": False, "error": "message_not_found"}
            messages[:] = kept
            return {"ok": True, "channel": channel_id, "ts": body.get("ts")}
    return {"ok": False, "error": "unknown_method"}
