"""The embedded X-Ray stand-in against numbers computed by hand for three small traces.

A (ok), B (fault at the payment provider), C (throttled by it). Each: API Gateway stage → Lambda function
orders-api → DynamoDB table orders (A and B) and the remote api.payments.example.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.xray.filter import FilterError
from local.xray.standin import XRayStandIn


def trace(
    n: str,
    t0: float,
    api: tuple[float, int],
    fn: tuple[float, float, str],
    pay: tuple[float, float, int],
    db: bool,
) -> list[dict[str, Any]]:
    trace_id = f"1-00000000-{n * 24}"
    flags = {"fault": {"fault": True}, "throttle": {"error": True, "throttle": True}, "ok": {}}
    pay_flags = flags["fault" if pay[2] >= 500 else "throttle" if pay[2] == 429 else "ok"]
    cause = (
        {
            "cause": {
                "exceptions": [
                    {
                        "id": "e1",
                        "type": "HTTPError" if pay[2] >= 500 else "PaymentThrottled",
                        "message": f"{pay[2]} from provider",
                    }
                ]
            }
        }
        if pay[2] >= 400
        else {}
    )
    subsegments = [
        {
            "id": f"{n}pay",
            "name": "api.payments.example",
            "namespace": "remote",
            "start_time": t0 + pay[0],
            "end_time": t0 + pay[1],
            "http": {"response": {"status": pay[2]}},
            **pay_flags,
            **cause,
        },
    ]
    if db:
        subsegments.append(
            {
                "id": f"{n}db",
                "name": "DynamoDB",
                "namespace": "aws",
                "start_time": t0 + 0.1,
                "end_time": t0 + 0.15,
                "aws": {"table_name": "orders", "operation": "PutItem"},
            }
        )
    return [
        {
            "trace_id": trace_id,
            "id": f"{n}api",
            "name": "orders-api/prod",
            "origin": "AWS::ApiGateway::Stage",
            "start_time": t0,
            "end_time": t0 + api[0],
            "http": {"request": {"method": "POST", "url": "https://x/orders"}, "response": {"status": api[1]}},
            **flags["fault" if api[1] >= 500 else "throttle" if api[1] == 429 else "ok"],
            "subsegments": [
                {
                    "id": f"{n}inv",
                    "name": "Lambda",
                    "namespace": "aws",
                    "start_time": t0 + 0.01,
                    "end_time": t0 + api[0] - 0.01,
                }
            ],
        },
        {
            "trace_id": trace_id,
            "id": f"{n}fn",
            "parent_id": f"{n}inv",
            "name": "orders-api",
            "origin": "AWS::Lambda::Function",
            "start_time": t0 + fn[0],
            "end_time": t0 + fn[1],
            **flags[fn[2]],
            "subsegments": subsegments,
        },
    ]


@pytest.fixture
def xray() -> XRayStandIn:
    standin = XRayStandIn()
    segments = [
        *trace("a", 100.0, (0.5, 200), (0.1, 0.4, "ok"), (0.2, 0.35, 200), db=True),
        *trace("b", 200.0, (1.0, 502), (0.1, 0.9, "fault"), (0.2, 0.8, 502), db=True),
        *trace("c", 300.0, (0.2, 429), (0.05, 0.15, "throttle"), (0.06, 0.1, 429), db=False),
    ]
    assert standin.put_trace_segments([json.dumps(s) for s in segments]) == {"UnprocessedTraceSegments": []}
    return standin


def by_name(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The service nodes by name (a client node shares its root service's name, as in X-Ray)."""
    return {s["Name"]: s for s in graph["Services"] if s["Type"] != "client"}


def client_of(graph: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in graph["Services"] if s["Type"] == "client" and s["Name"] == name)


def edge(graph: dict[str, Any], source: str, target: str, *, from_client: bool = False) -> dict[str, Any]:
    services = by_name(graph)
    ref = services[target]["ReferenceId"]
    node = client_of(graph, source) if from_client else services[source]
    return next(e for e in node["Edges"] if e["ReferenceId"] == ref)


def test_nodes_are_services_and_inferred_downstreams(xray: XRayStandIn) -> None:
    graph = xray.service_graph(0, 1000)
    assert sorted((s["Name"], s["Type"]) for s in graph["Services"] if s["Type"] == "client") == [
        ("orders-api/prod", "client")  # named after the root it calls, as in the Developer Guide's example
    ]
    assert "SummaryStatistics" not in client_of(graph, "orders-api/prod")
    services = by_name(graph)
    assert {name: s["Type"] for name, s in services.items()} == {
        "api.payments.example": "remote",
        "orders": "AWS::DynamoDB::Table",
        "orders-api": "AWS::Lambda::Function",
        "orders-api/prod": "AWS::ApiGateway::Stage",
    }
    assert services["orders-api/prod"]["Root"] is True and services["orders-api"]["Root"] is False


def test_node_statistics(xray: XRayStandIn) -> None:
    function = by_name(xray.service_graph(0, 1000))["orders-api"]
    assert function["SummaryStatistics"] == {
        "OkCount": 1,
        "ErrorStatistics": {"ThrottleCount": 1, "OtherCount": 0, "TotalCount": 1},
        "FaultStatistics": {"OtherCount": 1, "TotalCount": 1},
        "TotalCount": 3,
        "TotalResponseTime": pytest.approx(0.3 + 0.8 + 0.1),
    }
    assert function["ResponseTimeHistogram"] == [
        {"Value": 0.1, "Count": 1},
        {"Value": 0.3, "Count": 1},
        {"Value": 0.8, "Count": 1},
    ]


