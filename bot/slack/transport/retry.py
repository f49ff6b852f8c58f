"""Slack calls retried within the Lambda's remaining time: 429 (honouring ``Retry-After``), 5xx, connection
errors and timeouts, in one handler that gives up when the next try would not finish before the deadline.

slack_sdk's built-in handlers sleep for ``Retry-After`` whatever time is left. Not for: deciding whether a
post may be sent again after an ambiguous failure (``bot.slack.transport.post`` looks first).
"""

from __future__ import annotations

import random
import time
from http.client import RemoteDisconnected
from typing import TYPE_CHECKING
from urllib.error import URLError

from slack_sdk.http_retry.handler import RetryHandler

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState

    from bot.delivery import Deadline

MIN_CALL_S = 1.0
AMBIGUOUS = (TimeoutError, RemoteDisconnected, ConnectionResetError)
"""Failures after the request was sent: Slack may have carried it out."""


class DeadlineRetryHandler(RetryHandler):
    """Retry 429 (honouring Retry-After), 5xx, and connection errors or timeouts while time allows."""

    def __init__(
        self,
        deadline: Deadline,
        max_retry_count: int = 5,
        on_retry: Callable[[str], None] | None = None,
        *,
        ambiguous: bool = False,
    ):
        super().__init__(max_retry_count=max_retry_count)
        self.deadline = deadline
        self.on_retry = on_retry
        self.ambiguous = ambiguous
        """Leave timeouts and dropped connections to the caller: the request may have been carried out."""
        self._wait = 0.0

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if self.ambiguous and isinstance(error, AMBIGUOUS):
            return False
        wait = self._wait_for(state, response, error)
        if wait is None or wait + MIN_CALL_S > self.deadline.remaining():
            return False
        self._wait = wait
        return True

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if self.on_retry:
            self.on_retry(str(response.status_code) if response is not None else type(error).__name__)
        state.next_attempt_requested = True
        time.sleep(self._wait)
        state.increment_current_attempt()

    @staticmethod
    def _wait_for(state: RetryState, response: HttpResponse | None, error: Exception | None) -> float | None:
        backoff = min(4.0, 0.25 * 2**state.current_attempt) * (1 + random.random() / 4)
        if response is not None:
            if response.status_code == 429:
                header = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
                value = header[0] if isinstance(header, list) else header
                try:
                    return max(0.0, float(value)) if value is not None else 1.0
                except ValueError:
                    return 1.0
            return backoff if response.status_code >= 500 else None
        if isinstance(error, TimeoutError | ConnectionError | RemoteDisconnected | URLError):
            return backoff
        return None
