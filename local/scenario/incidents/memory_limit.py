"""8 · A memory limit: large uploads reach ``thumbnailer`` (256 MB), and the runtime is killed mid-resize
("Runtime exited with error: signal: killed", the REPORT line's Max Memory Used at the Memory Size).

Must name: the function and that it runs out of memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from local.scenario.incidents import shapes
from local.scenario.incidents.model import Alarm, Expect, Record, Scenario

if TYPE_CHECKING:
    from local.scenario.incidents.model import Invocation
    from local.scenario.incidents.shapes import Ids

FUNCTION = "thumbnailer"
BUCKET = "uploads-photos"
MEMORY_MB, TIMEOUT_S = 256, 60


def invoke(inv: Invocation, ids: Ids) -> Record:
    """An S3-notified (asynchronous) resize: its trace starts at Lambda."""
    group = f"/aws/lambda/{FUNCTION}"
    at = inv.at
    trace = ids.trace(at)
    key = f"incoming/IMG_{4000 + inv.n}.jpg"
    got = [(at + 0.01, shapes.python_log("INFO", at + 0.01, inv.request_id, f"resizing s3://{BUCKET}/{key}"))]
    if inv.failing:  # killed mid-resize: the runtime writes no segment of its own
        ran = ids.uniform(1.8, 3.2)
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
                used_mb=MEMORY_MB,
                body=got,
                after=[shapes.killed_line(inv.request_id)],
            ),
            duration_ms=duration,
            error=True,
        )
    end = at + ids.uniform(0.4, 0.9)
    segments, _ = shapes.lambda_segments(ids, trace=trace, function=FUNCTION, start=at, end=end)
    duration = (end - at) * 1000
    done = [(end - 0.001, shapes.python_log("INFO", end - 0.001, inv.request_id, "3 sizes written"))]
    return Record(
        segments,
        shapes.invocation_lines(
            group,
            inv.request_id,
            start=at,
            duration_ms=duration,
            memory_mb=MEMORY_MB,
            used_mb=171,
            body=got + done,
        ),
        duration_ms=duration,
    )


SCENARIO = Scenario(
    key="memory-limit",
    title="A memory limit",
    cause=f"large uploads exhaust {FUNCTION}'s {MEMORY_MB} MB: the runtime is killed (signal: killed), Max Memory"
    " Used = Memory Size",
    function=FUNCTION,
    invoke=invoke,
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the failing function {FUNCTION}", r"\bthumbnailer\b"),
        Expect("that it runs out of memory (signal: killed)", r"signal: killed|memory|\bOOM\b"),
    ),
    memory_mb=MEMORY_MB,
    timeout_s=TIMEOUT_S,
    failing_share=0.5,
    every_s=(30.0, 8.0),
)
