"""2 · A configuration change: someone edits ``inventory-api``'s environment (``UpdateFunctionConfiguration``) and
points ``TABLE_NAME`` at a table that does not exist. Every read then fails with DynamoDB's
``ResourceNotFoundException``, unhandled.

Must name: the function, the error, and the configuration change with who made it. (CloudTrail never shows an
environment's values, so the change can be named, not the variable.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from local.scenario.incidents import shapes
from local.scenario.incidents.model import Alarm, Expect, Record, Scenario

if TYPE_CHECKING:
    from local.scenario.incidents.model import Invocation, Timeline
    from local.scenario.incidents.shapes import Ids

FUNCTION = "inventory-api"
STAGE = "inventory-api/prod"
TABLE, WRONG_TABLE = "inventory", "inventory-v2"
WHO = "alice"
MEMORY_MB, TIMEOUT_S = 256, 10
NOT_FOUND = f"Requested resource not found: Table: {WRONG_TABLE} not found"
FRAMES = [
    ("/var/task/app.py", 22, "lambda_handler", 'item = table.get_item(Key={"sku": sku})["Item"]'),
    ("/var/runtime/boto3/resources/factory.py", 581, "do_action", "response = action(self, *args, **kwargs)"),
    (
        "/var/runtime/botocore/client.py",
        1023,
        "_make_api_call",
        "raise error_class(parsed_response, operation_name)",
    ),
]


def invoke(inv: Invocation, ids: Ids) -> Record:
    group = f"/aws/lambda/{FUNCTION}"
    at = inv.at
    read_end = at + 0.015 + ids.uniform(0.004, 0.01)
    if inv.failing:
        message = shapes.botocore_message("ResourceNotFoundException", "GetItem", NOT_FOUND)
        read = shapes.dynamodb_call(
            ids,
            table=WRONG_TABLE,
            operation="GetItem",
            start=at + 0.015,
            end=read_end,
            status=400,
            error=("ResourceNotFoundException", NOT_FOUND),
        )
        end = read_end + 0.003
        cause = {
            "working_directory": "/var/task",
            "exceptions": [shapes.exception(ids, "ResourceNotFoundException", message)],
        }
        segments = shapes.through_api(
            ids,
            at=at,
            end=end,
            stage=STAGE,
            path="/prod/stock",
            function=FUNCTION,
            failed=True,
            cause=cause,
            subsegments=[read],
        )
        body = [(end - 0.001, shapes.python_unhandled("ResourceNotFoundException", message, FRAMES))]
        duration = (end - at) * 1000
        return Record(
            segments,
            shapes.invocation_lines(
                group, inv.request_id, start=at, duration_ms=duration, memory_mb=MEMORY_MB, used_mb=79, body=body
            ),
            duration_ms=duration,
            error=True,
        )
    read = shapes.dynamodb_call(ids, table=TABLE, operation="GetItem", start=at + 0.015, end=read_end)
    end = read_end + 0.003
    segments = shapes.through_api(
        ids, at=at, end=end, stage=STAGE, path="/prod/stock", function=FUNCTION, failed=False, subsegments=[read]
    )
    body = [(read_end, shapes.python_log("INFO", read_end, inv.request_id, f"stock sku-{inv.n % 97:03d}: 14"))]
    duration = (end - at) * 1000
    return Record(
        segments,
        shapes.invocation_lines(
            group, inv.request_id, start=at, duration_ms=duration, memory_mb=MEMORY_MB, used_mb=78, body=body
        ),
        duration_ms=duration,
    )


def changes(timeline: Timeline, ids: Ids) -> list[dict[str, Any]]:
    """The console edit of the environment a minute before the failures: CloudTrail records that the environment
    was set, never its variables."""
    at = timeline.before_failure(1)
    return [
        shapes.api_call_event(
            ids,
            at=at,
            source="aws.lambda",
            event_source="lambda.amazonaws.com",
            event_name="UpdateFunctionConfiguration20150331v2",
            identity=shapes.iam_user(WHO),
            request={
                "functionName": f"arn:aws:lambda:{shapes.REGION}:{shapes.ACCOUNT}:function:{FUNCTION}",
                "environment": {},
            },
            response=shapes.function_configuration(
                FUNCTION,
                memory_mb=MEMORY_MB,
                timeout_s=TIMEOUT_S,
                runtime="python3.12",
                code_sha256="Zk4m9QwB1xT7cE2rV5yH8uJ3nL6pA0sD4fG7hK1qWe8=",
                last_modified=at,
            ),
            user_agent="console.amazonaws.com",
        )
    ]


SCENARIO = Scenario(
    key="config-change",
    title="A configuration change",
    cause=f"user/{WHO} changed {FUNCTION}'s environment (UpdateFunctionConfiguration): TABLE_NAME now names"
    f" {WRONG_TABLE}, which does not exist, and every read fails with ResourceNotFoundException",
    function=FUNCTION,
    invoke=invoke,
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the failing function {FUNCTION}", r"\binventory-api\b"),
        Expect("the error: ResourceNotFoundException", r"ResourceNotFoundException|Requested resource not found"),
        Expect(
            "the configuration change (UpdateFunctionConfiguration)",
            r"configuration|UpdateFunctionConfiguration|environment",
            needs_changes=True,
        ),
        Expect(f"who changed it: {WHO}", rf"\b{WHO}\b", needs_changes=True),
    ),
    memory_mb=MEMORY_MB,
    timeout_s=TIMEOUT_S,
    failing_share=1.0,
    changes=changes,
)
