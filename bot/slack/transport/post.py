"""Post rendered messages with ``slack_sdk.WebClient``, retrying within the Lambda's remaining time.

slack_sdk's built-in retry handlers sleep for ``Retry-After`` whatever time is left, so ``DeadlineRetryHandler``
covers 429, 5xx and connection errors/timeouts in one place and gives up when the next try would not finish
before the deadline. When Slack says the token is bad (``invalid_auth``, ``token_revoked``), the token is read
again from its secret (a rotated token is picked up by warm containers) and the call tried once more. A final
failure raises ``SlackDeliveryError`` so that Lambda's retries and the on-failure destination keep the alert.
"""

from __future__ import annotations

import random
import threading
import time
from http.client import RemoteDisconnected
from typing import TYPE_CHECKING, Any
from urllib.error import URLError

from slack_sdk.http_retry.handler import RetryHandler

from bot.delivery import Deadline, Posted

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_sdk import WebClient
    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState

    from bot.slack.blocks.render import Message

MIN_CALL_S = 1.0
CALL_TIMEOUT_S = 5.0
BAD_TOKEN = {"invalid_auth", "token_revoked", "not_authed"}


class SlackDeliveryError(RuntimeError):
    """Slack did not take the message, even after retries."""


class DeadlineRetryHandler(RetryHandler):
    """Retry 429 (honouring Retry-After), 5xx, and connection errors or timeouts while time allows."""

    def __init__(
        self, deadline: Deadline, max_retry_count: int = 5, on_retry: Callable[[str], None] | None = None
    ):
        super().__init__(max_retry_count=max_retry_count)
        self.deadline = deadline
        self.on_retry = on_retry
        self._wait = 0.0

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
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


class SlackPoster:
    """Sends messages to Slack. The token is resolved lazily, once, by ``token_source``."""

    def __init__(
        self,
        token_source: Callable[[], str],
        base_url: str = "https://slack.com/api/",
        client: WebClient | None = None,
        on_retry: Callable[[str], None] | None = None,
        call_timeout_s: float = CALL_TIMEOUT_S,
        refresh_token: Callable[[], str] | None = None,
    ) -> None:
        self._call_timeout_s = call_timeout_s
        self._token_source = token_source
        self._refresh_token = refresh_token
        self._base_url = base_url
        self._client = client
        self._on_retry = on_retry
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self._prefetch: threading.Thread | None = None
        self._local = threading.local()

    def prefetch(self) -> None:
        """Resolve the token in the background (Secrets Manager), while enrichment runs."""
        if self._client is None and self._token is None and self._prefetch is None:
            self._prefetch = threading.Thread(target=self._resolve_token, name="lookout-token", daemon=True)
            self._prefetch.start()

    def _resolve_token(self) -> str:
        with self._token_lock:
            if self._token is None:
                self._token = self._token_source()
            return self._token

    def post(self, message: Message, channel: str, deadline: Deadline, thread_ts: str | None = None) -> Posted:
        payload = message.payload(channel)
        if thread_ts:
            payload["thread_ts"] = thread_ts
        response = self._call("chat.postMessage", payload, deadline)
        return Posted(channel=str(response.get("channel") or channel), ts=str(response.get("ts") or ""))

    def update(self, message: Message, channel: str, ts: str, deadline: Deadline) -> Posted:
        payload = {k: v for k, v in message.payload(channel).items() if not k.startswith("unfurl")}
        response = self._call("chat.update", {**payload, "ts": ts}, deadline)
        return Posted(channel=str(response.get("channel") or channel), ts=str(response.get("ts") or ts))

    def _call(self, method: str, payload: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        from slack_sdk.errors import SlackApiError

        client = self._web_client()
        client.retry_handlers = [DeadlineRetryHandler(deadline, on_retry=self._on_retry)]
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
            raise SlackDeliveryError(f"Slack {method} failed: {_error_of(exc)}") from exc
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
        """A client per thread: retry handlers and timeouts are set per call, and calls may run concurrently."""
        if self._client is not None:
            return self._client
        client = getattr(self._local, "client", None)
        if client is None:
            from slack_sdk import WebClient

            client = WebClient(token=self._resolve_token(), base_url=self._base_url)
            self._local.client = client
        elif self._token is not None and client.token != self._token:
            client.token = self._token  # renewed by another thread
        return client


def _error_of(exc: Any) -> Any:
    data = exc.response.data
    return data.get("error") if isinstance(data, dict) else exc.response.status_code
