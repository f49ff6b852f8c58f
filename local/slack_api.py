"""A local Slack Web API stand-in on loopback: keeps posted messages, and fails on request.

Faults are queued with ``fail_next(...)`` and consumed one per request: an HTTP status (with optional
``Retry-After``), an ``ok: false`` error, or a delay longer than the client's timeout.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay_s: float = 0.0


@dataclass
class Request:
    method: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class SlackState:
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0


class SlackStandIn:
    """``with SlackStandIn() as slack:`` → ``slack.url`` is a base URL for ``WebClient(base_url=...)``."""

    def __init__(self) -> None:
        self.state = SlackState()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self.state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def __enter__(self) -> SlackStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *faults: Fault) -> None:
        self.state.faults.extend(faults)

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        with self.state.lock:
            if channel is not None:
                return list(self.state.messages.get(channel, []))
            return [m for msgs in self.state.messages.values() for m in msgs]

    def calls(self, method: str) -> list[Request]:
        return [r for r in self.state.requests if r.method == method]


def _handler_for(state: SlackState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the default stderr log
            pass

        def do_POST(self) -> None:
            method = self.path.rsplit("/", 1)[-1]
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            body = _body(raw, self.headers.get("Content-Type", ""))
            with state.lock:
                state.requests.append(Request(method, dict(self.headers.items()), body))
                fault = state.faults.popleft() if state.faults else None
            if fault and fault.delay_s:
                time.sleep(fault.delay_s)
            if fault and fault.status != 200:
                self._reply(
                    fault.status,
                    {"ok": False, "error": "ratelimited" if fault.status == 429 else "fatal_error"},
                    fault.retry_after,
                )
                return
            if fault and fault.error:
                self._reply(200, {"ok": False, "error": fault.error})
                return
            if not self.headers.get("Authorization", "").startswith("Bearer "):
                self._reply(200, {"ok": False, "error": "not_authed"})
                return
            self._reply(200, _answer(state, method, body))

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


def _answer(state: SlackState, method: str, body: dict[str, Any]) -> dict[str, Any]:
    if method == "auth.test":
        return {"ok": True, "user_id": "UBOT", "team_id": "T0LOCAL", "bot_id": "BLOOKOUT"}
    if method in {"chat.postMessage", "chat.update"}:
        channel = str(body.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not body.get("text") and not body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        with state.lock:
            messages = state.messages.setdefault(channel, [])
            if method == "chat.update":
                for message in messages:
                    if message["ts"] == body.get("ts"):
                        message.update(text=body.get("text"), blocks=body.get("blocks"))
                        return {"ok": True, "channel": channel, "ts": message["ts"]}
                return {"ok": False, "error": "message_not_found"}
            state.counter += 1
            ts = f"{1700000000 + state.counter}.{state.counter:06d}"
            messages.append(
                {
                    "ts": ts,
                    "text": body.get("text"),
                    "blocks": body.get("blocks"),
                    "thread_ts": body.get("thread_ts"),
                }
            )
        return {"ok": True, "channel": channel, "ts": ts}
    return {"ok": False, "error": "unknown_method"}
