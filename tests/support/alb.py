"""ALB access-log entries (the ELB User Guide's examples, ``tests/fixtures/aws/alb_access_log_entries.json``) and
S3's EventBridge "Object Created" event that announces a log object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ENTRIES = json.loads((Path(__file__).parents[1] / "fixtures" / "aws" / "alb_access_log_entries.json").read_text())[
    "entries"
]


def object_created(bucket: str, key: str) -> dict[str, Any]:
    """S3 → EventBridge "Object Created" (the example in Powertools' S3EventNotificationEventBridge schema)."""
    return {
        "version": "0",
        "id": "f5f1e65c-dc3a-93ca-6c1e-b1647eac7963",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2023-03-08T17:50:14Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": key,
                "size": 184662,
                "etag": "4e68adba0abe2dc8653dc3354e14c01d",
                "sequencer": "006408CAD69598B05E",
            },
            "request-id": "57H08PA84AB1JZW0",
            "requester": "123456789012",
            "source-ip-address": "34.252.34.74",
            "reason": "PutObject",
        },
    }
