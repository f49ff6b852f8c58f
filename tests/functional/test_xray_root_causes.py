"""Where the X-Ray enricher puts a trace's root cause, from GetTraceSummaries' ``FaultRootCauses`` and
``ErrorRootCauses`` as the X-Ray API documents them, through botocore's Stubber (which checks every body against
the X-Ray service model): the service a cause lies in, and a fault of the alarmed function marked with the callee
whose throttle or failure came with it (issue #31: the card blames the called service, not the caller).

The shapes: ``FaultRootCause.Services`` is "a list of corresponding services", each a ``FaultRootCauseService``
(Name, Names, Type, AccountId, Inferred, EntityPath) whose ``EntityPath`` is "the path of root cause entities
found on the service", each a ``FaultRootCauseEntity`` (Name, Exceptions, Remote: "a flag that denotes a remote
subsegment") — X-Ray API Reference, https://docs.aws.amazon.com/xray/latest/api/API_FaultRootCauseService.html
and API_FaultRootCauseEntity.html (``ErrorRootCause`` alike). The list runs from the trace's entry point to the
service the cause lies in: a recorded GetTraceSummaries body lists a Lambda function's ``AWS::Lambda`` node, then
its ``AWS::Lambda::Function`` node whose EntityPath goes from the function's segment to its "Initialization"
subsegment; Grafana's X-Ray data source (grafana/x-ray-datasource ``pkg/datasource/getAnalytics.go``) reads the
root-cause service as ``Services[len(Services)-1]``, as the X-Ray console's analytics do. An HTTP call's
subsegment is named after its host and an AWS SDK call's after the service ("DynamoDB"), while the graph names a
table's node after the table (X-Ray Developer Guide, "AWS X-Ray segment documents", ``namespace`` and
``aws.table_name``).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from bot.alarms import Alarm, MetricQuery, MetricRef
from bot.config import Settings
from bot.enrich.context import Context
from bot.enrich.model import RootCause, XRayReport
from bot.enrich.xray import xray_report
from bot.events import parse_event
from tests.support.fixtures import load_event
from tests.support.xray import summary

ACCOUNT = "123456789012"


def alarm(function: str) -> Alarm:
    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(item, Alarm)
    metric = MetricRef(namespace="AWS/Lambda", name="Errors", dimensions=(("FunctionName", function),))
    return replace(item, queries=(MetricQuery(id="m1", metric=metric, stat="Sum", period=60),))


def report_for(function: str, graph: dict[str, Any], traces: list[dict[str, Any]]) -> XRayReport:
    client = boto3.client("xray", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response("get_service_graph", graph, {"StartTime": ANY, "EndTime": ANY})
    expected = {
        "StartTime": ANY,
        "EndTime": ANY,
        "FilterExpression": f'service("{function}") {{ fault OR error }}',
    }
    stubber.add_response("get_trace_summaries", {"TraceSummaries": traces}, expected)
    stubber.activate()
    done: Future[dict[str, str]] = Future()
    done.set_result({})
    context = Context(alarm(function), Settings(), lambda service, region: client, ThreadPoolExecutor(2), done)
    report = xray_report(context)
    stubber.assert_no_pending_responses()
    return report


def node(ref: int, name: str, kind: str, edges: list[dict[str, Any]], stats: dict[str, Any]) -> dict[str, Any]:
    return {
        "ReferenceId": ref,
        "Name": name,
        "Names": [name],
        "Type": kind,
        "Edges": edges,
        "SummaryStatistics": stats,
    }


def edge(ref: int, stats: dict[str, Any]) -> dict[str, Any]:
    return {"ReferenceId": ref, "SummaryStatistics": stats}


def service(name: str, kind: str, path: list[dict[str, Any]], inferred: bool = False) -> dict[str, Any]:
    return {
        "Name": name,
        "Names": [name],
        "Type": kind,
        "AccountId": ACCOUNT,
        "EntityPath": path,
        "Inferred": inferred,
    }


def entity(name: str, *exceptions: tuple[str, str], remote: bool = False) -> dict[str, Any]:
    return {"Name": name, "Exceptions": [{"Name": n, "Message": m} for n, m in exceptions], "Remote": remote}


def lambda_twins(function: str, path: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A Lambda function's two nodes on a cause's path: the service's, then the function's."""
    return [service(function, "AWS::Lambda", [entity(function)]), service(function, "AWS::Lambda::Function", path)]


