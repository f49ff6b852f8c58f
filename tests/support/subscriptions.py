"""CloudWatch Logs subscription payloads: the CloudWatch Logs User Guide's sample (base64 of gzip, as Lambda and
Firehose receive it) and Lambda subscription events built from log lines."""

from __future__ import annotations

from typing import Any

from local.logs.subscription import lambda_event

DOCS_SUBSCRIPTION = (
    "H4sIAAAAAAAAAHWPwQqCQBCGX0Xm7EFtK+smZBEUgXoLCdMhFtKV3akI8d0bLYmibvPPN3wz00CJxmQnTO41whwWQRIctmEcB6sQbFC3CjW3XW8k"
    "xpOpP+OC22d1Wml1qZkQGtoMsScxaczKN3plG8zlaHIta5KqWsozoTYw3/djzwhpLwivWFGHGpAFe7DL68JlBUk+l7KSN7tCOEJ4M3/qOI49vMHj"
    "+zCKdlFqLaU2ZHV2a4Ct/an0/ivdX8oYc1UVX860fQDQiMdxRQEAAA=="
)


def subscription(
    group: str, messages: list[str], kind: str = "DATA_MESSAGE", start_ms: int = 1_795_700_000_000
) -> dict[str, Any]:
    lines = [(start_ms + i, m) for i, m in enumerate(messages)]
    return lambda_event(group, lines, kind=kind, stream="2026/11/26/[$LATEST]abc", filter_name="lookout-errors")
