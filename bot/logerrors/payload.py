"""CloudWatch Logs subscription deliveries to Lambda (``{"awslogs": {"data": <base64 gzip JSON>}}``) → the log
group, stream and events; control messages (sent when a subscription is created) carry no log lines.

Not Powertools' ``CloudWatchLogsEvent``: it inflates with ``zlib.decompress`` and no bound, so a payload that
inflates past the function's memory kills the invocation instead of failing with a reason; ``_inflated``
stops at ``MAX_INFLATED``. The shape read is the same (``logGroup``, ``logStream``, ``owner``, ``messageType``,
``logEvents``: CloudWatch Logs User Guide, "Subscription filters with AWS Lambda").

Not for: what to do with the lines (``bot.logerrors.kinds``).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass

MAX_INFLATED = 16 * 1024 * 1024
"""A CloudWatch Logs delivery is at most a few MB once inflated (an event is at most 256 KB, a batch at most
1 MB of them); a payload that inflates past this is refused before it can take the function's memory."""


class NotASubscriptionEvent(ValueError):
    """The event is not a CloudWatch Logs subscription delivery, or its payload cannot be read."""


@dataclass(frozen=True)
class LogEvent:
    id: str
    timestamp_ms: int
    message: str


@dataclass(frozen=True)
class Batch:
    group: str
    stream: str
    owner: str
    events: tuple[LogEvent, ...]
    control: bool = False


def decode(event: object) -> Batch:
    data = (event.get("awslogs") or {}).get("data") if isinstance(event, dict) else None
    if not isinstance(data, str):
        raise NotASubscriptionEvent("expected {'awslogs': {'data': …}} from a CloudWatch Logs subscription")
    try:
        document = json.loads(_inflated(base64.b64decode(data, validate=True)))
    except (binascii.Error, OSError, EOFError, ValueError, zlib.error) as error:
        raise NotASubscriptionEvent(f"the payload is not base64 gzip JSON: {error}") from None
    if not isinstance(document, dict):
        raise NotASubscriptionEvent("the payload is not a JSON object")
    control = document.get("messageType") == "CONTROL_MESSAGE"
    events = tuple(
        LogEvent(str(e.get("id", "")), int(e.get("timestamp") or 0), str(e.get("message", "")))
        for e in document.get("logEvents") or []
        if isinstance(e, dict)
    )
    return Batch(
        str(document.get("logGroup", "")),
        str(document.get("logStream", "")),
        str(document.get("owner", "")),
        () if control else events,
        control,
    )


def _inflated(compressed: bytes, limit: int = MAX_INFLATED) -> bytes:
    """gzip data inflated, never past ``limit`` bytes (a gzip bomb is refused, not unpacked)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip framing
    data = inflater.decompress(compressed, limit + 1)
    if len(data) > limit or inflater.unconsumed_tail:
        raise ValueError(f"it inflates past {limit // (1024 * 1024)} MB, more than CloudWatch Logs ever sends")
    if not inflater.eof:
        raise ValueError("the gzip data ends early")
    return data
