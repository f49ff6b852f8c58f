"""The Firehose transform for API Gateway access logs, on real shapes: Firehose's transformation event
(awslabs/aws-lambda-rust-runtime example-kinesis-firehose-event.json @ 4c4e5fa), the CloudWatch Logs
subscription payload of the CloudWatch Logs User Guide (the Rust runtime's example-cloudwatch_logs-event.json),
access-log lines in the documented JSON format (``ACCESS_LOG_FORMAT``) with API Gateway's values, records as
Firehose's message extraction delivers a CloudWatch Logs batch (the Firehose Developer Guide's "Message
extraction": the batch's messages, one per line), and real lines of other formats
(tests/fixtures/aws/apigateway_foreign_access_log_lines.json)."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from bot.analytics.access_logs import ACCESS_LOG_FORMAT, Attribution, access_event, load_attribution, transform
from tests.support.access_logs import line
from tests.support.subscriptions import DOCS_SUBSCRIPTION


def firehose(*payloads: bytes) -> dict[str, Any]:
    return {
        "invocationId": "invoked123",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/lookout-access-events",
        "region": "us-east-1",
        "records": [
            {
                "data": base64.b64encode(p).decode(),
                "recordId": f"record{i}",
                "approximateArrivalTimestamp": 1795600000500,
            }
            for i, p in enumerate(payloads, 1)
        ],
    }


def decoded(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(text) for text in base64.b64decode(answer["data"]).decode().splitlines()]


def test_the_documented_format_names_every_field_the_transform_reads() -> None:
    assert set(json.loads(ACCESS_LOG_FORMAT)) == set(line())


def test_a_line_becomes_an_access_event_with_its_day_partition() -> None:
    answer, failures = transform(firehose(json.dumps(line()).encode()), Attribution())
    (record,) = answer["records"]
    assert failures == [] and record["result"] == "Ok" and record["recordId"] == "record1"
    assert record["metadata"] == {"partitionKeys": {"day": "2026-11-25"}}
    assert decoded(record) == [
        {
            "ts": "2026-11-25 09:46:40.123",
            "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "client_key": "acme",
            "method": "POST",
            "route": "/orders",
            "status": 502,
            "latency_ms": 1532.0,
            "bytes": 187,
        }
    ]


def test_http_api_route_keys_and_absent_values() -> None:
    row = access_event(
        line(routeKey="GET /orders/{id}", resourcePath="-", responseLength="-", clientKey="-"), Attribution()
    )
    assert (row["route"], row["bytes"], row["client_key"]) == ("/orders/{id}", None, None)  # "-": not known


@pytest.mark.parametrize(
    ("attribution", "customer"),
    [
        (Attribution(field="principalId"), "user-42"),
        (Attribution(path_segment=2), "orders"),
        (Attribution(path_segment=9), None),
    ],
)
def test_attribution_from_a_field_or_a_path_segment(attribution: Attribution, customer: str | None) -> None:
    assert access_event(line(), attribution)["client_key"] == customer


def test_the_docs_subscription_payload_is_not_access_logs_and_is_kept_as_failed() -> None:
    answer, failures = transform(firehose(base64.b64decode(DOCS_SUBSCRIPTION)), Attribution())
    assert answer["records"][0]["result"] == "ProcessingFailed"  # "[ERROR] First test message" is not JSON
    assert answer["records"][0]["data"] == base64.b64encode(base64.b64decode(DOCS_SUBSCRIPTION)).decode()
    assert failures and failures[0][0] == "record1"


def gzipped(*events: dict[str, Any], kind: str = "DATA_MESSAGE") -> bytes:
    return gzip.compress(
        json.dumps(
            {
                "messageType": kind,
                "owner": "123456789012",
                "logGroup": "/aws/apigateway/orders",
                "logStream": "s",
                "subscriptionFilters": ["lookout"],
                "logEvents": list(events),
            }
        ).encode()
    )


def test_without_firehose_decompression_the_payload_is_read_and_control_messages_dropped() -> None:
    same_day = gzipped(
        {"id": "1", "timestamp": 1, "message": json.dumps(line())},
        {"id": "2", "timestamp": 2, "message": json.dumps(line(requestId="r2"))},
    )
    two_days = gzipped(
        {"id": "1", "timestamp": 1, "message": json.dumps(line())},
        {"id": "2", "timestamp": 2, "message": json.dumps(line(requestTimeEpoch="1795700000000"))},
    )
    control = gzipped(kind="CONTROL_MESSAGE")
    answer, failures = transform(firehose(same_day, two_days, control), Attribution())
    assert [r["result"] for r in answer["records"]] == ["Ok", "Ok", "Dropped"] and failures == []
    assert len(decoded(answer["records"][0])) == 2
    assert answer["records"][1]["metadata"] == {"partitionKeys": {"day": "2026-11-26"}}  # its latest line's day


def test_the_attribution_setting_is_validated(tmp_path: Any) -> None:
    config = tmp_path / "lookout.yaml"
    config.write_text(
        "services: {a: {log_groups: [/a]}}\nanalytics: {access_events: {attribution: {path_segment: 0}}}\n"
    )
    with pytest.raises(ValueError, match="attribution.path_segment: must be at least 1"):
        load_attribution(str(config))
    assert load_attribution("infra/lookout.yaml") == Attribution(field="clientKey")


FOREIGN = json.loads(
    (Path(__file__).parents[1] / "fixtures/aws/apigateway_foreign_access_log_lines.json").read_text()
)


def extracted(*lines: dict[str, Any] | str) -> bytes:
    """A CloudWatch Logs batch after Firehose's decompression and message extraction: the messages, a line each."""
    return "".join((text if isinstance(text, str) else json.dumps(text)) + "\n" for text in lines).encode()


