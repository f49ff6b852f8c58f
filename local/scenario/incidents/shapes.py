"""The real shapes the scenarios are made of: X-Ray segment documents as Lambda's active tracing and the X-Ray
SDKs write them, the log lines the Lambda platform and the Python runtime print, botocore's error messages, and
CloudTrail's "AWS API Call via CloudTrail" events as EventBridge delivers them. ``SOURCES.md`` names where each
shape comes from.

Not for: deciding what fails (each scenario's module), putting a scenario's declared paths together
(``local.scenario.incidents.world``) or writing to the stack (``local.scenario.incidents.seeding``).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

from local.scenario.incident import hex_id, iso
from local.stack import ACCOUNT, REGION


class Ids:
    """Deterministic ids from one seeded random source: X-Ray trace and segment ids, request ids, event ids."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def trace(self, at: float) -> str:
        return f"1-{int(at):08x}-{hex_id(self.rng, 24)}"

    def segment(self) -> str:
        return hex_id(self.rng)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def uniform(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)

    def chance(self, share: float) -> bool:
        return self.rng.random() < share


# --- X-Ray ---------------------------------------------------------------------------------------------


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


# --- Log lines -----------------------------------------------------------------------------------------


def ms(at: float) -> int:
    return int(at * 1000)


def start_line(request_id: str) -> str:
    return f"START RequestId: {request_id} Version: $LATEST"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str, *, duration_ms: float, memory_mb: int, used_mb: int, billed_ms: int | None = None
) -> str:
    """The platform's REPORT line (tab-separated, as CloudWatch Logs keeps it); a timed-out invocation is billed
    its timeout (``billed_ms``)."""
    billed = billed_ms if billed_ms is not None else int(-(-duration_ms // 1))
    return (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
        f"Memory Size: {memory_mb} MB\tMax Memory Used: {used_mb} MB\t"
    )


def python_log(level: str, at: float, request_id: str, message: str) -> str:
    """A ``logging`` call in the Python runtime's default text format: ``[LEVEL]\\t<time>\\t<request id>\\t…``."""
    return f"[{level}]\t{iso(ms(at))}\t{request_id}\t{message}"


def python_unhandled(kind: str, message: str, frames: list[tuple[str, int, str, str]]) -> str:
    """An exception the handler did not catch, as the Python runtime logs it: ``[ERROR] <type>: <message>`` and
    the traceback, in one event. ``frames``: (file, line, function, code)."""
    trace = "".join(
        f'  File "{file}", line {line}, in {where}\n    {code}\n' for file, line, where, code in frames
    )
    return f"[ERROR] {kind}: {message}\nTraceback (most recent call last):\n{trace}".rstrip("\n")


def botocore_message(code: str, operation: str, message: str, retries: int | None = None) -> str:
    """botocore's ``ClientError`` text: ``An error occurred (<code>) when calling the <op> operation (reached max
    retries: N): <message>``."""
    tried = f" (reached max retries: {retries})" if retries else ""
    return f"An error occurred ({code}) when calling the {operation} operation{tried}: {message}"


def http_error(status: int, reason: str, host: str, path: str) -> str:
    """``requests``' message for a response ``raise_for_status()`` rejects."""
    kind = "Client" if status < 500 else "Server"
    return f"{status} {kind} Error: {reason} for url: https://{host}{path}"


BOTO3_ACTION = (
    "/var/runtime/boto3/resources/factory.py",
    581,
    "do_action",
    "response = action(self, *args, **kwargs)",
)
"""The frame of a boto3 resource's action (``table.get_item``) in a traceback."""
BOTOCORE_RAISE = (
    "/var/runtime/botocore/client.py",
    1023,
    "_make_api_call",
    "raise error_class(parsed_response, operation_name)",
)
"""The frame that raises botocore's ``ClientError``."""
REQUESTS_RAISE = (
    "/var/task/requests/models.py",
    1024,
    "raise_for_status",
    "raise HTTPError(http_error_msg, response=self)",
)
"""The frame that raises ``requests``' ``HTTPError`` (a vendored ``requests``)."""


def timed_out_line(at: float, request_id: str, seconds: float) -> str:
    """What the platform writes when an invocation reaches its timeout."""
    return f"{iso(ms(at))} {request_id} Task timed out after {seconds:.2f} seconds"


def killed_line(request_id: str) -> str:
    """What the platform writes when the runtime is killed for exceeding the function's memory."""
    return f"RequestId: {request_id} Error: Runtime exited with error: signal: killed\nRuntime.ExitError"


# --- CloudTrail via EventBridge ------------------------------------------------------------------------


def assumed_role(role: str, session: str) -> dict[str, Any]:
    """``userIdentity`` of a call made with an assumed role's session (a CI pipeline's deploy role)."""
    principal = f"AROA{hex_id(random.Random(role), 17).upper()}"
    return {
        "type": "AssumedRole",
        "principalId": f"{principal}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": principal,
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "accountId": ACCOUNT,
                "userName": role,
            },
            "attributes": {"creationDate": "2024-01-01T00:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def iam_user(name: str) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": f"AIDA{hex_id(random.Random(name), 16).upper()}",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "userName": name,
    }


def api_call_event(
    ids: Ids,
    *,
    at: datetime,
    source: str,
    event_source: str,
    event_name: str,
    identity: dict[str, Any],
    request: dict[str, Any],
    response: dict[str, Any] | None,
    user_agent: str,
) -> dict[str, Any]:
    """An "AWS API Call via CloudTrail" event on the default bus: EventBridge's envelope around the CloudTrail
    record (``detail``), as the ledger's rule receives it."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event_id = ids.uuid()
    return {
        "version": "0",
        "id": ids.uuid(),
        "detail-type": "AWS API Call via CloudTrail",
        "source": source,
        "account": ACCOUNT,
        "time": stamp,
        "region": REGION,
        "resources": [],
        "detail": {
            "eventVersion": "1.08",
            "userIdentity": identity,
            "eventTime": stamp,
            "eventSource": event_source,
            "eventName": event_name,
            "awsRegion": REGION,
            "sourceIPAddress": "203.0.113.24",
            "userAgent": user_agent,
            "requestParameters": request,
            "responseElements": response,
            "requestID": ids.uuid(),
            "eventID": event_id,
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": f"{event_source.split('.')[0]}.{REGION}.amazonaws.com",
            },
        },
    }


def function_configuration(
    function: str,
    *,
    memory_mb: int,
    timeout_s: int,
    runtime: str,
    code_sha256: str,
    last_modified: datetime,
    handler: str = "app.lambda_handler",
) -> dict[str, Any]:
    """A ``FunctionConfiguration`` as CloudTrail records Lambda's answer (``responseElements``): the environment's
    variables are never shown."""
    return {
        "functionName": function,
        "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}",
        "runtime": runtime,
        "role": f"arn:aws:iam::{ACCOUNT}:role/{function}-role",
        "handler": handler,
        "codeSize": 48213,
        "description": "",
        "timeout": timeout_s,
        "memorySize": memory_mb,
        "lastModified": last_modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "codeSha256": code_sha256,
        "version": "$LATEST",
        "environment": {},
        "tracingConfig": {"mode": "Active"},
        "revisionId": str(uuid.UUID(int=random.Random(code_sha256 + function).getrandbits(128), version=4)),
        "state": "Active",
        "lastUpdateStatus": "InProgress",
        "packageType": "Zip",
        "architectures": ["arm64"],
        "ephemeralStorage": {"size": 512},
        "snapStart": {"applyOn": "None", "optimizationStatus": "Off"},
        "loggingConfig": {"logFormat": "Text", "logGroup": f"/aws/lambda/{function}"},
    }


def invocation_lines(
    group: str,
    request_id: str,
    *,
    start: float,
    duration_ms: float,
    memory_mb: int,
    used_mb: int,
    body: list[tuple[float, str]] | None = None,
    billed_ms: int | None = None,
    after: list[str] | None = None,
) -> list[tuple[str, float, str]]:
    """An invocation's log: START, the code's lines (``body``: at, message), END, REPORT and what the platform
    writes after it (``after``: why a timed-out or killed invocation ended)."""
    end = start + duration_ms / 1000
    report = report_line(
        request_id, duration_ms=duration_ms, memory_mb=memory_mb, used_mb=used_mb, billed_ms=billed_ms
    )
    return [
        (group, start, start_line(request_id)),
        *((group, at, message) for at, message in body or []),
        (group, end, end_line(request_id)),
        (group, end + 0.0005, report),
        *((group, end + 0.001, message) for message in after or []),
    ]
