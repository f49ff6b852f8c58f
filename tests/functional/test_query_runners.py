"""Insights runner against the documented API shapes (Stubber: moto ignores stats), Athena against moto with
manual state progression (QUEUED → RUNNING → SUCCEEDED) and Stubber for the failures moto cannot produce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws
from moto.moto_api import state_manager

from bot.queries.athena import AthenaRunner
from bot.queries.insights import MARKER, InsightsRunner
from bot.queries.results import Progress, QueryFailed, QueryRefused, QueryTimeout

if TYPE_CHECKING:
    from collections.abc import Iterator

START = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


def cells(**values: str) -> list[dict[str, str]]:
    return [{"field": k, "value": v} for k, v in values.items()] + [{"field": "@ptr", "value": "x"}]


def described(s: Stubber, running: list[dict[str, Any]], scheduled: list[dict[str, Any]] | None = None) -> None:
    """DescribeQueries as the runner asks it: scheduled, then running."""
    s.add_response("describe_queries", {"queries": scheduled or []}, {"status": "Scheduled", "maxResults": 1000})
    s.add_response("describe_queries", {"queries": running}, {"status": "Running", "maxResults": 1000})


def ours(*ids: str) -> list[dict[str, Any]]:
    return [
        {"queryId": q, "queryString": f"{MARKER}\nfields @message", "createTime": i} for i, q in enumerate(ids)
    ]


def insights(stubber_setup: Any, **kwargs: Any) -> tuple[InsightsRunner, Stubber]:
    client = boto3.client("logs", region_name="us-east-1")
    stubber = Stubber(client)
    stubber_setup(stubber)
    stubber.activate()
    return InsightsRunner(client, poll_s=0, sleep=lambda s: None, **kwargs), stubber


def test_insights_start_poll_and_rows() -> None:
    def setup(s: Stubber) -> None:
        described(s, [{"queryId": "other", "queryString": "fields @message"}])  # a dashboard's: not counted
        s.add_response(
            "start_query",
            {"queryId": "q1"},
            {
                "logGroupNames": ["/aws/lambda/orders-api"],
                "startTime": int(START.timestamp()),
                "endTime": int(END.timestamp()),
                "queryString": f"{MARKER}\nstats count(*) as n by level",
                "limit": 10_000,
            },
        )
        described(s, [], ours("q1"))
        s.add_response("get_query_results", {"status": "Scheduled", "results": []}, {"queryId": "q1"})
        s.add_response(
            "get_query_results",
            {
                "status": "Running",
                "results": [],
                "statistics": {"recordsMatched": 5.0, "recordsScanned": 50.0, "bytesScanned": 2048.0},
            },
            {"queryId": "q1"},
        )
        s.add_response(
            "get_query_results",
            {
                "status": "Complete",
                "results": [cells(level="ERROR", n="4"), cells(level="WARN", n="1")],
                "statistics": {"recordsMatched": 5.0, "recordsScanned": 100.0, "bytesScanned": 4096.0},
            },
            {"queryId": "q1"},
        )

    runner, stubber = insights(setup)
    seen: list[Progress] = []
    result = runner.run("stats count(*) as n by level", ("/aws/lambda/orders-api",), START, END, seen.append)
    stubber.assert_no_pending_responses()
    assert result.columns == ("level", "n") and result.rows == (("ERROR", "4"), ("WARN", "1"))
    assert (result.bytes_scanned, result.records_matched, result.query_id) == (4096, 5, "q1")
    assert [p.state for p in seen] == ["Scheduled", "Running"] and seen[1].bytes_scanned == 2048


def test_insights_refuses_when_our_queries_are_at_the_limit() -> None:
    runner, _ = insights(lambda s: described(s, ours("q0"), ours("q1")), max_concurrent=2)
    with pytest.raises(QueryRefused, match="2 Lookout queries are already running"):
        runner.run("fields @message", ("/g",), START, END)


def test_queries_started_at_the_same_moment_beyond_the_cap_are_stopped() -> None:
    # GIVEN three of ours running (cap 4): this invocation sees room, and so do two others at the same moment
    def setup(s: Stubber) -> None:
        described(s, ours("a", "b", "c"))
        s.add_response(
            "start_query",
            {"queryId": "q9"},
            {"logGroupNames": ANY, "startTime": ANY, "endTime": ANY, "queryString": ANY, "limit": ANY},
        )
        described(s, ours("a", "b", "c", "d", "q9"))  # another's "d" started first: we are the fifth
        s.add_response("stop_query", {"success": True}, {"queryId": "q9"})

    runner, stubber = insights(setup, max_concurrent=4)
    # THEN ours is stopped at once and refused in words; never more than four keep running
    with pytest.raises(QueryRefused, match="the limit is 4"):
        runner.run("fields @message", ("/g",), START, END)
    stubber.assert_no_pending_responses()


def test_insights_timeout_stops_the_query() -> None:
    def setup(s: Stubber) -> None:
        described(s, [])
        s.add_response(
            "start_query",
            {"queryId": "q9"},
            {"logGroupNames": ANY, "startTime": ANY, "endTime": ANY, "queryString": ANY, "limit": ANY},
        )
        described(s, ours("q9"))
        s.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q9"})
        s.add_response("stop_query", {"success": True}, {"queryId": "q9"})

    runner, stubber = insights(setup, timeout=timedelta(seconds=0))
    with pytest.raises(QueryTimeout, match="try a shorter window"):
        runner.run("fields @message", ("/g",), START, END)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "error", "words"),
    [
        ("MalformedQueryException", QueryFailed, "not valid Logs Insights"),
        ("LimitExceededException", QueryRefused, "too many Logs Insights queries"),
        ("ResourceNotFoundException", QueryFailed, "log group does not exist"),
        ("AccessDeniedException", QueryRefused, "not allowed"),
    ],
)
def test_insights_start_errors_in_words(code: str, error: type[Exception], words: str) -> None:
    def setup(s: Stubber) -> None:
        described(s, [])
        s.add_client_error("start_query", service_error_code=code, service_message="details")

    runner, _ = insights(setup)
    with pytest.raises(error, match=words):
        runner.run("fields @message", ("/g",), START, END)


def test_insights_failed_status() -> None:
    def setup(s: Stubber) -> None:
        described(s, [])
        s.add_response(
            "start_query",
            {"queryId": "q2"},
            {"logGroupNames": ANY, "startTime": ANY, "endTime": ANY, "queryString": ANY, "limit": ANY},
        )
        described(s, ours("q2"))
        s.add_response("get_query_results", {"status": "Failed", "results": []}, {"queryId": "q2"})

    runner, _ = insights(setup)
    with pytest.raises(QueryFailed, match="failed"):
        runner.run("fields @message", ("/g",), START, END)


@pytest.fixture
def athena() -> Iterator[Any]:
    with mock_aws():
        state_manager.set_transition(
            model_name="athena::execution", transition={"progression": "manual", "times": 2}
        )
        client = boto3.client("athena", region_name="us-east-1")
        client.create_work_group(
            Name="lookout", Configuration={"ResultConfiguration": {"OutputLocation": "s3://results/"}}
        )
        yield client
        state_manager.unset_transition(model_name="athena::execution")


def queue_athena_result(rows: list[list[str]]) -> None:
    from moto.athena.models import QueryResults, athena_backends

    backend = athena_backends["123456789012"]["us-east-1"]
    column_info = [{"Name": name, "Label": name, "Type": "varchar"} for name in rows[0]]
    backend.query_results_queue.append(
        QueryResults(rows=[{"Data": [{"VarCharValue": v} for v in row]} for row in rows], column_info=column_info)
    )


def test_athena_states_progress_and_rows(athena: Any) -> None:
    queue_athena_result([["customer", "requests"], ["acme", "120"], ["globex", "30"]])
    sent: list[dict[str, Any]] = []
    athena.meta.events.register(
        "provide-client-params.athena.StartQueryExecution", lambda params, **_: sent.append(params)
    )
    seen: list[Progress] = []
    result = AthenaRunner(athena, poll_s=0, sleep=lambda s: None).run(
        "SELECT ? AS x", ("'acme'",), seen.append, request_token="t" * 40
    )
    assert [p.state for p in seen] == ["QUEUED", "RUNNING", "RUNNING"]  # then SUCCEEDED
    assert result.columns == ("customer", "requests") and result.rows == (("acme", "120"), ("globex", "30"))
    assert sent[0]["ExecutionParameters"] == ["'acme'"] and sent[0]["WorkGroup"] == "lookout"
    assert len(sent[0]["ClientRequestToken"]) >= 32


def test_athena_timeout_stops_the_execution(athena: Any) -> None:
    runner = AthenaRunner(athena, poll_s=0, sleep=lambda s: None, timeout=timedelta(0))
    with pytest.raises(QueryTimeout):
        runner.run("SELECT 1")
    executions = athena.list_query_executions()["QueryExecutionIds"]
    state = athena.get_query_execution(QueryExecutionId=executions[0])["QueryExecution"]["Status"]["State"]
    assert state == "CANCELLED"


@pytest.mark.parametrize(
    ("state", "reason", "error", "words"),
    [
        (
            "FAILED",
            "Query exhausted resources. Bytes scanned limit was exceeded",
            QueryRefused,
            "more data than the workgroup allows",
        ),
        (
            "FAILED",
            "SYNTAX_ERROR: line 1:8: Column 'x' cannot be resolved",
            QueryFailed,
            "Column 'x' cannot be resolved",
        ),
        ("CANCELLED", "", QueryFailed, "cancelled"),
    ],
)
def test_athena_failures_in_words(state: str, reason: str, error: type[Exception], words: str) -> None:
    client = boto3.client("athena", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response(
        "start_query_execution",
        {"QueryExecutionId": "e1"},
        {"QueryString": "SELECT 1", "WorkGroup": "lookout", "QueryExecutionContext": {"Database": "lookout"}},
    )
    stubber.add_response(
        "get_query_execution",
        {
            "QueryExecution": {
                "QueryExecutionId": "e1",
                "Status": {"State": state, "StateChangeReason": reason},
                "Statistics": {"DataScannedInBytes": 10**12},
            }
        },
        {"QueryExecutionId": "e1"},
    )
    stubber.activate()
    with pytest.raises(error, match=words):
        AthenaRunner(client, poll_s=0, sleep=lambda s: None).run("SELECT 1")
