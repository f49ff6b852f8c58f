"""The lean client answers exactly as boto3 does: every operation it sends itself, against the embedded
stack over real HTTP, compared with boto3's answer to the same call; errors, retries and dead connections
raise botocore's own exceptions."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from bot.awshttp import LeanClient
from local.aws_front import AwsFault
from local.scenario import INCIDENTS_TABLE, LOG_GROUP, Incident, seed
from local.stack import EmbeddedStack, environment

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

REGION = "us-east-1"


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[EmbeddedStack, Incident]]:
    with EmbeddedStack() as stack, environment(stack.env()):
        yield stack, seed()


def lean(service: str, **kwargs: Any) -> Any:
    return LeanClient(service, REGION, lambda: pytest.fail("no boto3 fallback expected"), **kwargs)


def without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def calls(incident: Incident) -> list[tuple[str, str, dict[str, Any]]]:
    end = incident.now
    start = end - timedelta(minutes=30)
    metric = {
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Dimensions": [{"Name": "FunctionName", "Value": "orders-api"}],
    }
    return [
        (
            "cloudwatch",
            "get_metric_data",
            {
                "MetricDataQueries": [{"Id": "m", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}}],
                "StartTime": start,
                "EndTime": end,
                "ScanBy": "TimestampAscending",
            },
        ),
        ("cloudwatch", "list_tags_for_resource", {"ResourceARN": incident.alarm_arn}),
        (
            "logs",
            "filter_log_events",
            {
                "logGroupName": LOG_GROUP,
                "startTime": int(start.timestamp() * 1000),
                "endTime": int(end.timestamp() * 1000),
                "filterPattern": "ERROR",
                "limit": 20,
            },
        ),
        ("logs", "describe_metric_filters", {"logGroupName": LOG_GROUP}),
        ("xray", "get_service_graph", {"StartTime": start, "EndTime": end}),
        ("xray", "get_trace_summaries", {"StartTime": start, "EndTime": end, "FilterExpression": "fault"}),
        ("secretsmanager", "get_secret_value", {"SecretId": incident.secret_arn}),
    ]


def test_every_read_answers_as_boto3_does(seeded: tuple[EmbeddedStack, Incident]) -> None:
    _, incident = seeded
    for service, operation, params in calls(incident):
        ours = getattr(lean(service), operation)(**params)
        theirs = getattr(boto3.client(service, region_name=REGION), operation)(**params)
        assert without_metadata(ours) == without_metadata(theirs), (service, operation)
        assert ours["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert any(without_metadata(ours).values()), (service, operation)  # seeded: something to compare
    graph = lean("xray").get_service_graph(StartTime=incident.started, EndTime=incident.now)
    assert graph["Services"] and graph["Services"][0]["StartTime"].tzinfo is not None  # datetimes, as boto3's


def test_dynamodb_writes_and_conditions_match(seeded: tuple[EmbeddedStack, Incident]) -> None:
    theirs = boto3.client("dynamodb", region_name=REGION)
    for name, client in (("lean", lean("dynamodb")), ("boto3", theirs)):
        key = {"pk": {"S": f"parity#{name}"}}
        item = {**key, "data": {"S": "{}"}, "version": {"N": "1"}}
        client.put_item(TableName=INCIDENTS_TABLE, Item=item, ConditionExpression="attribute_not_exists(pk)")
        with pytest.raises(ClientError) as lost:
            client.put_item(TableName=INCIDENTS_TABLE, Item=item, ConditionExpression="attribute_not_exists(pk)")
        assert lost.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
        updated = client.update_item(
            TableName=INCIDENTS_TABLE,
            Key=key,
            UpdateExpression="ADD #c :one",
            ExpressionAttributeNames={"#c": "count"},
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        assert updated["Attributes"] == {"count": {"N": "1"}}
        assert client.get_item(TableName=INCIDENTS_TABLE, Key=key, ConsistentRead=True)["Item"]["version"] == {
            "N": "1"
        }
        client.delete_item(TableName=INCIDENTS_TABLE, Key=key)
        assert "Item" not in client.get_item(TableName=INCIDENTS_TABLE, Key=key)


def test_errors_carry_the_same_codes(seeded: tuple[EmbeddedStack, Incident]) -> None:
    params = {"logGroupName": "/aws/lambda/missing", "startTime": 0, "endTime": 1}
    codes = []
    for client in (lean("logs"), boto3.client("logs", region_name=REGION)):
        with pytest.raises(ClientError) as error:
            client.filter_log_events(**params)
        codes.append((error.value.response["Error"]["Code"], error.value.operation_name))
    assert codes[0] == codes[1] == ("ResourceNotFoundException", "FilterLogEvents")


def test_throttling_is_retried_once_then_raised(seeded: tuple[EmbeddedStack, Incident]) -> None:
    stack, incident = seeded
    window = {"StartTime": incident.started, "EndTime": incident.now}
    try:
        stack.aws.fail(AwsFault("xray", "GetServiceGraph", status=400, code="ThrottlingException", times=1))
        assert lean("xray").get_service_graph(**window)["ResponseMetadata"]["RetryAttempts"] == 1
        stack.aws.fail(AwsFault("xray", "GetServiceGraph", status=500, code="InternalFailure"))
        with pytest.raises(ClientError) as error:
            lean("xray").get_service_graph(**window)
        assert error.value.response["Error"]["Code"] == "InternalFailure"
        assert error.value.response["ResponseMetadata"] == {
            "RequestId": "",
            "HTTPStatusCode": 500,
            "RetryAttempts": 1,
        }
        stack.aws.clear_faults()
        stack.aws.fail(AwsFault("logs", status=400, code="AccessDeniedException"))
        with pytest.raises(ClientError):
            lean("logs").describe_metric_filters(logGroupName=LOG_GROUP)
        assert stack.aws.calls[-2:] != [("logs", "DescribeMetricFilters")] * 2  # not retried
    finally:
        stack.aws.clear_faults()


def test_a_slow_answer_is_a_read_timeout(seeded: tuple[EmbeddedStack, Incident]) -> None:
    stack, _ = seeded
    try:
        stack.aws.fail(AwsFault("secretsmanager", delay_s=1.5, status=200))
        with pytest.raises(ReadTimeoutError):
            lean("secretsmanager", read_timeout=0.3, max_attempts=1).get_secret_value(SecretId="x")
    finally:
        stack.aws.clear_faults()


def test_async_invoke_is_accepted(seeded: tuple[EmbeddedStack, Incident]) -> None:
    stack, _ = seeded
    stack.aws.sink_invocations = True
    try:
        answer = lean("lambda").invoke(FunctionName="lookout-slack", InvocationType="Event", Payload=b'{"a": 1}')
        assert answer["StatusCode"] == 202 and answer["Payload"].read() == b""
    finally:
        stack.aws.sink_invocations = False


def serve(handler: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            handler(self)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_kept_alive_connection_the_server_closed_is_reopened(monkeypatch: pytest.MonkeyPatch) -> None:
    def answer_then_hang_up(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Length", "2")
        request.end_headers()
        request.wfile.write(b"{}")
        request.close_connection = True  # without saying "Connection: close", as idle servers do

    for url in serve(answer_then_hang_up):
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        client = lean("dynamodb", max_attempts=1)
        assert [without_metadata(client.get_item(TableName="t", Key={})) for _ in range(3)] == [{}] * 3


def test_nobody_listening_is_a_connection_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(EndpointConnectionError):
        lean("dynamodb", max_attempts=1).get_item(TableName="t", Key={})
