"""The one boto3 client factory: explicit connect/read timeouts, botocore's standard retry mode, and
``AWS_ENDPOINT_URL`` (or ``AWS_ENDPOINT_URL_<SERVICE>``) honoured by botocore itself.

Handlers build a :class:`Clients` at init — once per container, which is what a SnapStart snapshot keeps —
and inject it (or single clients from it) into the library. Nothing here creates a client at import time.
Not for: retry policy of Slack calls (``bot.slack.transport``) or anything that is not an AWS client.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 4.0
MAX_POOL_CONNECTIONS = 32
"""Connections a client keeps per endpoint (botocore's default is 10): the log-error forwarder records 16 kinds
at once while up to 8 deliveries each claim and post, and a thread beyond the pool would open and drop a
connection — a TLS handshake — per call."""
MAX_ATTEMPTS = 2
"""Attempts in all, so one retry: a throttled source should answer "throttled" within its few-second
deadline, not time out (botocore's ``total_max_attempts``; its ``max_attempts`` counts retries only)."""


def new_client(
    service: str, region: str | None = None, *, session: Any = None, read_timeout: float = READ_TIMEOUT_S
) -> Any:
    """A boto3 client with Lookout's timeouts and retries (``session``: a ``boto3.session.Session``)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        max_pool_connections=MAX_POOL_CONNECTIONS,
        user_agent_extra="lookout",
    )
    factory: Any = session or boto3.session.Session()
    return factory.client(service, region_name=region, config=config)


class Clients:
    """Clients of one container, by (service, region): built once, under a lock (boto3 sessions are not
    thread-safe). ``warm(...)`` builds the ones a hot path needs at init; enrichment of an alarm in another
    region builds that region's client on first use."""

    def __init__(self, region: str | None = None, *, session: Any = None) -> None:
        self.region = region
        self._session = session
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str | None], Any] = {}

    def __call__(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        found = self._clients.get(key)
        if found is None:
            with self._lock:
                found = self._clients.get(key)
                if found is None:
                    if self._session is None:
                        import boto3

                        self._session = boto3.session.Session()
                    found = new_client(service, key[1], session=self._session)
                    self._clients[key] = found
        return found

    def lazy(self, service: str) -> Any:
        """A stand-in for ``self(service)`` that builds the client on its first call: for clients a path may
        never need (the Slack function's ack uses neither Logs nor Athena), kept out of the init phase."""
        return _LazyClient(self, service)

    def warm(self, services: Iterable[str]) -> Clients:
        """Build the clients of ``services`` in the default region now (the handlers' init phase)."""
        for service in services:
            self(service)
        return self

    def close(self) -> None:
        """Drop pooled connections (after a SnapStart restore they point at sockets that no longer exist)."""
        with self._lock:
            for client in self._clients.values():
                client.close()


class _LazyClient:
    def __init__(self, clients: Clients, service: str) -> None:
        self._clients = clients
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(self._clients(self._service), name)


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError``, else None."""
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None
