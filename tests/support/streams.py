"""DynamoDB stream records of the configuration table in the Developer Guide's shape: field mappings as stream
images, inserts, modifies, removes and TTL deletes."""

from __future__ import annotations

from typing import Any


def record(
    name: str, new: dict[str, Any] | None, old: dict[str, Any] | None = None, ttl: bool = False, seq: str = "1"
) -> dict[str, Any]:
    stream: dict[str, Any] = {
        "ApproximateCreationDateTime": 1795600000,
        "Keys": {"tenant": {"S": "acme"}, "mappingId": {"S": "m-01"}},
        "SequenceNumber": seq,
        "SizeBytes": 120,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        stream["NewImage"] = new
    if old is not None:
        stream["OldImage"] = old
    out = {
        "eventID": seq,
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": stream,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/config/stream/2026-11-01T00:00:00.000",
    }
    if ttl:
        out["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    return out


def image(*fields: tuple[str, int]) -> dict[str, Any]:
    return {
        "tenant": {"S": "acme"},
        "mappingId": {"S": "m-01"},
        "fields": {"L": [{"M": {"fieldId": {"S": f}, "uses": {"N": str(n)}}} for f, n in fields]},
    }
