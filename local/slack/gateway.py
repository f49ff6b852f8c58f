"""Serve a Lambda handler over HTTP on loopback the way a Lambda Function URL does (payload format 2.0), so
that signed Slack requests reach ``handlers/slack.py`` over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode, urlsplit

from local.lambda_runtime import Handler, LambdaContext
from local.servers import POLL_S


class FunctionUrl:
    def __init__(self, handler: Handler, function_name: str = "lookout-slack") -> None:
        self.handler = handler
        self.function_name = function_name
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _http_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(POLL_S,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/slack/events"

    def __enter__(self) -> FunctionUrl:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def function_url_event(method: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The Lambda event a Function URL (payload format 2.0) makes of one HTTP request."""
    parts = urlsplit(path)
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {"http": {"method": method, "path": parts.path, "sourceIp": "127.0.0.1"}},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def _http_handler(url: FunctionUrl) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            event = function_url_event("POST", self.path, dict(self.headers.items()), body)
            response = url.handler(event, LambdaContext(url.function_name))
            data = response.get("body") or ""
            payload = base64.b64decode(data) if response.get("isBase64Encoded") else str(data).encode()
            self.send_response(int(response.get("statusCode", 200)))
            for key, value in (response.get("headers") or {}).items():
                if key.lower() != "content-length":
                    self.send_header(key, str(value))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def signed_headers(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends: ``v0:{timestamp}:{body}`` signed with HMAC-SHA256."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def send_command(
    url: str, secret: str, command: str, text: str, *, user: str, channel: str, response_url: str
) -> tuple[int, str]:
    """POST a signed slash command like Slack does; (status, body of the ack). ``response_url``: the local
    Slack's (Lookout answers only to Slack's hosts, or to the Slack API it is configured with)."""
    body = urlencode(
        {
            "token": "unused",
            "team_id": "T0LOCAL",
            "team_domain": "local",
            "channel_id": channel,
            "channel_name": channel.lstrip("#"),
            "user_id": user,
            "user_name": "demo",
            "command": command,
            "text": text,
            "api_app_id": "A0LOCAL",
            "response_url": response_url,
            "trigger_id": f"{time.time()}",
        }
    )
    request = urllib.request.Request(url, data=body.encode(), headers=signed_headers(body, secret), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def ack_text(body: str) -> str:
    """The text of an ack body (Bolt answers plain text or JSON with ``text``)."""
    try:
        return str(json.loads(body).get("text", body))
    except ValueError:
        return body
