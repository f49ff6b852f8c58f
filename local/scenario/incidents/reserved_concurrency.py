"""6 · Hitting reserved concurrency: an engineer caps ``notify-worker`` at 2 concurrent executions
(``PutFunctionConcurrency``) while ``notify-dispatcher`` invokes it for every notification. Lambda throttles the
invocations beyond the cap (the function's ``Throttles`` metric; the caller gets ``TooManyRequestsException:
Rate Exceeded.``) — the function itself runs fine and logs no error.

Must name: the function, that it is throttled, and the concurrency change with who made it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from local.scenario.incidents import shapes
from local.scenario.incidents.model import Alarm, Expect, Record, Scenario

if TYPE_CHECKING:
    from local.scenario.incidents.model import Dimensions, Invocation, Timeline
    from local.scenario.incidents.shapes import Ids

FUNCTION = "notify-worker"
CALLER = "notify-dispatcher"
CALLER_GROUP = f"/aws/lambda/{CALLER}"
WHO = "bob"
RESERVED = 2
MEMORY_MB, TIMEOUT_S = 256, 30
RATE_EXCEEDED = "Rate Exceeded."
FRAMES = [
    ("/var/task/dispatch.py", 41, "lambda_handler", "lambda_client.invoke(FunctionName=WORKER, Payload=payload)"),
    (
        "/var/runtime/botocore/client.py",
        1023,
        "_make_api_call",
        "raise error_class(parsed_response, operation_name)",
    ),
]


def _caller(at: float, end: float, request_id: str, ids: Ids, **segment: Any) -> list[dict[str, Any]]:
    segments, _ = shapes.lambda_segments(
        ids, trace=segment.pop("trace"), function=CALLER, start=at, end=end, **segment
    )
    return segments


def invoke(inv: Invocation, ids: Ids) -> Record:
    """One notification: the dispatcher (SQS-triggered) invokes the worker synchronously."""
    at = inv.at
    trace = ids.trace(at)
    caller_id = ids.uuid()
    call_start = at + 0.01
    caller_dims: Dimensions = (("FunctionName", CALLER),)
    caller_metrics = [("AWS/Lambda", "Invocations", caller_dims, 1.0)]
    if inv.failing:  # throttled: the worker never runs; the dispatcher's retries give up
        call_end = call_start + ids.uniform(0.6, 1.4)
        message = shapes.botocore_message("TooManyRequestsException", "Invoke", RATE_EXCEEDED, retries=4)
        call = shapes.lambda_invoke_call(
            ids,
            function=FUNCTION,
            start=call_start,
            end=call_end,
            status=429,
            error=("TooManyRequestsException", RATE_EXCEEDED),
        )
        end = call_end + 0.003
        cause = {
            "working_directory": "/var/task",
            "exceptions": [shapes.exception(ids, "TooManyRequestsException", message)],
        }
        segments = _caller(
            at, end, caller_id, ids, trace=trace, flags={"fault": True}, cause=cause, subsegments=[call]
        )
        lines = shapes.invocation_lines(
            CALLER_GROUP,
            caller_id,
            start=at,
            duration_ms=(end - at) * 1000,
            memory_mb=128,
            used_mb=71,
            body=[(end - 0.001, shapes.python_unhandled("TooManyRequestsException", message, FRAMES))],
        )
        caller_metrics.append(("AWS/Lambda", "Errors", caller_dims, 1.0))
        return Record(segments, lines, duration_ms=None, throttled=True, metrics=caller_metrics)
    work_start = call_start + 0.02
    work_end = work_start + ids.uniform(1.5, 3.0)  # sends the notification through the provider's API
    call = shapes.lambda_invoke_call(ids, function=FUNCTION, start=call_start, end=work_end + 0.01)
    end = work_end + 0.015
    caller = _caller(at, end, caller_id, ids, trace=trace, subsegments=[call])
    worker, _ = shapes.lambda_segments(
        ids, trace=trace, function=FUNCTION, start=work_start, end=work_end, parent=call["id"]
    )
    duration = (work_end - work_start) * 1000
    lines = [
        *shapes.invocation_lines(
            f"/aws/lambda/{FUNCTION}",
            inv.request_id,
            start=work_start,
            duration_ms=duration,
            memory_mb=MEMORY_MB,
            used_mb=92,
            body=[
                (
                    work_end - 0.001,
                    shapes.python_log("INFO", work_end - 0.001, inv.request_id, "notification sent"),
                )
            ],
        ),
        *shapes.invocation_lines(
            CALLER_GROUP, caller_id, start=at, duration_ms=(end - at) * 1000, memory_mb=128, used_mb=70
        ),
    ]
    return Record([*caller, *worker], lines, duration_ms=duration, metrics=caller_metrics)


def changes(timeline: Timeline, ids: Ids) -> list[dict[str, Any]]:
    """The cap, set from the CLI a minute before the throttles start."""
    return [
        shapes.api_call_event(
            ids,
            at=timeline.before_failure(1),
            source="aws.lambda",
            event_source="lambda.amazonaws.com",
            event_name="PutFunctionConcurrency20171031",
            identity=shapes.iam_user(WHO),
            request={"functionName": FUNCTION, "reservedConcurrentExecutions": RESERVED},
            response={"reservedConcurrentExecutions": RESERVED},
            user_agent="aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.9",
        )
    ]


SCENARIO = Scenario(
    key="reserved-concurrency",
    title="Hitting reserved concurrency",
    cause=f"user/{WHO} set {FUNCTION}'s reserved concurrency to {RESERVED} (PutFunctionConcurrency); Lambda"
    f" throttles {CALLER}'s invocations beyond it",
    function=FUNCTION,
    invoke=invoke,
    alarm=Alarm("Throttles", f"{FUNCTION} invocations throttled"),
    expects=(
        Expect(f"the throttled function {FUNCTION}", r"\bnotify-worker\b"),
        Expect("that Lambda throttles it", r"throttl|\b429\b|TooManyRequests|Rate Exceeded"),
        Expect(
            "the concurrency change (PutFunctionConcurrency)",
            r"concurrency|PutFunctionConcurrency",
            needs_changes=True,
        ),
        Expect(f"who changed it: {WHO}", rf"\b{WHO}\b", needs_changes=True),
    ),
    memory_mb=MEMORY_MB,
    timeout_s=TIMEOUT_S,
    failing_share=0.5,
    changes=changes,
    extra_groups=(CALLER_GROUP,),
)
