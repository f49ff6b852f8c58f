"""Test doubles shared by several test modules: a small X-Ray service graph and stubbed clients."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

CHANGED_AT = datetime(2026, 11, 20, 14, 3, 11, 470000, tzinfo=UTC)


def summary(ok: int, other: int, throttles: int, faults: int, response_time: float) -> dict[str, Any]:
    total = ok + other + throttles + faults
    return {
        "OkCount": ok,
        "ErrorStatistics": {"ThrottleCount": throttles, "OtherCount": other, "TotalCount": other + throttles},
        "FaultStatistics": {"OtherCount": faults, "TotalCount": faults},
        "TotalCount": total,
        "TotalResponseTime": response_time,
    }


# Requests into orders-api: 100 (90 ok, 4 client errors, 2 throttles, 4 faults); p95 = 0.8 s.
API_HISTOGRAM = [
    {"Value": 0.05, "Count": 80},
    {"Value": 0.3, "Count": 15},
    {"Value": 0.8, "Count": 4},
    {"Value": 2.0, "Count": 1},
]


def service_graph() -> dict[str, Any]:
    """API Gateway → Lambda orders-api → DynamoDB and a remote payment provider."""
    return {
        "Services": [
            {
                "ReferenceId": 0,
                "Name": "orders-api/prod",
                "Type": "AWS::ApiGateway::Stage",
                "Edges": [
                    {
                        "ReferenceId": 1,
                        "SummaryStatistics": summary(90, 4, 2, 4, 20.0),
                        "ResponseTimeHistogram": API_HISTOGRAM,
                    }
                ],
                "SummaryStatistics": summary(90, 4, 2, 4, 21.0),
                "ResponseTimeHistogram": API_HISTOGRAM,
            },
            {
                "ReferenceId": 5,
                "Name": "orders-api",
                "Type": "AWS::Lambda",
                "Edges": [],
                "SummaryStatistics": summary(100, 0, 0, 0, 19.0),
            },
            {
                "ReferenceId": 1,
                "Name": "orders-api",
                "Type": "AWS::Lambda::Function",
                "Edges": [
                    {
                        "ReferenceId": 2,
                        "SummaryStatistics": summary(200, 0, 0, 0, 2.0),
                        "ResponseTimeHistogram": [{"Value": 0.01, "Count": 200}],
                    },
                    {
                        "ReferenceId": 3,
                        "SummaryStatistics": summary(60, 0, 10, 30, 60.0),
                        "ResponseTimeHistogram": [{"Value": 0.5, "Count": 50}, {"Value": 3.0, "Count": 50}],
                    },
                ],
                "SummaryStatistics": summary(90, 4, 2, 4, 18.0),
                "ResponseTimeHistogram": API_HISTOGRAM,
            },
            {
                "ReferenceId": 2,
                "Name": "orders",
                "Type": "AWS::DynamoDB::Table",
                "Edges": [],
                "SummaryStatistics": summary(200, 0, 0, 0, 2.0),
            },
            {
                "ReferenceId": 3,
                "Name": "api.payments.example",
                "Type": "remote",
                "Edges": [],
                "SummaryStatistics": summary(60, 0, 10, 30, 60.0),
            },
        ]
    }


def trace_summaries() -> dict[str, Any]:
    def cause(service: str, exception: str, message: str) -> list[dict[str, Any]]:
        return [
            {
                "Services": [
                    {
                        "Name": service,
                        "EntityPath": [{"Name": service, "Exceptions": [{"Name": exception, "Message": message}]}],
                    }
                ]
            }
        ]

    return {
        "TraceSummaries": [
            {
                "Id": "1-6760a1b2-aaaaaaaaaaaaaaaaaaaaaaaa",
                "HasFault": False,
                "HasError": True,
                "ErrorRootCauses": cause("api.payments.example", "PaymentThrottled", "429 Too Many Requests"),
            },
            {
                "Id": "1-6760a1b2-bbbbbbbbbbbbbbbbbbbbbbbb",
                "HasFault": True,
                "FaultRootCauses": cause("api.payments.example", "HTTPError", "502 Bad Gateway"),
            },
            {
                "Id": "1-6760a1b2-cccccccccccccccccccccccc",
                "HasFault": True,
                "FaultRootCauses": cause("api.payments.example", "HTTPError", "502 Bad Gateway"),
            },
        ],
        "ApproximateTime": CHANGED_AT,
        "TracesProcessedCount": 3,
    }


def stubbed_xray(
    graph: dict[str, Any] | None = None, traces: dict[str, Any] | None = None, expression: Any = ANY
) -> tuple[Any, Stubber]:
    client = boto3.client("xray", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response("get_service_graph", graph or service_graph(), {"StartTime": ANY, "EndTime": ANY})
    stubber.add_response(
        "get_trace_summaries",
        traces or trace_summaries(),
        {"StartTime": ANY, "EndTime": ANY, "FilterExpression": expression},
    )
    stubber.activate()
    return client, stubber


def assert_valid_message(payload: dict[str, Any]) -> None:
    """What Slack would accept: parseable, validated blocks within the message limits, and a text fallback."""
    from slack_sdk.models.blocks import Block

    assert payload["text"] and len(payload["text"]) <= 40_000
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= 50
    ids = [b.get("block_id") for b in blocks]
    assert len(ids) == len(set(ids)), "block ids must be unique"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()
        if raw["type"] == "header":
            assert len(raw["text"]["text"]) <= 150
        if raw["type"] == "section":
            assert len(raw["text"]["text"]) <= 3000
    assert len(str(blocks)) < 13_000, "keep messages compact (Slack rejects long block payloads)"


def lifecycle_service(
    slack_url: str,
    channel: str = "#alerts",
    table: str = "lookout-incidents",
    *,
    call_timeout_s: float = 5.0,
    dynamodb: Any = None,
    **settings: Any,
) -> Any:
    """An AlertService with the lifecycle on a fresh incidents table (inside ``mock_aws``), posting to
    the Slack stand-in at ``slack_url``; enrichment off; ``settings`` override the rest. ``dynamodb``: a
    client to use instead of moto's (wrapped around it, or failing)."""
    from bot.alerting import AlertService
    from bot.config import Settings
    from bot.lifecycle.service import Lifecycle
    from bot.observability import Telemetry
    from bot.slack.transport.courier import SlackCourier
    from bot.slack.transport.post import SlackPoster

    table_client = Serialised(incidents_table(table))
    dynamodb = table_client if dynamodb is None else dynamodb(table_client)
    settings = Settings(slack_channel=channel, incidents_table=table, **settings)
    courier = SlackCourier(SlackPoster(lambda: "xoxb-test", base_url=slack_url, call_timeout_s=call_timeout_s))
    lifecycle = Lifecycle.from_settings(settings, courier, dynamodb)
    return AlertService(
        settings, enricher=None, courier=courier, telemetry=Telemetry.for_cli(settings), lifecycle=lifecycle
    )


class Serialised:
    """A client whose calls run one at a time. In-process moto does not apply DynamoDB conditional writes
    atomically when threads call it at once (DynamoDB does); serialising the emulator's calls restores the
    atomicity the lifecycle relies on, so concurrency tests are deterministic. Every call still goes to moto."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


def incidents_table(table: str) -> Any:
    """A DynamoDB client with an incidents-shaped table (key ``pk``) created on it (inside ``mock_aws``)."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return dynamodb
