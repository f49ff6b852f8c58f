"""AWS Signature Version 4 for JSON requests (hashlib + hmac).

Why not ``botocore.auth.SigV4Auth``: importing it loads most of botocore (~90 ms of a cold start); the
algorithm is a dozen lines. ``tests/unit/test_awshttp.py`` checks the result against botocore's signer.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

UNSIGNED = frozenset(
    [
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    ]
)
"""Headers botocore leaves out of signatures (proxies and tracers may change them on the way)."""


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None

    @classmethod
    def from_env(cls) -> Credentials | None:
        """The credentials Lambda puts in the environment, or None (boto3's chain then decides)."""
        key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
        if not key or not secret:
            return None
        return cls(key, secret, os.environ.get("AWS_SESSION_TOKEN") or None)


def sign(
    credentials: Credentials,
    *,
    method: str,
    host: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    region: str,
    service: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """``headers`` plus ``Host``, ``X-Amz-Date``, the session token and ``Authorization``."""
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    day = moment[:8]
    signed = {**headers, "Host": host, "X-Amz-Date": moment}
    if credentials.token:
        signed["X-Amz-Security-Token"] = credentials.token
    canonical = {
        name.lower(): " ".join(str(value).split())
        for name, value in signed.items()
        if name.lower() not in UNSIGNED
    }
    names = ";".join(sorted(canonical))
    request = "\n".join(
        [
            method,
            quote(
                path, safe="/~"
            ),  # non-S3 services sign the encoded path encoded once more (ours: no dot segments)
            "",
            "".join(f"{name}:{canonical[name]}\n" for name in sorted(canonical)),
            names,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{moment}\n{scope}\n{hashlib.sha256(request.encode()).hexdigest()}"
    key = f"AWS4{credentials.secret_key}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    credential = f"Credential={credentials.access_key}/{scope}"
    signed["Authorization"] = f"AWS4-HMAC-SHA256 {credential}, SignedHeaders={names}, Signature={signature}"
    return signed
