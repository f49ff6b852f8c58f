"""The embedded access-events pipeline: subscription payloads → Firehose's documented processing (decompression;
message extraction: a CloudWatch Logs batch is one record of its messages, a line each) → the real transform → record format conversion to Parquet with the Glue table's schema → moto's Firehose → S3 under the
table's day partitions."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from moto import mock_aws

from bot.analytics.access_logs import Attribution
from local.logs.firehose import deliver, subscription_payloads
from local.scenario.tables import template_tables
from tests.support.access_logs import line

if TYPE_CHECKING:
    from pathlib import Path

COLUMNS = [(c["Name"], c["Type"]) for c in template_tables()["access_events"]["StorageDescriptor"]["Columns"]]


def test_batches_are_routed_to_their_day_and_control_messages_dropped(tmp_path: Path) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="data")
        # GIVEN three CloudWatch Logs batches (two lines on one day, one the next day, one line that is not an
        # access-log line) and a control message
        day_one = [(1795600000123, json.dumps(line())), (1795600000200, json.dumps(line(requestId="r1b")))]
        day_two = [(1795700000000, json.dumps(line(requestTimeEpoch="1795700000000", requestId="r2")))]
        other = [(1795700000001, "not an access-log line")]
        payloads = [p for batch in (day_one, day_two, other) for p in subscription_payloads("/aws/apigw", batch)]
        control = {"messageType": "CONTROL_MESSAGE", "logEvents": []}
        payloads.append(base64.b64encode(gzip.compress(json.dumps(control).encode())).decode())
        # WHEN they go through Firehose's processing (a batch is one record, its messages a line each)
        firehose = boto3.client("firehose", region_name="us-east-1")
        counts = deliver(payloads, firehose, "arn:aws:s3:::data", Attribution(), COLUMNS)
        # THEN the lines of the two batches are rows under their day, the foreign line is not
        assert counts == {"Ok": 3, "ProcessingFailed": 1}
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="data")["Contents"])
        assert [k.split("/")[1] for k in keys] == ["day=2026-11-25", "day=2026-11-26"]
        rows = [parquet_rows(s3.get_object(Bucket="data", Key=k)["Body"].read(), tmp_path) for k in keys]
        assert [[r["request_id"] for r in day] for day in rows] == [
            ["c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "r1b"],
            ["r2"],
        ]
        first = rows[0][0]
        assert first["ts"] == datetime(2026, 11, 25, 9, 46, 40, 123000)  # 1795600000123 ms: a timestamp, not text
        assert isinstance(first["status"], int) and isinstance(first["latency_ms"], float)


def parquet_rows(body: bytes, folder: Path) -> list[dict[str, Any]]:
    import duckdb

    path = folder / "object.parquet"
    path.write_bytes(body)
    assert body[:4] == b"PAR1"  # one object is one Parquet file
    cursor = duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
