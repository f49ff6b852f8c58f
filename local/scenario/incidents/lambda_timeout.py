"""5 · A Lambda timeout: the warehouse API ``report-export`` reads from stops answering, and each export runs
into the function's 10-second timeout ("Task timed out after 10.01 seconds", Duration at the timeout).

Must name: the function and that it times out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from local.scenario.incidents import shapes
from local.scenario.incidents.model import Alarm, Expect, Record, Scenario

if TYPE_CHECKING:
    from local.scenario.incidents.model import Invocation
    from local.scenario.incidents.shapes import Ids

FUNCTION = "report-export"
HOST = "warehouse.internal.example"
PATH = "/v1/export"
MEMORY_MB, TIMEOUT_S = 1024, 10


def invoke(inv: Invocation, ids: Ids) -> Record:
    """An SQS-triggered export: its trace starts at Lambda."""
    group = f"/aws/lambda/{FUNCTION}"
    at = inv.at
    trace = ids.trace(at)
    report = f"rep-{inv.n:05d}"
    started = [
        (at + 0.01, shapes.python_log("INFO", at + 0.01, inv.request_id, f"exporting {report} from {HOST}"))
    ]
    if inv.failing:  # the call hangs until Lambda stops the invocation: only the service's segment is written
        ran = TIMEOUT_S + ids.uniform(0.005, 0.015)
        segments, _ = shapes.lambda_segments(
            ids, trace=trace, function=FUNCTION, start=at, end=at + ran, flags={"fault": True}, ran=False
        )
        duration = ran * 1000
        return Record(
            segments,
            shapes.invocation_lines(
                group,
                inv.request_id,
                start=at,
                duration_ms=duration,
                memory_mb=MEMORY_MB,
                used_mb=143,
                body=started,
                billed_ms=TIMEOUT_S * 1000,
                after=[shapes.timed_out_line(at + ran, inv.request_id, ran)],
            ),
            duration_ms=duration,
            error=True,
        )
    call_end = at + 0.02 + ids.uniform(0.8, 2.5)
    call = shapes.remote_call(ids, host=HOST, method="POST", path=PATH, start=at + 0.02, end=call_end, status=200)
    end = call_end + 0.05
    segments, _ = shapes.lambda_segments(
        ids, trace=trace, function=FUNCTION, start=at, end=end, subsegments=[call]
    )
    duration = (end - at) * 1000
    done = [(end - 0.001, shapes.python_log("INFO", end - 0.001, inv.request_id, f"{report}: 18422 rows written"))]
    return Record(
        segments,
        shapes.invocation_lines(
            group,
            inv.request_id,
            start=at,
            duration_ms=duration,
            memory_mb=MEMORY_MB,
            used_mb=141,
            body=started + done,
        ),
        duration_ms=duration,
    )


SCENARIO = Scenario(
    key="lambda-timeout",
    title="A Lambda timeout",
    cause=f"{HOST} stops answering; {FUNCTION}'s exports run into its {TIMEOUT_S}-second timeout",
    function=FUNCTION,
    invoke=invoke,
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the failing function {FUNCTION}", r"\breport-export\b"),
        Expect("that it times out: Task timed out", r"timed out|timeout"),
    ),
    memory_mb=MEMORY_MB,
    timeout_s=TIMEOUT_S,
    failing_share=0.7,
    every_s=(30.0, 8.0),
)
