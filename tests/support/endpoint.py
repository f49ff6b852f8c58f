"""A local HTTP endpoint for the checks' HTTP probe: it answers what a test sets in ``Endpoint.answers`` (status,
body, delay; the last answer repeats) and records each request's headers in ``Endpoint.seen``."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from typing import Any


class Endpoint(BaseHTTPRequestHandler):
    answers: list[tuple[int, str, float]] = []
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        status, body, delay = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        Endpoint.seen.append(dict(self.headers))
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass
