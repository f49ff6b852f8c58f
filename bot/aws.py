"""Cached boto3 client factory with explicit timeouts and retry modes.

Clients are created lazily (never at import), once per (service, region), under a lock because creating
clients from one session is not thread-safe. botocore honours ``AWS_ENDPOINT_URL`` for local emulation.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.client import BaseClient

_LOCK = threading.Lock()
_CLIENTS: dict[tuple[str, str | None], Any] = {}
_SESSION: Any = None

CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 4.0
MAX_ATTEMPTS = 2
"""One retry: a throttled source should answer "throttled" within its few-second deadline, not time out."""


def client(service: str, region: str | None = None) -> BaseClient:
    """The shared client for ``service`` in ``region`` (the session's default region when None)."""
    key = (service, region)
    found = _CLIENTS.get(key)
    if found is not None:
        return found
    with _LOCK:
        found = _CLIENTS.get(key)
        if found is None:
            found = _new_client(service, region)
            _CLIENTS[key] = found
    return found


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


def reset() -> None:
    """Forget every cached client (tests that switch endpoints or credentials)."""
    global _SESSION
    with _LOCK:
        _CLIENTS.clear()
        _SESSION = None
