"""``LeanClient``: the operations of :mod:`bot.awshttp.operations` over SigV4 + ``http.client``; anything else
through the boto3 client it falls back to.

It reads what the AWS SDKs read from the environment — the credentials Lambda puts there and
``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` — so local emulation works as it does with boto3.
Retries follow botocore's *standard* mode (throttling, transient codes, 5xx and connection errors; jittered
exponential backoff) without its retry quota. One keep-alive connection per thread and host.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import random
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from bot.awshttp.operations import (
    INVOKE_HEADERS,
    INVOKE_OUTPUT_HEADERS,
    SERVICES,
    Operation,
    Service,
    snake_to_operation,
)
from bot.awshttp.signing import Credentials, sign

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from botocore.exceptions import ClientError

THROTTLING = frozenset(
    [
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
    ]
)
TRANSIENT = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
USER_AGENT = "lookout/0.1 (awshttp)"

_LOCAL = threading.local()
_SSL: Any = None


def lean_available(service: str) -> bool:
    """Whether ``service`` can be reached without boto3 in this environment."""
    env = os.environ
    return (
        service in SERVICES
        and Credentials.from_env() is not None
        and not any(
            env.get(v, "").lower() == "true" for v in ("AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT")
        )
    )


def endpoint_for(service: Service, region: str) -> str:
    env = os.environ
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() != "true":
        url = env.get(f"AWS_ENDPOINT_URL_{service.service_id}") or env.get("AWS_ENDPOINT_URL")
        if url:
            return url.rstrip("/")
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{service.endpoint_prefix}.{region}.{suffix}"


class LeanClient:
    """Quacks like the boto3 client of ``service`` for the listed operations; other attributes are the boto3
    client's (created by ``fallback`` on first use)."""

    def __init__(
        self,
        service: str,
        region: str,
        fallback: Callable[[], Any],
        *,
        credentials: Credentials | None = None,
        connect_timeout: float = 2.0,
        read_timeout: float = 4.0,
        max_attempts: int = 2,
        span: Callable[[str, str, str], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self._service = SERVICES[service]
        self._region = region
        self._fallback_factory = fallback
        self._fallback: Any = None
        self._credentials = credentials or Credentials.from_env()
        self._endpoint = endpoint_for(self._service, region)
        self._timeouts = (connect_timeout, read_timeout)
        self._max_attempts = max_attempts
        self._span = span

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        operation = snake_to_operation(name)
        if operation in self._service.operations and self._credentials is not None:
            return lambda **params: self._call(operation, params)
        if self._fallback is None:
            self._fallback = self._fallback_factory()
        return getattr(self._fallback, name)

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "Invoke" and "Qualifier" in params:
            return self._fallback_client().invoke(**params)
        if self._span is None:
            return self._attempts(operation, params)
        with self._span(self._service.endpoint_prefix, operation, self._region):  # as X-Ray's botocore patch would
            return self._attempts(operation, params)

    def _attempts(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        spec = self._service.operations[operation]
        path, headers, body = self._request(operation, spec, params)
        attempt = 0
        while True:
            attempt += 1
            try:
                status, response_headers, data = self._send(path, headers, body)
                if status < 300:
                    return self._parse(operation, spec, status, response_headers, data, attempt)
                error = _client_error(operation, status, response_headers, data, attempt)
                if attempt >= self._max_attempts or not _retryable(error, status):
                    raise error
            except TransportError as exc:
                if attempt >= self._max_attempts:
                    raise exc.as_botocore() from exc.__cause__
            time.sleep(random.random() * min(20.0, 2.0 ** (attempt - 1)))

    def _fallback_client(self) -> Any:
        if self._fallback is None:
            self._fallback = self._fallback_factory()
        return self._fallback

    def _request(
        self, operation: str, spec: Operation, params: dict[str, Any]
    ) -> tuple[str, dict[str, str], bytes]:
        headers = {"User-Agent": USER_AGENT}
        if operation == "Invoke":
            params = dict(params)
            payload = params.pop("Payload", b"")
            for name, header in INVOKE_HEADERS.items():
                if name in params and header:
                    headers[header] = str(params.pop(name))
            path = spec.path.format(FunctionName=quote(str(params.pop("FunctionName")), safe="-_.~"))
            return path, headers, payload.encode() if isinstance(payload, str) else bytes(payload)
        body = json.dumps(params, default=_json_value, separators=(",", ":")).encode()
        if self._service.target_prefix:
            headers["Content-Type"] = f"application/x-amz-json-{self._service.json_version}"
            headers["X-Amz-Target"] = f"{self._service.target_prefix}.{operation}"
        else:
            headers["Content-Type"] = "application/json"
        return spec.path, headers, body

    def _send(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(self._endpoint)
        full_path = (url.path.rstrip("/") + path) or "/"
        for may_retry_stale in (True, False):
            connection = _connection(url.scheme, url.netloc, self._timeouts[0])
            signed = sign(
                self._credentials,  # type: ignore[arg-type]  # checked in __getattr__
                method="POST",
                host=url.netloc,
                path=full_path,
                headers=headers,
                body=body,
                region=self._region,
                service=self._service.signing_name,
            )
            opened = connection.sock is None
            try:
                if opened:
                    _connect(connection, self._endpoint)
                connection.sock.settimeout(self._timeouts[1])  # the pool is shared between clients
                connection.request("POST", full_path, body, signed)
                response = connection.getresponse()
                data = response.read()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                connection.close()  # a kept-alive connection the server had closed: once more on a new one
                if opened or not may_retry_stale:
                    raise TransportError("connection", self._endpoint) from exc
            except TimeoutError as exc:
                connection.close()
                raise TransportError("read-timeout", self._endpoint) from exc
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                raise TransportError("connection", self._endpoint) from exc
        raise AssertionError("unreachable")

    def _parse(
        self, operation: str, spec: Operation, status: int, headers: dict[str, str], data: bytes, attempt: int
    ) -> dict[str, Any]:
        metadata = {
            "RequestId": headers.get("x-amzn-requestid", ""),
            "HTTPStatusCode": status,
            "HTTPHeaders": headers,
            "RetryAttempts": attempt - 1,
        }
        if operation == "Invoke":
            result: dict[str, Any] = {"StatusCode": status, "Payload": io.BytesIO(data)}
            result.update(
                {k: headers[h.lower()] for k, h in INVOKE_OUTPUT_HEADERS.items() if h.lower() in headers}
            )
            return {**result, "ResponseMetadata": metadata}
        result = _without_nulls(json.loads(data)) if data.strip() else {}
        for member in spec.timestamps:
            _convert(result, member.split("."), _timestamp)
        for member in spec.blobs:
            _convert(result, member.split("."), base64.b64decode)
        return {**result, "ResponseMetadata": metadata}


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

            _SSL = ssl.create_default_context()
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


def _client_error(operation: str, status: int, headers: dict[str, str], data: bytes, attempt: int) -> ClientError:
    from botocore.exceptions import ClientError

    try:
        body = json.loads(data) if data.strip() else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = str(
        headers.get("x-amzn-query-error", "").split(";")[0]
        or body.get("__type")
        or body.get("code")
        or headers.get("x-amzn-errortype")
        or status
    )
    code = code.rsplit("#", 1)[-1].split(":", 1)[0]
    message = str(body.get("message") or body.get("Message") or "")
    metadata = {
        "RequestId": headers.get("x-amzn-requestid", ""),
        "HTTPStatusCode": status,
        "RetryAttempts": attempt - 1,
    }
    response: Any = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": metadata}
    return ClientError(response, operation)


def _retryable(error: ClientError, status: int) -> bool:
    code = error.response["Error"]["Code"]
    return code in THROTTLING or code in TRANSIENT or status in TRANSIENT_STATUS


def _json_value(value: Any) -> Any:
    """What botocore's JSON serializers send for values JSON has no type for."""
    if isinstance(value, datetime):
        stamp = value.timestamp() if value.tzinfo else value.replace(tzinfo=UTC).timestamp()
        return int(stamp) if stamp == int(stamp) else stamp
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot send {type(value).__name__} to AWS")


def _without_nulls(value: Any) -> Any:
    """botocore's parsers leave out members that came back as JSON null."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _timestamp(value: Any) -> Any:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _convert(node: Any, path: list[str], convert: Callable[[Any], Any]) -> None:
    """Replace, in place, the values ``path`` names inside ``node`` (``name[]`` walks every item of a list)."""
    if not path or not isinstance(node, dict):
        return
    head, rest = path[0], path[1:]
    key, many = (head[:-2], True) if head.endswith("[]") else (head, False)
    if key not in node or node[key] is None:
        return
    if many:
        items = node[key]
        if not isinstance(items, list):
            return
        if rest:
            for item in items:
                _convert(item, rest, convert)
        else:
            node[key] = [convert(item) for item in items]
    elif rest:
        _convert(node[key], rest, convert)
    else:
        node[key] = convert(node[key])
