"""The operations :class:`~bot.awshttp.client.LeanClient` sends itself, and how each service speaks.

Only these are sent without botocore; any other operation goes to the boto3 client. Timestamp and blob
members of each output are listed so that responses match boto3's (``datetime``, ``bytes``);
``tests/unit/test_awshttp.py`` checks the lists against botocore's service models.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Operation:
    timestamps: tuple[str, ...] = ()
    """Output members that are timestamps, as paths: ``A.B[]`` is every item of list ``B`` of ``A``."""
    blobs: tuple[str, ...] = ()
    path: str = "/"
    """REST-JSON: the request path, ``{Name}`` taken from the parameter of that name."""


@dataclass(frozen=True)
class Service:
    endpoint_prefix: str
    service_id: str
    """As in ``AWS_ENDPOINT_URL_<SERVICE_ID>``."""
    operations: dict[str, Operation] = field(default_factory=dict)
    target_prefix: str = ""
    """JSON protocol: ``X-Amz-Target`` prefix; empty for REST-JSON."""
    json_version: str = "1.1"

    @property
    def signing_name(self) -> str:
        return self.endpoint_prefix


_TRACE_TIMES = ("StartTime", "EndTime")

SERVICES: dict[str, Service] = {
    "cloudwatch": Service(
        "monitoring",
        "CLOUDWATCH",
        {
            "GetMetricData": Operation(timestamps=("MetricDataResults[].Timestamps[]",)),
            "ListTagsForResource": Operation(),
        },
        target_prefix="GraniteServiceVersion20100801",
        json_version="1.0",
    ),
    "logs": Service(
        "logs",
        "CLOUDWATCH_LOGS",
        {
            name: Operation()
            for name in ("FilterLogEvents", "DescribeMetricFilters", "StartQuery", "GetQueryResults", "StopQuery")
        },
        target_prefix="Logs_20140328",
    ),
    "xray": Service(
        "xray",
        "XRAY",
        {
            "GetServiceGraph": Operation(
                timestamps=(
                    *_TRACE_TIMES,
                    *(f"Services[].{t}" for t in _TRACE_TIMES),
                    *(f"Services[].Edges[].{t}" for t in _TRACE_TIMES),
                ),
                path="/ServiceGraph",
            ),
            "GetTraceSummaries": Operation(
                timestamps=("ApproximateTime", "TraceSummaries[].MatchedEventTime", "TraceSummaries[].StartTime"),
                path="/TraceSummaries",
            ),
        },
    ),
    "secretsmanager": Service(
        "secretsmanager",
        "SECRETS_MANAGER",
        {"GetSecretValue": Operation(timestamps=("CreatedDate",), blobs=("SecretBinary",))},
        target_prefix="secretsmanager",
    ),
    "dynamodb": Service(
        "dynamodb",
        "DYNAMODB",
        {name: Operation() for name in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")},
        target_prefix="DynamoDB_20120810",
        json_version="1.0",
    ),
    "lambda": Service(
        "lambda",
        "LAMBDA",
        {"Invoke": Operation(blobs=("Payload",), path="/2015-03-31/functions/{FunctionName}/invocations")},
    ),
}
"""boto3 service name → how to reach it. DynamoDB binary attributes (``B``) are not decoded: Lookout stores
none."""

INVOKE_HEADERS = {
    "InvocationType": "X-Amz-Invocation-Type",
    "LogType": "X-Amz-Log-Type",
    "ClientContext": "X-Amz-Client-Context",
    "Qualifier": "",  # a query parameter; not used by Lookout, so such calls go to boto3
}
INVOKE_OUTPUT_HEADERS = {
    "FunctionError": "X-Amz-Function-Error",
    "LogResult": "X-Amz-Log-Result",
    "ExecutedVersion": "X-Amz-Executed-Version",
}


def snake_to_operation(name: str) -> str:
    """``get_metric_data`` → ``GetMetricData``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))
