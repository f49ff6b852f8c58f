"""X-Ray segment documents as Lambda's active tracing, API Gateway and the X-Ray SDKs write them: the flags an
HTTP status sets, the subsegments of calls to DynamoDB, to another function and to a service outside AWS, Lambda's
two segments per invocation and a request through an API Gateway stage. ``SOURCES.md`` names where each comes from.

Not for: log lines (``local.scenario.incidents.log_lines``), CloudTrail events
(``local.scenario.incidents.cloudtrail_events``) or putting a scenario's paths together
(``local.scenario.incidents.world``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from local.stack import ACCOUNT, REGION

if TYPE_CHECKING:
    from local.scenario.incidents.seeded_ids import Ids


def status_flags(status: int) -> dict[str, bool]:
    """The flags the X-Ray SDKs set from an HTTP status: 5xx a fault, 429 a throttle (and an error), other 4xx an
    error (aws-xray-sdk-java ``TracingInterceptor``, aws-xray-sdk-python ``ext/boto_utils``)."""
    if status >= 500:
        return {"fault": True}
    if status == 429:
        return {"error": True, "throttle": True}
    if status >= 400:
        return {"error": True}
    return {}


def exception(ids: Ids, kind: str, message: str, *, remote: bool = False) -> dict[str, Any]:
    """One entry of a segment's ``cause.exceptions``."""
    return {"id": ids.segment(), "type": kind, "message": message, **({"remote": True} if remote else {})}


def remote_call(
    ids: Ids, *, host: str, method: str, path: str, start: float, end: float, status: int
) -> dict[str, Any]:
    """An HTTP call to a service outside AWS (``namespace: remote``): X-Ray infers a node named after the host.
    A status alone raises nothing in the HTTP client's subsegment: the exception, if any, is the caller's."""
    return {
        "id": ids.segment(),
        "name": host,
        "namespace": "remote",
        "start_time": start,
        "end_time": end,
        "http": {"request": {"method": method, "url": f"https://{host}{path}"}, "response": {"status": status}},
        **status_flags(status),
    }


def dynamodb_call(
    ids: Ids,
    *,
    table: str,
    operation: str,
    start: float,
    end: float,
    status: int = 200,
    error: tuple[str, str] | None = None,
    throttled: bool = False,
    retries: int = 0,
) -> dict[str, Any]:
    """An AWS SDK call to DynamoDB (``namespace: aws``, ``aws.table_name``): X-Ray infers the table's node. A
    throttling error (``ProvisionedThroughputExceededException``, HTTP 400) is marked throttle and error, the
    service's exception recorded as remote (aws-xray-sdk-java
    ``TracingInterceptor.populateSubsegmentException``)."""
    flags = {"error": True, "throttle": True} if throttled else status_flags(status)
    return {
        "id": ids.segment(),
        "name": "DynamoDB",
        "namespace": "aws",
        "start_time": start,
        "end_time": end,
        "aws": {
            "operation": operation,
            "region": REGION,
            "request_id": ids.uuid().replace("-", "").upper()[:32],
            "retries": retries,
            "table_name": table,
        },
        "http": {"response": {"status": status}},
        **flags,
        **({"cause": {"exceptions": [exception(ids, *error, remote=True)]}} if error else {}),
    }


def lambda_invoke_call(
    ids: Ids, *, function: str, start: float, end: float, status: int = 200, error: tuple[str, str] | None = None
) -> dict[str, Any]:
    """An AWS SDK ``Invoke`` of another function (``namespace: aws``, ``aws.function_name``)."""
    return {
        "id": ids.segment(),
        "name": "Lambda",
        "namespace": "aws",
        "start_time": start,
        "end_time": end,
        "aws": {"operation": "Invoke", "region": REGION, "function_name": function, "retries": 0},
        "http": {"response": {"status": status}},
        **status_flags(status),
        **({"cause": {"exceptions": [exception(ids, *error, remote=True)]}} if error else {}),
    }


def lambda_segments(
    ids: Ids,
    *,
    trace: str,
    function: str,
    start: float,
    end: float,
    parent: str | None = None,
    flags: dict[str, bool] | None = None,
    cause: dict[str, Any] | None = None,
    subsegments: list[dict[str, Any]] | None = None,
    ran: bool = True,
) -> tuple[list[dict[str, Any]], str]:
    """The two segments Lambda's active tracing writes for one invocation: the service's (``AWS::Lambda``, its
    parent the caller's Invoke subsegment when there is one) and the function's (``AWS::Lambda::Function``, with
    the code's subsegments). An invocation the runtime did not finish (killed, timed out: ``ran`` False) leaves
    only the service's. Returns the segments and the service segment's id."""
    flags = flags or {}
    service_id = ids.segment()
    service: dict[str, Any] = {
        "trace_id": trace,
        "id": service_id,
        "name": function,
        "origin": "AWS::Lambda",
        "start_time": start,
        "end_time": end + 0.003,
        "aws": {"request_id": ids.uuid()},
        "http": {"response": {"status": 200}},
        **flags,
        **({"parent_id": parent} if parent else {}),
    }
    if not ran:
        return [service], service_id
    function_segment: dict[str, Any] = {
        "trace_id": trace,
        "id": ids.segment(),
        "parent_id": service_id,
        "name": function,
        "origin": "AWS::Lambda::Function",
        "start_time": start + 0.002,
        "end_time": end,
        "aws": {"function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"},
        **flags,
        **({"cause": cause} if cause else {}),
        "subsegments": subsegments or [],
    }
    return [service, function_segment], service_id


def api_stage_segment(
    ids: Ids, *, trace: str, stage: str, path: str, start: float, end: float, status: int, function: str
) -> tuple[dict[str, Any], str]:
    """API Gateway's segment for a REST API stage (``AWS::ApiGateway::Stage``) with its Lambda integration's
    Invoke subsegment; returns it and that subsegment's id (the parent of the function's service segment)."""
    invoke_id = ids.segment()
    api_id, name = stage.split("/", 1)[0], stage
    return (
        {
            "trace_id": trace,
            "id": ids.segment(),
            "name": name,
            "origin": "AWS::ApiGateway::Stage",
            "start_time": start,
            "end_time": end + 0.01,
            "http": {
                "request": {"method": "POST", "url": f"https://{api_id}.execute-api.{REGION}.amazonaws.com{path}"},
                "response": {"status": status},
            },
            **status_flags(status),
            "subsegments": [
                {
                    "id": invoke_id,
                    "name": "Lambda",
                    "namespace": "aws",
                    "start_time": start + 0.004,
                    "end_time": end + 0.006,
                    "aws": {"operation": "Invoke", "function_name": function},
                }
            ],
        },
        invoke_id,
    )


def through_api(
    ids: Ids,
    *,
    at: float,
    end: float,
    stage: str,
    path: str,
    function: str,
    failed: bool,
    cause: dict[str, Any] | None = None,
    subsegments: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One request through an API Gateway stage's Lambda proxy integration: a function error (``failed``, an
    unhandled exception: a fault of the function's segments) reaches the client as a 502."""
    trace = ids.trace(at)
    api, invoke_id = api_stage_segment(
        ids,
        trace=trace,
        stage=stage,
        path=path,
        start=at,
        end=end,
        status=502 if failed else 200,
        function=function,
    )
    segments, _ = lambda_segments(
        ids,
        trace=trace,
        function=function,
        start=at + 0.008,
        end=end,
        parent=invoke_id,
        flags={"fault": True} if failed else None,
        cause=cause,
        subsegments=subsegments,
    )
    return [api, *segments]
