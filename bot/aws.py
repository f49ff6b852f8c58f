"""Cached AWS client factory with explicit timeouts and retry modes.

Clients are created lazily (never at import), once per (service, region), under a lock because creating
clients from one session is not thread-safe. botocore honours ``AWS_ENDPOINT_URL`` for local emulation.
With lean clients on (``configure(lean=True)``, the handlers' default), the services of the cold paths get a
:class:`~bot.awshttp.LeanClient` — no botocore import, no service models — which falls back to the boto3
client for anything else.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.client import BaseClient

_LOCK = threading.Lock()
_CLIENTS: dict[tuple[str, str | None, bool], Any] = {}
_SESSION: Any = None
_LEAN = False
_SPAN: Any = None

CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 4.0
MAX_ATTEMPTS = 2
"""One retry: a throttled source should answer "throttled" within its few-second deadline, not time out."""


def client(service: str, region: str | None = None) -> BaseClient:
    """The shared client for ``service`` in ``region`` (the session's default region when None)."""
    key = (service, region, _LEAN)
    found = _CLIENTS.get(key)
    if found is not None:
        return found
    with _LOCK:
        found = _CLIENTS.get(key)
        if found is None:
            found = (_lean_client(service, region) if _LEAN else None) or _new_client(service, region)
            _CLIENTS[key] = found
    return found


def configure(*, lean: bool, span: Any = None) -> None:
    """Whether clients created from now on are lean where they can be (settings ``lean_aws``), and how their
    calls are traced when tracing is on (``Telemetry.aws_span``; boto3 clients are traced by X-Ray's patch)."""
    global _LEAN, _SPAN
    _LEAN, _SPAN = lean, span


def _lean_client(service: str, region: str | None) -> Any:
    import os

    from bot.awshttp import LeanClient, lean_available

    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region or not lean_available(service, region):
        return None
    return LeanClient(
        service,
        region,
        lambda: _locked_new_client(service, region),
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        max_attempts=MAX_ATTEMPTS,
        span=_SPAN,
    )


def _locked_new_client(service: str, region: str) -> Any:
    """A lean client's boto3 fallback: created under the lock, as boto3 sessions are not thread-safe."""
    with _LOCK:
        return _new_client(service, region)


def _new_client(service: str, region: str | None) -> BaseClient:
    global _SESSION
    import boto3
    from botocore.config import Config

    if _SESSION is None:
        _SESSION = boto3.session.Session()
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        user_agent_extra="lookout",
    )
    return _SESSION.client(service, region_name=region, config=config)


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError``, else None — without importing botocore, whose
    exceptions module a cold start need not pay for on the happy path."""
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def reset() -> None:
    """Forget every cached client (tests that switch endpoints or credentials)."""
    global _SESSION
    with _LOCK:
        _CLIENTS.clear()
        _SESSION = None