def test_message_extraction_hands_over_a_batch_of_lines_in_one_record() -> None:
    # GIVEN one CloudWatch Logs batch of three requests, as message extraction delivers it: one record
    batch = extracted(line(), line(requestId="r2", status="200"), line(requestId="r3", status="429"))
    # WHEN the transform reads it
    answer, failures = transform(firehose(batch), Attribution())
    # THEN the record is Ok with one row per line
    (record,) = answer["records"]
    assert failures == [] and record["result"] == "Ok"
    assert [(r["request_id"], r["status"]) for r in decoded(record)] == [
        ("c6af9ac6-7b61-11e6-9a41-93e8deadbeef", 502),
        ("r2", 200),
        ("r3", 429),
    ]


def test_a_batch_across_midnight_is_partitioned_by_its_latest_line() -> None:
    before, after = "1795651199900", "1795651200100"  # 23:59:59.900 and 00:00:00.100 UTC
    answer, _ = transform(
        firehose(extracted(line(requestTimeEpoch=before), line(requestTimeEpoch=after))), Attribution()
    )
    (record,) = answer["records"]
    assert record["metadata"] == {"partitionKeys": {"day": "2026-11-26"}}
    assert [r["ts"] for r in decoded(record)] == ["2026-11-25 23:59:59.900", "2026-11-26 00:00:00.100"]


@pytest.mark.parametrize("name", sorted(FOREIGN["lines"]))
def test_a_line_in_another_format_goes_to_the_error_prefix(name: str) -> None:
    text = FOREIGN["lines"][name]
    answer, failures = transform(firehose(extracted(text)), Attribution())
    (record,) = answer["records"]
    assert record["result"] == "ProcessingFailed" and "not Lookout's access-log format" in failures[0][1]
    assert base64.b64decode(record["data"]) == extracted(text)  # kept as it came


def test_one_foreign_line_keeps_its_whole_record_out_of_the_table() -> None:
    mixed = extracted(line(), FOREIGN["lines"]["rest_http_status_code"], line(requestId="r3"))
    answer, failures = transform(firehose(mixed), Attribution())
    assert answer["records"][0]["result"] == "ProcessingFailed"
    assert "no status" in failures[0][1]


@pytest.mark.parametrize(
    ("override", "why"),
    [
        ({"status": "-"}, "status '-' is not an HTTP status"),
        ({"requestTimeEpoch": "25/Nov/2026:09:46:40 +0000"}, "not epoch milliseconds"),
        ({"responseLatency": "fast"}, "responseLatency 'fast' is not a number"),
    ],
)
def test_values_the_format_never_holds_are_not_access_events(override: dict[str, str], why: str) -> None:
    _, failures = transform(firehose(extracted(line(**override))), Attribution())
    assert why in failures[0][1]


def test_the_attribution_field_is_part_of_the_format() -> None:
    without = {k: v for k, v in line().items() if k != "clientKey"}
    _, failures = transform(firehose(extracted(without)), Attribution())
    assert "no clientKey" in failures[0][1]
    answer, _ = transform(firehose(extracted(without)), Attribution(field="principalId"))
    assert decoded(answer["records"][0])[0]["client_key"] == "user-42"
