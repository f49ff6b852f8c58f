"""8 · A memory limit: large uploads reach ``thumbnailer`` (256 MB), and the runtime is killed mid-resize
("Runtime exited with error: signal: killed", the REPORT line's Max Memory Used at the Memory Size).

Must name: the function and that it runs out of memory.
"""

from __future__ import annotations

from local.scenario.incidents.model import Alarm, Expect, Scenario
from local.scenario.incidents.paths import Killed, Log, Path, Triggered

FUNCTION = "thumbnailer"
BUCKET = "uploads-photos"
MEMORY_MB = 256
RESIZING = Log(lambda n: f"resizing s3://{BUCKET}/incoming/IMG_{4000 + n}.jpg", when="start")

SCENARIO = Scenario(
    key="memory-limit",
    title="A memory limit",
    cause=f"large uploads exhaust {FUNCTION}'s {MEMORY_MB} MB: the runtime is killed (signal: killed), Max Memory"
    " Used = Memory Size",
    function=FUNCTION,
    memory_mb=MEMORY_MB,
    timeout_s=60,
    entry=Triggered(),  # an S3-notified (asynchronous) resize
    ok=Path(used_mb=171, then=(0.4, 0.9), logs=(RESIZING, Log("3 sizes written"))),
    # killed mid-resize: the runtime writes no segment of its own
    failing=Path(used_mb=MEMORY_MB, logs=(RESIZING,), ends=Killed(ran=(1.8, 3.2))),
    failing_share=0.5,
    every_s=(30.0, 8.0),
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the failing function {FUNCTION}", r"\bthumbnailer\b"),
        Expect("that it runs out of memory (signal: killed)", r"signal: killed|memory|\bOOM\b"),
    ),
)
