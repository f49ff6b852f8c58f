"""The embedded access-events pipeline: subscription payloads → Firehose's documented processing → the real
transform → moto's Firehose → S3 under the table's day partitions."""

from __future__ import annotations

import base64
import gzip
import json

import boto3
from moto import mock_aws

from bot.analytics.access_logs import Attribution
from local.firehose_path import deliver, subscription_payloads
from tests.unit.test_access_logs import line


def test_lines_are_routed_to_their_day_and_control_messages_dropped() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="data")
        lines = [
            (1795600000123, json.dumps(line())),
            (1795700000000, json.dumps(line(requestTimeEpoch="1795700000000", requestId="r2"))),
            (1795700000001, "not an access-log line"),
        ]
        payloads = subscription_payloads("/aws/apigateway/orders", lines, per_payload=2)
        control = {"messageType": "CONTROL_MESSAGE", "logEvents": []}
        payloads.append(base64.b64encode(gzip.compress(json.dumps(control).encode())).decode())
        counts = deliver(
            payloads, boto3.client("firehose", region_name="us-east-1"), "arn:aws:s3:::data", Attribution()
        )
        assert counts == {"Ok": 2, "ProcessingFailed": 1}
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="data")["Contents"])
        assert [k.split("/")[1] for k in keys] == ["day=2026-11-25", "day=2026-11-26"]
        rows = [json.loads(s3.get_object(Bucket="data", Key=k)["Body"].read()) for k in keys]
        assert [r["request_id"] for r in rows] == ["c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "r2"]