def test_edge_statistics(xray: XRayStandIn) -> None:
    graph = xray.service_graph(0, 1000)
    payments = edge(graph, "orders-api", "api.payments.example")
    assert payments["SummaryStatistics"]["TotalCount"] == 3
    assert payments["SummaryStatistics"]["FaultStatistics"]["TotalCount"] == 1
    assert payments["SummaryStatistics"]["ErrorStatistics"]["ThrottleCount"] == 1
    assert payments["SummaryStatistics"]["TotalResponseTime"] == pytest.approx(0.15 + 0.6 + 0.04)
    assert payments["ResponseTimeHistogram"] == [
        {"Value": 0.04, "Count": 1},
        {"Value": 0.15, "Count": 1},
        {"Value": 0.6, "Count": 1},
    ]
    table = edge(graph, "orders-api", "orders")["SummaryStatistics"]
    assert (table["TotalCount"], table["OkCount"], table["TotalResponseTime"]) == (2, 2, pytest.approx(0.1))
    caller = edge(graph, "orders-api/prod", "orders-api")["SummaryStatistics"]
    assert caller["TotalCount"] == 3 and caller["OkCount"] == 1
    client = edge(graph, "orders-api/prod", "orders-api/prod", from_client=True)["SummaryStatistics"]
    assert client["TotalResponseTime"] == pytest.approx(0.5 + 1.0 + 0.2)
    assert not any(
        s["Name"] == "Lambda" for s in graph["Services"]
    )  # the invoke call is a real edge, not inferred


def test_window_keeps_only_overlapping_segments(xray: XRayStandIn) -> None:
    function = by_name(xray.service_graph(150, 250))["orders-api"]
    assert function["SummaryStatistics"]["TotalCount"] == 1
    assert function["SummaryStatistics"]["FaultStatistics"]["TotalCount"] == 1


@pytest.mark.parametrize(
    ("start", "end", "traces"),
    [
        (200.0, 250.0, {"b"}),  # B starts exactly at the window's start: in it, for both APIs
        (150.0, 200.0, set()),  # ... and exactly at this window's end: in neither
        (200.5, 300.5, {"c"}),  # B started before the window though it ends inside it: counted by neither
    ],
)
def test_both_apis_count_a_trace_in_the_same_windows(
    xray: XRayStandIn, start: float, end: float, traces: set[str]
) -> None:
    summaries = {s["Id"][-1] for s in xray.trace_summaries(start, end, None)}
    function = by_name(xray.service_graph(start, end)).get("orders-api")
    counted = function["SummaryStatistics"]["TotalCount"] if function else 0
    assert summaries == traces and counted == len(traces)


def test_trace_summaries_for_the_bots_filter(xray: XRayStandIn) -> None:
    summaries = xray.trace_summaries(0, 1000, 'service("orders-api") { fault OR error }')
    assert [s["Id"][-1] for s in summaries] == ["c", "b"]  # newest first
    c, b = summaries
    assert (b["HasFault"], b["HasError"], b["HasThrottle"]) == (True, False, False)
    assert (c["HasFault"], c["HasError"], c["HasThrottle"]) == (False, True, True)
    assert b["ResponseTime"] == pytest.approx(1.0) and b["Duration"] == pytest.approx(1.0)
    assert b["Http"] == {"HttpURL": "https://x/orders", "HttpStatus": 502, "HttpMethod": "POST"}
    (fault,) = b["FaultRootCauses"]
    service = fault["Services"][0]
    assert (service["Name"], service["Type"], service["Inferred"]) == ("api.payments.example", "remote", True)
    assert service["EntityPath"][-1] == {
        "Name": "api.payments.example",
        "Exceptions": [{"Name": "HTTPError", "Message": "502 from provider"}],
        "Remote": True,
    }
    assert b["ErrorRootCauses"] == []
    assert c["ErrorRootCauses"][0]["Services"][0]["EntityPath"][-1]["Exceptions"][0]["Name"] == "PaymentThrottled"


@pytest.mark.parametrize(
    ("expression", "ids"),
    [
        (None, ["c", "b", "a"]),
        ("fault", ["b"]),
        ("ok", ["a"]),
        ("!ok", ["c", "b"]),
        ("throttle", ["c"]),
        ('service("orders") { fault }', []),
        ('service("orders")', ["b", "a"]),
        ('service("api.payments.example") { error } OR service("orders-api/prod") { fault }', ["c", "b"]),
        ("responsetime > 0.6", ["b"]),
        ('fault AND service("orders")', ["b"]),
    ],
)
def test_filter_expressions(xray: XRayStandIn, expression: str | None, ids: list[str]) -> None:
    assert [s["Id"][-1] for s in xray.trace_summaries(0, 1000, expression)] == ids


@pytest.mark.parametrize(
    "expression", ['annotation.customer = "x"', 'service("a"', "fault OR", "http.status = 500"]
)
def test_unsupported_or_broken_filters_are_errors(xray: XRayStandIn, expression: str) -> None:
    with pytest.raises(FilterError):
        xray.trace_summaries(0, 1000, expression)
