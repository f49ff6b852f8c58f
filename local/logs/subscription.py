"""Log lines as CloudWatch Logs delivers them to a subscription (a Lambda function, or Firehose): base64 gzip
JSON documents — ``DATA_MESSAGE`` with the events, or the ``CONTROL_MESSAGE`` sent when a subscription is
created — in the shape of the CloudWatch Logs documentation's examples."""

from __future__ import annotations

import base64
import gzip
import json


def subscription_payloads(
    group: str,
    lines: list[tuple[int, str]],
    per_payload: int = 50,
    *,
    stream: str = "api-stage-access",
    kind: str = "DATA_MESSAGE",
    owner: str = "123456789012",
    filter_name: str = "lookout",
) -> list[str]:
    """Lines ``(timestamp ms, message)`` in documents of up to ``per_payload`` events (one, empty, for none)."""
    payloads = []
    for start in range(0, max(1, len(lines)), per_payload):
        document = {
            "messageType": kind,
            "owner": owner,
            "logGroup": group,
            "logStream": stream,
            "subscriptionFilters": [filter_name],
            "logEvents": [
                {"id": f"{start + i}", "timestamp": ts, "message": message}
                for i, (ts, message) in enumerate(lines[start : start + per_payload])
            ],
        }
        payloads.append(base64.b64encode(gzip.compress(json.dumps(document).encode())).decode())
    return payloads


def lambda_event(group: str, lines: list[tuple[int, str]], **options: str) -> dict[str, dict[str, str]]:
    """One delivery to a Lambda function: ``{"awslogs": {"data": …}}`` with all the lines."""
    (data,) = subscription_payloads(group, lines, max(1, len(lines)), **options)
    return {"awslogs": {"data": data}}
