"""API Gateway access-log lines in Lookout's documented JSON format (``ACCESS_LOG_FORMAT``)."""

from __future__ import annotations

from typing import Any


def line(**overrides: Any) -> dict[str, Any]:
    """A REST API stage's line in ACCESS_LOG_FORMAT: API Gateway logs every variable as a string, "-" when absent."""
    values = {
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "requestTimeEpoch": "1795600000123",
        "httpMethod": "POST",
        "routeKey": "-",
        "resourcePath": "/orders",
        "path": "/prod/orders",
        "status": "502",
        "responseLatency": "1532",
        "responseLength": "187",
        "sourceIp": "198.51.100.7",
        "apiKeyId": "-",
        "principalId": "user-42",
        "clientKey": "acme",
    }
    values.update(overrides)
    return values
