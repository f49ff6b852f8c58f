"""1 · A bad deploy: CI deploys new code to ``cart-api`` (``UpdateFunctionCode``), and the new code reads a field
the clients do not send — an unhandled ``KeyError`` on most requests, a 502 at the API.

Must name: the function, the error the new code raises, and the deploy with who made it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from local.scenario.incidents import shapes
from local.scenario.incidents.model import Alarm, Expect, Record, Scenario

if TYPE_CHECKING:
    from local.scenario.incidents.model import Invocation, Timeline
    from local.scenario.incidents.shapes import Ids

FUNCTION = "cart-api"
STAGE = "cart-api/prod"
TABLE = "carts"
ROLE, SESSION = "github-actions-deploy", "gha-cart-api-4812"
MEMORY_MB, TIMEOUT_S = 512, 15
FRAMES = [
    ("/var/task/app.py", 31, "lambda_handler", 'customer = body["customer_id"]'),
]


def invoke(inv: Invocation, ids: Ids) -> Record:
    group = f"/aws/lambda/{FUNCTION}"
    at = inv.at
    if inv.failing:  # the new code fails before any call: the field it reads is not there
        end = at + ids.uniform(0.02, 0.05)
        cause = {
            "working_directory": "/var/task",
            "exceptions": [shapes.exception(ids, "KeyError", "'customer_id'")],
        }
        segments = shapes.through_api(
            ids, at=at, end=end, stage=STAGE, path="/prod/cart", function=FUNCTION, failed=True, cause=cause
        )
        body = [(end - 0.001, shapes.python_unhandled("KeyError", "'customer_id'", FRAMES))]
        duration = (end - at) * 1000
        return Record(
            segments,
            shapes.invocation_lines(
                group, inv.request_id, start=at, duration_ms=duration, memory_mb=MEMORY_MB, used_mb=88, body=body
            ),
            duration_ms=duration,
            error=True,
        )
    read_end = at + 0.02 + ids.uniform(0.004, 0.012)
    write_end = read_end + ids.uniform(0.006, 0.015)
    end = write_end + 0.004
    calls = [
        shapes.dynamodb_call(ids, table=TABLE, operation="GetItem", start=at + 0.02, end=read_end),
        shapes.dynamodb_call(ids, table=TABLE, operation="PutItem", start=read_end + 0.001, end=write_end),
    ]
    segments = shapes.through_api(
        ids, at=at, end=end, stage=STAGE, path="/prod/cart", function=FUNCTION, failed=False, subsegments=calls
    )
    body = [
        (write_end, shapes.python_log("INFO", write_end, inv.request_id, f"cart updated: {inv.n % 7 + 1} items"))
    ]
    duration = (end - at) * 1000
    return Record(
        segments,
        shapes.invocation_lines(
            group, inv.request_id, start=at, duration_ms=duration, memory_mb=MEMORY_MB, used_mb=87, body=body
        ),
        duration_ms=duration,
    )


def changes(timeline: Timeline, ids: Ids) -> list[dict[str, Any]]:
    """CI's deploy: new code from S3, two minutes before the failures start."""
    at = timeline.before_failure(2)
    arn = f"arn:aws:lambda:{shapes.REGION}:{shapes.ACCOUNT}:function:{FUNCTION}"
    return [
        shapes.api_call_event(
            ids,
            at=at,
            source="aws.lambda",
            event_source="lambda.amazonaws.com",
            event_name="UpdateFunctionCode20150331v2",
            identity=shapes.assumed_role(ROLE, SESSION),
            request={
                "dryRun": False,
                "fullyQualifiedArn": {
                    "arnPrefix": {"account": shapes.ACCOUNT, "partition": "aws", "region": shapes.REGION},
                    "functionQualifier": {},
                    "relativeId": {"functionName": FUNCTION},
                },
                "functionName": arn,
                "publish": False,
            },
            response=shapes.function_configuration(
                FUNCTION,
                memory_mb=MEMORY_MB,
                timeout_s=TIMEOUT_S,
                runtime="python3.12",
                code_sha256="q3Lr0dB4yKj2cW9vY8uZ6mE1tN5sH7aX0fQpVgR2iTk=",
                last_modified=at,
            ),
            user_agent="aws-sdk-js/3.637.0 ua/2.0 os/linux lang/js md/nodejs#20.17.0 api/lambda#3.637.0",
        )
    ]


SCENARIO = Scenario(
    key="bad-deploy",
    title="A bad deploy",
    cause=f"{ROLE}/{SESSION} deployed new code to {FUNCTION} (UpdateFunctionCode); it raises KeyError"
    " 'customer_id' on most requests",
    function=FUNCTION,
    invoke=invoke,
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the failing function {FUNCTION}", r"\bcart-api\b"),
        Expect("the error the new code raises: KeyError", r"\bKeyError\b"),
        Expect("the deploy (UpdateFunctionCode)", r"deploy|UpdateFunctionCode|new code", needs_changes=True),
        Expect(f"who deployed: {ROLE}", rf"{ROLE}|{SESSION}", needs_changes=True),
    ),
    memory_mb=MEMORY_MB,
    timeout_s=TIMEOUT_S,
    failing_share=0.7,
    changes=changes,
)
