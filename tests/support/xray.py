"""A small X-Ray world shared by the enricher's tests: API Gateway → Lambda orders-api → DynamoDB and a remote
payment provider, as GetServiceGraph and GetTraceSummaries answer it; and an X-Ray client stubbed with it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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
    graph: dict[str, Any] | None = None, traces: dict[str, Any] | None = None, expression: Any = None
) -> tuple[Any, Any]:
    """An X-Ray client answering ``graph`` and ``traces`` (the world above by default) through botocore's
    Stubber, and its stubber; ``expression``: the trace filter expected (any when None). boto3 is imported
    here, not with the module: the pure unit tests import the figures above."""
    import boto3
    from botocore.stub import ANY, Stubber

    client = boto3.client("xray", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response("get_service_graph", graph or service_graph(), {"StartTime": ANY, "EndTime": ANY})
    stubber.add_response(
        "get_trace_summaries",
        traces or trace_summaries(),
        {"StartTime": ANY, "EndTime": ANY, "FilterExpression": ANY if expression is None else expression},
    )
    stubber.activate()
    return client, stubber
