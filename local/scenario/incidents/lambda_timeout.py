"""5 · A Lambda timeout: the warehouse API ``report-export`` reads from stops answering, and each export runs
into the function's 10-second timeout ("Task timed out after 10.01 seconds", Duration at the timeout).

Must name: the function and that it times out.
"""

from __future__ import annotations

from local.scenario.incidents.model import Alarm, Expect, Scenario
from local.scenario.incidents.paths import Http, Log, Path, TimesOut, Triggered

FUNCTION = "report-export"
HOST = "warehouse.internal.example"
TIMEOUT_S = 10
EXPORTING = Log(lambda n: f"exporting rep-{n:05d} from {HOST}", when="start")

SCENARIO = Scenario(
    key="lambda-timeout",
    title="A Lambda timeout",
    cause=f"{HOST} stops answering; {FUNCTION}'s exports run into its {TIMEOUT_S}-second timeout",
    function=FUNCTION,
    memory_mb=1024,
    timeout_s=TIMEOUT_S,
    entry=Triggered(),  # an SQS-triggered export
    ok=Path(
        used_mb=141,
        starts=0.02,
        calls=(Http(HOST, "POST", "/v1/export", took=(0.8, 2.5)),),
        then=0.05,
        logs=(EXPORTING, Log(lambda n: f"rep-{n:05d}: 18422 rows written")),
    ),
    # the call hangs until Lambda stops the invocation: only the service's segment is written
    failing=Path(used_mb=143, logs=(EXPORTING,), ends=TimesOut(over=(0.005, 0.015))),
    failing_share=0.7,
    every_s=(30.0, 8.0),
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the failing function {FUNCTION}", r"\breport-export\b"),
        Expect("that it times out: Task timed out", r"timed out|timeout"),
    ),
)
