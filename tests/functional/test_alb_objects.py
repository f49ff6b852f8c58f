"""A log object announced by S3's EventBridge event (the shape Powertools' parser documents) → alb_events rows
in the data bucket (moto's S3) per day, idempotently, bad lines kept."""

from __future__ import annotations

import gzip
import json

import boto3
import pytest
from moto import mock_aws

from bot.analytics.access_logs import Attribution
from bot.analytics.alb_objects import AlbLogObjects, NotAnAlbLogEvent
from bot.analytics.sink import DataBucket
from bot.config import Settings
from bot.observability import Telemetry
from tests.support.alb import ENTRIES, object_created


def test_a_log_object_lands_per_day_idempotently_and_keeps_bad_lines() -> None:
    key = (
        "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2018/07/02/"
        "123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20180702T2220Z_10.0.0.1_x.log.gz"
    )
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in ("alb-logs", "data"):
            s3.create_bucket(Bucket=bucket)
        body = "\n".join([*ENTRIES, "garbage line"]) + "\n"
        s3.put_object(Bucket="alb-logs", Key=key, Body=gzip.compress(body.encode()))
        objects = AlbLogObjects(
            DataBucket(s3, "data"), Attribution(field="domain_name"), Telemetry(Settings.from_env(), quiet=True)
        )
        first = objects.handle(object_created("alb-logs", key))
        again = objects.handle(object_created("alb-logs", key))  # EventBridge delivers at least once
        assert first == again and (first["rows"], first["unreadable"]) == (5, 1)
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="data")["Contents"])
        name = key.rsplit("/", 1)[1].removesuffix(".log.gz")
        assert keys == [
            f"alb_events/day=2018-07-02/{name}.json",
            f"alb_events/day=2018-11-30/{name}.json",
            f"alb_events_errors/{name}.log",
        ]
        rows = s3.get_object(Bucket="data", Key=keys[0])["Body"].read().decode().splitlines()
        assert len(rows) == 4 and all("day" not in json.loads(r) for r in rows)
        assert s3.get_object(Bucket="data", Key=keys[2])["Body"].read() == b"garbage line\n"
        with pytest.raises(NotAnAlbLogEvent):
            objects.handle({"source": "aws.s3", "detail-type": "Object Deleted", "detail": {}})
