"""What the Lambda runtime gives a handler, for running Lookout's handlers in-process: the context object,
and asynchronous invocations (Bolt's lazy listeners invoke their own function with ``InvocationType=Event``)."""

from __future__ import annotations

import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


class LambdaContext:
    """The attributes Lookout, Bolt and Powertools read from a Lambda context."""

    memory_limit_in_mb = 512

    def __init__(
        self,
        function_name: str = "lookout-alarm",
        timeout_s: float = 30.0,
        account: str = "123456789012",
        region: str = "us-east-1",
        request_id: str | None = None,
    ) -> None:
        """``request_id``: Lambda's for this invocation (its own retries keep it); a new one by default."""
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.function_name = function_name
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{function_name}"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


class LocalFunctions:
    """Functions the embedded Lambda ``Invoke`` can run: name or ARN → handler, each call in its own thread."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self.threads: list[threading.Thread] = []
        self.errors: list[str] = []

    def register(self, function_name: str, handler: Handler) -> None:
        self._handlers[function_name] = handler

    def find(self, function: str) -> tuple[str, Handler] | None:
        name = function.rsplit(":function:", 1)[-1].split(":", 1)[0]
        handler = self._handlers.get(name)
        return (name, handler) if handler else None

    def invoke(self, function: str, payload: bytes, asynchronous: bool) -> Any:
        found = self.find(function)
        if found is None:
            raise KeyError(function)
        name, handler = found
        event = json.loads(payload or b"{}")
        if not asynchronous:
            return handler(event, LambdaContext(name))

        def run() -> None:
            try:
                handler(event, LambdaContext(name, timeout_s=120))
            except Exception:  # noqa: BLE001 - an async invocation's failure is logged, as Lambda would
                self.errors.append(traceback.format_exc())

        thread = threading.Thread(target=run, name=f"lambda-{name}", daemon=True)
        self.threads.append(thread)
        thread.start()
        return None

    def wait(self, timeout_s: float = 30.0) -> None:
        """Wait for every asynchronous invocation started so far."""
        deadline = time.monotonic() + timeout_s
        for thread in list(self.threads):
            thread.join(max(0.0, deadline - time.monotonic()))
