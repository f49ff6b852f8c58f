"""The X-Ray enricher on response bodies nobody on the project wrote (sources in tests/fixtures/aws/*.json),
through botocore's Stubber, which also checks every body against the X-Ray service model."""

from __future__ import annotations

import copy
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bot.alarms import Alarm, MetricQuery, MetricRef
from bot.config import Settings
from bot.enrich.context import Context, NothingFound
from bot.enrich.model import Enrichment, Finding
from bot.enrich.xray import xray_report
from bot.events import parse_event
from bot.slack.blocks.render import render_alarm
from tests.support.fixtures import aws_body, load_event

GRAPH = "xray_devguide_service_graph.json"
TRACES = "xray_devguide_trace_summaries.json"
LAMBDA = "xray_lambda_twin_nodes.json"


def stubbed(
    graph: dict[str, Any], traces: dict[str, Any] | None = None, expression: Any = ANY
) -> tuple[Any, Stubber]:
    client = boto3.client("xray", region_name="us-west-2")
    stubber = Stubber(client)
    stubber.add_response("get_service_graph", graph, {"StartTime": ANY, "EndTime": ANY})
    if traces is not None:
        params = {"StartTime": ANY, "EndTime": ANY, "FilterExpression": expression}
        stubber.add_response("get_trace_summaries", traces, params)
    stubber.activate()
    return client, stubber


def alarm(namespace: str = "AWS/Lambda", **dimensions: str) -> Alarm:
    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(item, Alarm)
    metric = MetricRef(namespace=namespace, name="Errors", dimensions=tuple(dimensions.items()))
    return replace(item, queries=(MetricQuery(id="m1", metric=metric, stat="Sum", period=60),))


def context(target: Alarm, xray: Any, tags: dict[str, str] | None = None) -> Context:
    done: Future[dict[str, str]] = Future()
    done.set_result(tags or {})
    return Context(target, Settings(), lambda service, region: xray, ThreadPoolExecutor(2), done)


def test_devguide_graph_a_tagged_service_is_one_row_and_its_client_node_a_caller() -> None:
    xray, stubber = stubbed(
        aws_body(GRAPH), aws_body(TRACES), 'service("xray-sample.elasticbeanstalk.com") { fault OR error }'
    )
    tags = {"lookout:xray-service": "xray-sample.elasticbeanstalk.com, xray-sample.elasticbeanstalk.com"}
    report = xray_report(context(alarm("AWS/EC2", InstanceId="i-0cd9e448944061b4a"), xray, tags))
    stubber.assert_no_pending_responses()  # the trace filter went out once, its name once
    assert [(r.name, r.type, r.relation) for r in report.rows] == [
        ("xray-sample.elasticbeanstalk.com", "AWS::EC2::Instance", "service"),
        ("clients of xray-sample.elasticbeanstalk.com", "client", "caller"),
        ("awseb-e-dixzws4s9p-stack-StartupSignupsTable-4IMSMHAYX2BA", "AWS::DynamoDB::Table", "callee"),
        ("SNS", "AWS::SNS", "callee"),
    ]
    service = report.rows[0].stats
    assert (service.requests, service.ok, service.errors, service.throttles, service.faults) == (4, 3, 1, 0, 0)
    assert service.avg_ms == pytest.approx(68.25)  # TotalResponseTime 0.273 s over 4 requests
    assert service.p95_ms == pytest.approx(157.0)  # the page's histogram is unsorted: 5, 15, 157, 96 ms
    assert service.error_rate == pytest.approx(0.25)
    # The Developer Guide's trace summaries have no fault or error: no root cause, the first trace as sample.
    assert report.root_causes == () and report.sample_trace_id == "1-59602606-a43a1ac52fc7ee0eea12a82c"


def test_devguide_graph_a_dimension_never_picks_the_client_node() -> None:
    """The client node comes first in the page's response and has the service's name; the old code chose it
    and showed "0 requests, 0 %"."""
    xray, _ = stubbed(aws_body(GRAPH), aws_body(TRACES))
    target = alarm("AWS/EC2", InstanceName="xray-sample.elasticbeanstalk.com")
    report = xray_report(context(target, xray))
    assert report.rows[0].type == "AWS::EC2::Instance" and report.rows[0].stats.requests == 4


def test_a_name_held_only_by_a_client_node_is_not_a_target() -> None:
    graph = copy.deepcopy(aws_body(GRAPH))
    graph["Services"] = [s for s in graph["Services"] if s["Type"] == "client"]
    xray, _ = stubbed(graph)
    tags = {"lookout:xray-service": "xray-sample.elasticbeanstalk.com"}
    with pytest.raises(NothingFound, match="only as a client node"):
        xray_report(context(alarm(), xray, tags))


