"""What goes over the wire and back for the lean client, shaped as botocore shapes it: request values
(timestamps as epoch seconds, bytes as base64), responses (timestamps as ``datetime``, nulls dropped) and
errors (botocore's ``ClientError``, imported only when one is raised), and which errors are retried."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

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


def client_error(operation: str, status: int, headers: dict[str, str], data: bytes, attempt: int) -> ClientError:
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


def retryable(error: ClientError, status: int) -> bool:
    code = error.response["Error"]["Code"]
    return code in THROTTLING or code in TRANSIENT or status in TRANSIENT_STATUS


def json_value(value: Any) -> Any:
    """What botocore's JSON serializers send for values JSON has no type for."""
    if isinstance(value, datetime):
        stamp = value.timestamp() if value.tzinfo else value.replace(tzinfo=UTC).timestamp()
        return int(stamp) if stamp == int(stamp) else stamp
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot send {type(value).__name__} to AWS")


def without_nulls(value: Any) -> Any:
    """botocore's parsers leave out members that came back as JSON null."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def timestamp(value: Any) -> Any:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def convert_members(node: Any, path: list[str], change: Callable[[Any], Any]) -> None:
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
                convert_members(item, rest, change)
        else:
            node[key] = [change(item) for item in items]
    elif rest:
        convert_members(node[key], rest, change)
    else:
        node[key] = change(node[key])
