"""X-Ray enricher against the documented API shapes (botocore Stubber: moto's service graph is a dummy)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bot.alarms import Alarm
from bot.config import Settings
from bot.enrich.context import Context, NothingFound
from bot.enrich.xray import xray_report
from bot.events import parse_event
from tests.support.fixtures import load_event
from tests.support.xray import service_graph, stubbed_xray


def alarm(name: str = "sns_alarm_lambda_errors.json") -> Alarm:
    item = parse_event(load_event(name))[0].item
    assert isinstance(item, Alarm)
    return item


def context(target: Alarm, xray: Any, tags: dict[str, str] | None = None) -> Context:
    done: Future[dict[str, str]] = Future()
    done.set_result(tags or {})
    return Context(
        alarm=target,
        settings=Settings(),
        clients=lambda service, region: xray,
        pool=ThreadPoolExecutor(4),
        tags=done,
    )


def test_lambda_alarm_finds_function_node_with_callers_and_callees() -> None:
    xray, stubber = stubbed_xray(expression='service("orders-api") { fault OR error }')
    report = xray_report(context(alarm(), xray))
    stubber.assert_no_pending_responses()
    assert report.services == ("orders-api",)
    assert [(r.name, r.relation) for r in report.rows] == [
        ("orders-api", "service"),
        ("orders-api/prod", "caller"),
        ("orders", "callee"),
        ("api.payments.example", "callee"),
    ]
    payments = report.rows[3].stats
    assert (payments.requests, payments.throttles, payments.faults) == (100, 10, 30)
    assert payments.p95_ms == 3000.0
    assert report.root_causes[0].exception == "HTTPError" and report.root_causes[0].traces == 2
    assert report.root_causes[1].exception == "PaymentThrottled"
    assert report.sample_trace_id == "1-6760a1b2-bbbbbbbbbbbbbbbbbbbbbbbb"  # the first trace with a fault
    assert report.window_end - report.window_start == (report.window_end - report.window_start).__class__(
        minutes=15
    )


def test_api_gateway_alarm_matches_api_name_and_stage() -> None:
    xray, _ = stubbed_xray(expression='service("orders-api/prod") { fault OR error }')
    report = xray_report(context(alarm("sns_alarm_anomaly_detection.json"), xray))
    assert report.services == ("orders-api/prod",)
    assert [r.relation for r in report.rows] == ["service", "callee"]


def test_tag_names_the_service() -> None:
    xray, _ = stubbed_xray(expression='service("api.payments.example") { fault OR error }')
    report = xray_report(context(alarm(), xray, {"lookout:xray-service": "api.payments.example"}))
    assert report.services == ("api.payments.example",)
    assert [r.relation for r in report.rows] == ["service", "caller"]


def test_no_matching_node_says_what_was_looked_for() -> None:
    client = boto3.client("xray", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response("get_service_graph", {"Services": []}, {"StartTime": ANY, "EndTime": ANY})
    stubber.activate()
    with pytest.raises(NothingFound, match="orders-api"):
        xray_report(context(alarm(), client))


def test_service_graph_pages_are_followed() -> None:
    graph = service_graph()
    client = boto3.client("xray", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response(
        "get_service_graph",
        {"Services": graph["Services"][:2], "NextToken": "t1"},
        {"StartTime": ANY, "EndTime": ANY},
    )
    stubber.add_response(
        "get_service_graph",
        {"Services": graph["Services"][2:]},
        {"StartTime": ANY, "EndTime": ANY, "NextToken": "t1"},
    )
    stubber.add_response(
        "get_trace_summaries", {"TraceSummaries": []}, {"StartTime": ANY, "EndTime": ANY, "FilterExpression": ANY}
    )
    stubber.activate()
    report = xray_report(context(alarm(), client))
    assert report.rows[0].name == "orders-api" and report.sample_trace_id is None


def test_window_follows_settings() -> None:
    xray, _ = stubbed_xray()
    ctx = context(alarm(), xray)
    ctx = replace(ctx, settings=Settings(xray_window_minutes=5))
    report = xray_report(ctx)
    assert (report.window_end - report.window_start).total_seconds() == 300
    assert report.window_end == ctx.alarm.changed_at


def test_the_functions_own_lambda_service_node_is_looked_through() -> None:
    # GIVEN API Gateway → AWS::Lambda orders-api → AWS::Lambda::Function orders-api, as X-Ray draws Lambda
    graph = service_graph()
    api, lambda_service = graph["Services"][0], graph["Services"][1]
    lambda_service["Edges"] = [dict(api["Edges"][0])]
    api["Edges"][0] = {**api["Edges"][0], "ReferenceId": 5}
    xray, _ = stubbed_xray(graph=graph)
    # WHEN the Lambda alarm is enriched
    report = xray_report(context(alarm(), xray))
    # THEN the caller row is the API stage, not the function's own service node
    rows = [(r.name, r.relation) for r in report.rows]
    assert rows[:2] == [("orders-api", "service"), ("orders-api/prod", "caller")]