def test_lambda_function_alarm_picks_the_function_node_and_looks_through_its_service_twin() -> None:
    xray, stubber = stubbed(aws_body(LAMBDA), {"TraceSummaries": []}, 'service("random-name") { fault OR error }')
    report = xray_report(context(alarm(FunctionName="random-name"), xray))
    stubber.assert_no_pending_responses()
    assert [(r.name, r.type, r.relation) for r in report.rows] == [
        ("random-name", "AWS::Lambda::Function", "service"),
        ("Scorekeep", "AWS::ElasticBeanstalk::Environment", "caller"),
        ("SNS", "AWS::SNS", "callee"),
    ]
    assert report.rows[0].stats.avg_ms == pytest.approx(1740.0)
    assert report.rows[1].stats.avg_ms == pytest.approx(2943.0)  # the caller's edge: its view of the invoke


def test_lambda_twin_nodes_by_tag_give_one_service_row() -> None:
    """The tag path used to list every node with the name: the function, its AWS::Lambda twin and more."""
    xray, stubber = stubbed(aws_body(LAMBDA), {"TraceSummaries": []}, 'service("random-name") { fault OR error }')
    report = xray_report(context(alarm(FunctionName="x"), xray, {"lookout:xray-service": "random-name"}))
    stubber.assert_no_pending_responses()
    assert [r.relation for r in report.rows].count("service") == 1
    assert report.rows[0].type == "AWS::Lambda::Function"


def test_an_eb_alarm_prefers_the_environment_over_its_client_namesake() -> None:
    xray, _ = stubbed(aws_body(LAMBDA), {"TraceSummaries": []})
    report = xray_report(context(alarm("AWS/ElasticBeanstalk", EnvironmentName="Scorekeep"), xray))
    assert [(r.name, r.relation) for r in report.rows] == [
        ("Scorekeep", "service"),
        ("clients of Scorekeep", "caller"),
        ("random-name", "callee"),
        ("scorekeep-user", "callee"),
    ]


def test_an_edge_to_a_node_missing_from_the_response_is_shown_not_dropped() -> None:
    graph = copy.deepcopy(aws_body(GRAPH))
    graph["Services"] = [s for s in graph["Services"] if s["Name"] != "SNS"]  # as when it falls on a later page
    xray, _ = stubbed(graph, aws_body(TRACES))
    tags = {"lookout:xray-service": "xray-sample.elasticbeanstalk.com"}
    report = xray_report(context(alarm(), xray, tags))
    missing = report.rows[-1]
    assert (missing.name, missing.relation, missing.missing) == ("node 3", "callee", True)
    assert missing.stats.requests == 2 and missing.stats.avg_ms == pytest.approx(62.5)


def test_missing_figures_are_dashes_and_the_columns_say_what_they_count() -> None:
    graph = copy.deepcopy(aws_body(GRAPH))
    ec2 = next(s for s in graph["Services"] if s["Type"] == "AWS::EC2::Instance")
    del ec2["SummaryStatistics"]["ErrorStatistics"]["OtherCount"]  # an optional member in the model
    sns = next(s for s in graph["Services"] if s["Name"] == "SNS")
    sns_edge = next(e for e in ec2["Edges"] if e["ReferenceId"] == sns["ReferenceId"])
    del sns_edge["SummaryStatistics"]  # an edge without statistics
    graph["Services"] = [s for s in graph["Services"] if s["Name"] != "SNS"]
    xray, _ = stubbed(graph, aws_body(TRACES))
    target = alarm()
    report = xray_report(context(target, xray, {"lookout:xray-service": "xray-sample.elasticbeanstalk.com"}))
    enrichment = replace(Enrichment.skipped("n/a"), xray=Finding("X-Ray", value=report))
    blocks = {b.block_id: b.to_dict() for b in render_alarm(target, enrichment).blocks}
    table = [[c["text"] for c in row] for row in blocks["lookout:xray-table"]["rows"]]
    assert table[0][4:9] == ["4xx excl. 429", "429", "5xx", "4xx+429 %", "5xx %"]
    service = table[1]
    assert service[:8] == ["xray-sample.elasticbeanstalk.com", "service", "4", "3", "–", "0", "0", "25%"]
    missing = table[-1]
    assert missing[:2] == ["node 3 (not in this window)", "callee"]
    assert missing[2:10] == ["–"] * 8 and missing[10] == "76 ms"  # p95 from the edge's own histogram
    assert "ErrorStatistics" not in blocks["lookout:xray"]["text"]["text"]  # explained in docs/alerts.md
