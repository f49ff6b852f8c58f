"""``LeanClient``: the operations of :mod:`bot.awshttp.operations` over SigV4 + ``http.client``; anything else
through the boto3 client it falls back to.

It reads what the AWS SDKs read from the environment — the credentials Lambda puts there and
``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` — so local emulation works as it does with boto3.
Retries follow botocore's *standard* mode (throttling, transient codes, 5xx and connection errors; jittered
exponential backoff) without its retry quota. One keep-alive connection per thread and host.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bot.awshttp.operations import (
    INVOKE_HEADERS,
    INVOKE_OUTPUT_HEADERS,
    SERVICES,
    Operation,
    Service,
    snake_to_operation,
)
from bot.awshttp.shapes import client_error, convert_members, json_value, retryable, timestamp, without_nulls
from bot.awshttp.signing import Credentials, sign
from bot.awshttp.transport import TransportError, post

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

USER_AGENT = "lookout/0.1 (awshttp)"
ISOLATED_PREFIXES = ("us-iso", "eu-iso")
"""Regions of partitions with endpoint domains of their own (botocore knows them)."""


def lean_available(service: str, region: str = "us-east-1") -> bool:
    """Whether ``service`` can be reached without boto3 in this environment (credentials in the environment;
    the aws, aws-cn or aws-us-gov partition; no FIPS or dual-stack endpoints, no proxy: those are botocore's)."""
    env = os.environ
    return (
        service in SERVICES
        and not region.startswith(ISOLATED_PREFIXES)
        and Credentials.from_env() is not None
        and not any(
            env.get(v, "").lower() == "true" for v in ("AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT")
        )
        and not any(env.get(v) for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"))
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
        self._fallback_lock = threading.Lock()
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
        return getattr(self._fallback_client(), name)

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
                error = client_error(operation, status, response_headers, data, attempt)
                if attempt >= self._max_attempts or not retryable(error, status):
                    raise error
            except TransportError as exc:
                if attempt >= self._max_attempts:
                    raise exc.as_botocore() from exc.__cause__
            time.sleep(random.random() * min(20.0, 2.0 ** (attempt - 1)))

    def _fallback_client(self) -> Any:
        with self._fallback_lock:
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
        body = json.dumps(params, default=json_value, separators=(",", ":")).encode()
        if self._service.target_prefix:
            headers["Content-Type"] = f"application/x-amz-json-{self._service.json_version}"
            headers["X-Amz-Target"] = f"{self._service.target_prefix}.{operation}"
        else:
            headers["Content-Type"] = "application/json"
        return spec.path, headers, body

    def _send(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        def signed(host: str, full_path: str) -> dict[str, str]:
            return sign(
                self._credentials,  # type: ignore[arg-type]  # checked in __getattr__
                method="POST",
                host=host,
                path=full_path,
                headers=headers,
                body=body,
                region=self._region,
                service=self._service.signing_name,
            )

        return post(self._endpoint, path, body, signed, self._timeouts)

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
        result = without_nulls(json.loads(data)) if data.strip() else {}
        for member in spec.timestamps:
            convert_members(result, member.split("."), timestamp)
        for member in spec.blobs:
            convert_members(result, member.split("."), base64.b64decode)
        return {**result, "ResponseMetadata": metadata}
