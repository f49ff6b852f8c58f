"""One keep-alive HTTP(S) connection per thread and host for the lean client, with botocore's failure
vocabulary (connect timeout, read timeout, connection error)."""

from __future__ import annotations

import http.client
import os
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable

_LOCAL = threading.local()
_SSL: Any = None


class TransportError(Exception):
    """A request that got no HTTP answer; raised to callers as botocore's exception for the same case (imported
    only then: botocore's exceptions module costs ~7 ms of a cold start)."""

    def __init__(self, kind: str, endpoint: str) -> None:
        super().__init__(f"{kind}: {endpoint}")
        self.kind, self.endpoint = kind, endpoint

    def as_botocore(self) -> Exception:
        from botocore import exceptions

        error = self.__cause__ or self
        if self.kind == "connect-timeout":
            return exceptions.ConnectTimeoutError(endpoint_url=self.endpoint, error=error)
        if self.kind == "read-timeout":
            return exceptions.ReadTimeoutError(endpoint_url=self.endpoint, error=error)
        return exceptions.EndpointConnectionError(endpoint_url=self.endpoint, error=error)


def _connection(scheme: str, netloc: str, timeout: float) -> http.client.HTTPConnection:
    pool: dict[tuple[str, str], http.client.HTTPConnection] = _LOCAL.__dict__.setdefault("pool", {})
    connection = pool.get((scheme, netloc))
    if connection is not None:
        return connection
    if scheme == "https":
        global _SSL
        if _SSL is None:
            import ssl

            _SSL = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE") or None)  # as botocore
        connection = http.client.HTTPSConnection(netloc, timeout=timeout, context=_SSL)
    else:
        connection = http.client.HTTPConnection(netloc, timeout=timeout)
    pool[(scheme, netloc)] = connection
    return connection


def _connect(connection: http.client.HTTPConnection, endpoint: str) -> None:
    try:
        connection.connect()
    except TimeoutError as exc:
        connection.close()
        raise TransportError("connect-timeout", endpoint) from exc
    except OSError as exc:
        connection.close()
        raise TransportError("connection", endpoint) from exc


def post(
    endpoint: str,
    path: str,
    body: bytes,
    signed: Callable[[str, str], dict[str, str]],
    timeouts: tuple[float, float],
) -> tuple[int, dict[str, str], bytes]:
    """POST ``body`` to ``endpoint`` + ``path`` with the headers ``signed(host, path)`` gives; (status, headers,
    body). A kept-alive connection the server had closed is retried once on a new one."""
    url = urlsplit(endpoint)
    full_path = (url.path.rstrip("/") + path) or "/"
    for may_retry_stale in (True, False):
        connection = _connection(url.scheme, url.netloc, timeouts[0])
        headers = signed(url.netloc, full_path)
        opened = connection.sock is None
        try:
            if opened:
                _connect(connection, endpoint)
            connection.sock.settimeout(timeouts[1])  # the pool is shared between clients
            connection.request("POST", full_path, body, headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
            connection.close()  # a kept-alive connection the server had closed: once more on a new one
            if opened or not may_retry_stale:
                raise TransportError("connection", endpoint) from exc
        except TimeoutError as exc:
            connection.close()
            raise TransportError("read-timeout", endpoint) from exc
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise TransportError("connection", endpoint) from exc
    raise AssertionError("unreachable")
