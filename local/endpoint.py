"""A local HTTP health endpoint whose answer the demo can change (healthy, then failing, then healthy again),
for the scheduled HTTP check to probe over real HTTP."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.servers import POLL_S


class HealthEndpoint:
    def __init__(self) -> None:
        self.status, self.body = 200, {"status": "ok"}
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                payload = json.dumps(endpoint.body).encode()
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/health"

    def answer(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, body

    def __enter__(self) -> HealthEndpoint:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": POLL_S}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
