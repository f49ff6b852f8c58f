"""The record Lambda's on-failure destination keeps when an alarm's retries are exhausted."""

from __future__ import annotations

import json
from typing import Any


def failure_record(event: dict[str, Any]) -> str:
    """What Lambda's on-failure destination writes after the retries are exhausted."""
    return json.dumps(
        {
            "version": "1.0",
            "timestamp": "2026-11-26T08:00:00.000Z",
            "requestContext": {
                "requestId": "r-1",
                "functionArn": "arn:aws:lambda:us-east-1:111122223333:function:lookout-alarm:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": 3,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {
                "errorMessage": "Slack chat.postMessage failed: fatal_error",
                "errorType": "AlertsFailed",
            },
        }
    )
