"""7 · DynamoDB throttling: a burst of ledger writes exceeds table ``ledger-entries``' provisioned write capacity;
``ledger-writer``'s ``PutItem`` calls are throttled (``ProvisionedThroughputExceededException``, HTTP 400) until
boto3's retries give up, and the exception goes unhandled.

Must name: the throttled table and DynamoDB's throttling error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from local.scenario.incidents import shapes
from local.scenario.incidents.model import Alarm, Expect, Record, Scenario

if TYPE_CHECKING:
    from local.scenario.incidents.model import Invocation
    from local.scenario.incidents.shapes import Ids

FUNCTION = "ledger-writer"
TABLE = "ledger-entries"
MEMORY_MB, TIMEOUT_S = 512, 30
EXCEEDED = (
    "The level of configured provisioned throughput for the table was exceeded. Consider increasing your"
    " provisioning level with the UpdateTable API."
)
RETRIES = 9
"""boto3's legacy retry mode gives DynamoDB 10 attempts."""
FRAMES = [
    ("/var/task/ledger.py", 57, "lambda_handler", "table.put_item(Item=entry)"),
    ("/var/runtime/boto3/resources/factory.py", 581, "do_action", "response = action(self, *args, **kwargs)"),
    (
        "/var/runtime/botocore/client.py",
        1023,
        "_make_api_call",
        "raise error_class(parsed_response, operation_name)",
    ),
]


def invoke(inv: Invocation, ids: Ids) -> Record:
    """A Kinesis-triggered batch writer: its trace starts at Lambda."""
    group = f"/aws/lambda/{FUNCTION}"
    at = inv.at
    trace = ids.trace(at)
    put_start = at + 0.015
    dims = (("TableName", TABLE),)
    if inv.failing:
        put_end = put_start + ids.uniform(2.5, 4.5)  # ten attempts with backoff
        message = shapes.botocore_message("ProvisionedThroughputExceededException", "PutItem", EXCEEDED, RETRIES)
        put = shapes.dynamodb_call(
            ids,
            table=TABLE,
            operation="PutItem",
            start=put_start,
            end=put_end,
            status=400,
            error=("ProvisionedThroughputExceededException", EXCEEDED),
            throttled=True,
            retries=RETRIES,
        )
        end = put_end + 0.004
        cause = {
            "working_directory": "/var/task",
            "exceptions": [shapes.exception(ids, "ProvisionedThroughputExceededException", message)],
        }
        segments, _ = shapes.lambda_segments(
            ids,
            trace=trace,
            function=FUNCTION,
            start=at,
            end=end,
            flags={"fault": True},
            cause=cause,
            subsegments=[put],
        )
        duration = (end - at) * 1000
        body = [(end - 0.001, shapes.python_unhandled("ProvisionedThroughputExceededException", message, FRAMES))]
        return Record(
            segments,
            shapes.invocation_lines(
                group, inv.request_id, start=at, duration_ms=duration, memory_mb=MEMORY_MB, used_mb=104, body=body
            ),
            duration_ms=duration,
            error=True,
            metrics=[("AWS/DynamoDB", "WriteThrottleEvents", dims, float(RETRIES + 1))],
        )
    put_end = put_start + ids.uniform(0.006, 0.02)
    put = shapes.dynamodb_call(ids, table=TABLE, operation="PutItem", start=put_start, end=put_end)
    end = put_end + 0.004
    segments, _ = shapes.lambda_segments(ids, trace=trace, function=FUNCTION, start=at, end=end, subsegments=[put])
    duration = (end - at) * 1000
    body = [(end - 0.001, shapes.python_log("INFO", end - 0.001, inv.request_id, "batch of 25 entries written"))]
    return Record(
        segments,
        shapes.invocation_lines(
            group, inv.request_id, start=at, duration_ms=duration, memory_mb=MEMORY_MB, used_mb=102, body=body
        ),
        duration_ms=duration,
        metrics=[("AWS/DynamoDB", "ConsumedWriteCapacityUnits", dims, 25.0)],
    )


SCENARIO = Scenario(
    key="dynamodb-throttling",
    title="DynamoDB throttling",
    cause=f"a burst of writes exceeds the provisioned write capacity of {TABLE}; {FUNCTION}'s PutItem calls fail"
    " with ProvisionedThroughputExceededException after boto3's retries",
    function=FUNCTION,
    invoke=invoke,
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the throttled table {TABLE}", r"\bledger-entries\b"),
        Expect(
            "DynamoDB's throttling: ProvisionedThroughputExceededException",
            r"ProvisionedThroughputExceeded|throttl",
        ),
    ),
    memory_mb=MEMORY_MB,
    timeout_s=TIMEOUT_S,
    failing_share=0.6,
)
