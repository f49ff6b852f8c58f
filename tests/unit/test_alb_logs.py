"""ALB access-log entries (the ELB User Guide's examples) → alb_events rows; a log object announced by S3's
EventBridge event (the shape Powertools' parser documents) → rows in the data bucket, bad lines kept."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bot.analytics.access_logs import Attribution
from bot.analytics.alb_logs import NotAnEntry, access_event, fold_path, parse_entry, rows_of
from bot.analytics.alb_objects import AlbLogObjects, NotAnAlbLogEvent
from bot.config import Settings
from bot.observability import Telemetry

ENTRIES = json.loads((Path(__file__).parents[1] / "fixtures" / "aws" / "alb_access_log_entries.json").read_text())[
    "entries"
]


def test_the_guides_http_entry() -> None:
    row = access_event(parse_entry(ENTRIES[0]), Attribution(field="domain_name"))
    assert row == {
        "ts": "2018-07-02 22:23:00.186",
        "request_id": "Root=1-58337262-36d228ad5d99923122bbe354",
        "client_key": None,  # domain_name is "-" in this entry
        "method": "GET",
        "route": "/",  # the query string is not part of the route
        "status": 200,
        "latency_ms": 1.0,
        "bytes": 366,
        "day": "2018-07-02",
    }


def test_https_entry_attributed_by_domain_and_timed_from_three_parts() -> None:
    fields = parse_entry(ENTRIES[1])
    assert fields["ssl_protocol"] == "TLSv1.2" and fields["actions_executed"] == "authenticate,forward"
    row = access_event(fields, Attribution(field="domain_name"))
    assert row["client_key"] == "www.example.com" and row["latency_ms"] == pytest.approx(171.0)
    assert row["bytes"] == 57


def test_lambda_target_and_newer_fields_at_the_end() -> None:
    lam, newest = (parse_entry(e) for e in ENTRIES[2:4])
    assert lam["target"] == "-" and lam["target_ip"] == "-" and lam["client_ip"] == "192.168.131.39"
    assert newest["conn_trace_id"] == "TID_1234abcd5678ef90"  # fields added after 2018 are read by name
    assert access_event(newest, Attribution(field="client_ip"))["client_key"] == "192.168.131.39"


def test_a_request_that_never_completed_has_no_latency_and_path_attribution() -> None:
    row = access_event(parse_entry(ENTRIES[4]), Attribution(path_segment=2))
    assert row["latency_ms"] is None and row["status"] == 460 and row["bytes"] == 0
    assert row["client_key"] == "acme" and row["route"] == "/tenants/acme/orders/{id}"


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/orders/123", "/orders/{id}"),
        ("/users/3f2b8c1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f/cart", "/users/{id}/cart"),
        ("/blobs/deadbeefdeadbeefdeadbeef", "/blobs/{id}"),
        ("/v2/catalog", "/v2/catalog"),
        ("/", "/"),
    ],
)
def test_id_segments_fold_into_one_route(path: str, route: str) -> None:
    assert fold_path(path) == route


@pytest.mark.parametrize(
    "line",
    [
        "not an alb line",
        'http 2018-07-02T22:23:00.186641Z app/x 1.2.3.4:1 "unbalanced',
        ENTRIES[0].replace("2018-07-02T22:23:00.186641Z", "yesterday", 1),
    ],
)
def test_lines_that_are_not_entries_are_reported(line: str) -> None:
    rows, failed = rows_of(line + "\n" + ENTRIES[0], Attribution())
    assert len(rows) == 1 and failed[0][0] == line and failed[0][1]
    with pytest.raises(NotAnEntry):
        access_event(parse_entry(line), Attribution())


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
            s3, "data", Attribution(field="domain_name"), Telemetry(Settings.from_env(), quiet=True)
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
