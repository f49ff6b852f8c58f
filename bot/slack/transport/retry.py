"""The one retry policy of every Slack call Lookout makes: slack_sdk's own handlers —
``RateLimitErrorRetryHandler`` (429, after ``Retry-After``), ``ServerErrorRetryHandler`` (500, 503) and
``ConnectionErrorRetryHandler`` (connection errors and timeouts) — each bound to the caller's deadline: a retry
whose wait would not leave time for the call itself is not made, and the last answer or error stands.

slack_sdk's handlers alone would sleep for ``Retry-After`` whatever time is left. Not for: deciding whether a post
may be sent again after an ambiguous failure (``bot.slack.transport.post`` looks first).
"""

from __future__ import annotations

import random
from http.client import RemoteDisconnected
from typing import TYPE_CHECKING
from urllib.error import URLError

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState

    from bot.delivery import Deadline

MIN_CALL_S = 1.0
"""What a retry must leave for the call itself."""
MAX_RETRIES = 5
"""Retries of one call, whatever made them (the handlers share slack_sdk's ``RetryState``)."""
AMBIGUOUS = (TimeoutError, RemoteDisconnected, ConnectionResetError)
"""Failures after the request was sent: Slack may have carried it out."""
RETRY_AFTER_JITTER_S = 1.0
"""``RateLimitErrorRetryHandler`` sleeps ``Retry-After`` plus up to this much."""


class Backoff(RetryIntervalCalculator):
    """0.25 s, 0.5 s, 1 s, 2 s, then 4 s at most, each plus up to a quarter of it at random."""

    BASE_S = 0.25
    CAP_S = 4.0
    JITTER = 0.25

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return self._step(current_attempt) * (1 + random.random() * self.JITTER)

    def longest(self, current_attempt: int) -> float:
        return self._step(current_attempt) * (1 + self.JITTER)

    def _step(self, attempt: int) -> float:
        return min(self.CAP_S, self.BASE_S * 2**attempt)


BACKOFF = Backoff()


class WithinDeadline(RetryHandler):
    """One of slack_sdk's handlers, retrying only while the deadline leaves room for its wait and the call."""

    def __init__(
        self,
        handler: RetryHandler,
        deadline: Deadline,
        *,
        on_retry: Callable[[str], None] | None = None,
        ambiguous: bool = False,
    ) -> None:
        super().__init__(max_retry_count=handler.max_retry_count, interval_calculator=handler.interval_calculator)
        self.handler = handler
        self.deadline = deadline
        self.on_retry = on_retry
        self.ambiguous = ambiguous
        """Leave timeouts and dropped connections to the caller: the request may have been carried out."""

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if self.ambiguous and isinstance(error, AMBIGUOUS):
            return False
        if not self.handler.can_retry(state=state, request=request, response=response, error=error):
            return False
        return self._longest_wait(state, response) + MIN_CALL_S <= self.deadline.remaining()

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
        self.handler.prepare_for_next_attempt(state=state, request=request, response=response, error=error)

    def _longest_wait(self, state: RetryState, response: HttpResponse | None) -> float:
        if isinstance(self.handler, RateLimitErrorRetryHandler):
            return _retry_after(response) + RETRY_AFTER_JITTER_S
        calculator = self.handler.interval_calculator
        if isinstance(calculator, Backoff):
            return calculator.longest(state.current_attempt)
        return calculator.calculate_sleep_duration(state.current_attempt)


def policy(
    deadline: Deadline, *, on_retry: Callable[[str], None] | None = None, ambiguous: bool = False
) -> list[RetryHandler]:
    """The handlers of one call (a ``WebClient``'s or ``WebhookClient``'s ``retry_handlers``), bound to
    ``deadline``. ``ambiguous``: a timeout or dropped connection after sending is not retried (see the module)."""
    handlers: list[RetryHandler] = [
        RateLimitErrorRetryHandler(max_retry_count=MAX_RETRIES),
        ServerErrorRetryHandler(max_retry_count=MAX_RETRIES, interval_calculator=BACKOFF),
        ConnectionErrorRetryHandler(
            max_retry_count=MAX_RETRIES,
            interval_calculator=BACKOFF,
            error_types=[URLError, ConnectionResetError, RemoteDisconnected, TimeoutError],
        ),
    ]
    return [WithinDeadline(h, deadline, on_retry=on_retry, ambiguous=ambiguous) for h in handlers]


def _retry_after(response: HttpResponse | None) -> float:
    """The seconds Slack asked to wait (slack_sdk's handler reads the header as a whole number: one it could not
    read means no retry)."""
    if response is None:
        return float("inf")
    value = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return 1.0  # slack_sdk waits a second (and its jitter) when Slack names no wait
    try:
        return float(int(value[0] if isinstance(value, list) else value))
    except (TypeError, ValueError, IndexError):
        return float("inf")