def trace(n: int, faults: list[list[dict[str, Any]]], errors: list[list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "Id": f"1-6760a1b2-{n:024x}",
        "HasFault": bool(faults),
        "HasError": bool(errors),
        "FaultRootCauses": [{"Services": services, "ClientImpacting": True} for services in faults],
        "ErrorRootCauses": [{"Services": services, "ClientImpacting": True} for services in errors],
    }


# --- a remote host throttles the function's calls (429) ---------------------------------------------------

MAPS = "api.maps.example"
HTTP_429 = ("HTTPError", "429 Client Error: Too Many Requests for url: https://api.maps.example/v1/geocode")
SEARCH_GRAPH = {
    "Services": [
        node(
            1,
            "search-api",
            "AWS::Lambda::Function",
            [edge(2, summary(10, 0, 15, 0, 2.0))],
            summary(10, 0, 0, 15, 9.0),
        ),
        node(2, MAPS, "remote", [], summary(10, 0, 15, 0, 2.0)),
    ]
}


def throttled_by_maps(n: int) -> dict[str, Any]:
    """The function's fault (its HTTPError) and, beside it, the error root cause in the inferred host it
    called, reached through the function's segment."""
    own = lambda_twins("search-api", [entity("search-api", HTTP_429)])
    callee = [
        *lambda_twins("search-api", [entity("search-api")]),
        service(MAPS, "remote", [entity(MAPS, remote=True)], inferred=True),
    ]
    return trace(n, faults=[own], errors=[callee])


def test_a_fault_of_the_function_is_marked_with_the_host_whose_429_came_with_it() -> None:
    report = report_for("search-api", SEARCH_GRAPH, [throttled_by_maps(n) for n in range(15)])
    assert report.root_causes == (
        RootCause(MAPS, "error", "", "", 15),
        RootCause("search-api", "fault", *HTTP_429, 15, inherited_from=MAPS),
    )


def test_only_the_last_service_of_a_path_is_where_the_cause_lies() -> None:
    # GIVEN causes whose Services list the function's AWS::Lambda node before the function node they lie in
    report = report_for("search-api", SEARCH_GRAPH, [throttled_by_maps(n) for n in range(3)])
    # THEN the service nodes the path only went through are no root cause of their own
    assert [(c.service, c.kind) for c in report.root_causes] == [(MAPS, "error"), ("search-api", "fault")]


def test_a_fault_that_came_with_the_callee_in_half_the_traces_or_fewer_is_the_functions_own() -> None:
    alone = trace(99, faults=[lambda_twins("search-api", [entity("search-api", HTTP_429)])], errors=[])
    report = report_for("search-api", SEARCH_GRAPH, [throttled_by_maps(1), alone])
    own = next(c for c in report.root_causes if c.kind == "fault")
    assert (own.traces, own.inherited_from) == (2, "")


# --- DynamoDB throttles the function's writes: the failing entity is the SDK call's remote subsegment ------

TABLE = "ledger-entries"
EXCEEDED = (
    "ProvisionedThroughputExceededException",
    "The level of configured provisioned throughput for the table was exceeded. Consider increasing your"
    " provisioning level with the UpdateTable API.",
)
RAISED = ("ProvisionedThroughputExceededException", "An error occurred (ProvisionedThroughputExceededException)")
LEDGER_GRAPH = {
    "Services": [
        node(
            1,
            "ledger-writer",
            "AWS::Lambda::Function",
            [edge(2, summary(10, 0, 13, 0, 1.0)), edge(3, summary(20, 0, 0, 0, 0.2))],
            summary(10, 0, 0, 13, 40.0),
        ),
        node(2, TABLE, "AWS::DynamoDB::Table", [], summary(10, 0, 13, 0, 1.0)),
        node(3, "ledger-audit", "AWS::DynamoDB::Table", [], summary(20, 0, 0, 0, 0.2)),
    ]
}


def throttled_by_dynamodb(n: int) -> dict[str, Any]:
    """The error root cause lies in the function node, in its remote ``DynamoDB`` subsegment."""
    own = lambda_twins("ledger-writer", [entity("ledger-writer", RAISED)])
    call = lambda_twins("ledger-writer", [entity("ledger-writer"), entity("DynamoDB", EXCEEDED, remote=True)])
    return trace(n, faults=[own], errors=[call])


def test_a_remote_dynamodb_subsegment_is_the_graphs_failing_table_and_the_functions_fault_came_with_it() -> None:
    report = report_for("ledger-writer", LEDGER_GRAPH, [throttled_by_dynamodb(n) for n in range(13)])
    assert report.root_causes == (
        RootCause(TABLE, "error", *EXCEEDED, 13),  # the table's answer, not the function's exception about it
        RootCause("ledger-writer", "fault", *RAISED, 13, inherited_from=TABLE),
    )
