"""The composition roots, each in a fresh interpreter: importing a handler builds its path's boto3 clients
once, at init (what a SnapStart snapshot keeps), and, with tracing off (the default, as in the template), never
imports the X-Ray SDK; with tracing on, work and AWS calls are traced without changing results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.wiring import ALARM_SERVICES

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys, json; import handlers.alarm as h; "
    "print(json.dumps({'xray': 'aws_xray_sdk' in sys.modules, 'bolt': 'slack_bolt' in sys.modules, "
    "'clients': sorted(s for s, _ in h.CLIENTS._clients)}))"
)


def test_the_alarm_handler_builds_its_clients_at_init_and_no_xray_sdk_by_default() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LOOKOUT_TRACING"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found == {"xray": False, "bolt": False, "clients": sorted(ALARM_SERVICES)}


TRACED = """
from concurrent.futures import ThreadPoolExecutor
from bot.config import Settings
from bot.observability import Telemetry
t = Telemetry(Settings(tracing=True))
with t.span("## slack"):
    pass
with ThreadPoolExecutor(1) as pool:
    result = pool.submit(t.in_thread("## xray", lambda x: x * 2), 21).result()
import sys
print(result, "aws_xray_sdk" in sys.modules)
"""


def test_tracing_on_wraps_work_without_changing_results() -> None:
    out = subprocess.run(
        [sys.executable, "-c", TRACED], cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == ["42", "True"]


TRACED_CALL = """
import json
from bot.config import Settings
from bot.observability import Telemetry
Telemetry(Settings(tracing=True)).tracer
from aws_xray_sdk.core import patcher
print(json.dumps("botocore" in patcher._PATCHED_MODULES))
"""


def test_aws_calls_are_traced_when_tracing_is_on() -> None:
    env = {k: v for k, v in os.environ.items() if k != "POWERTOOLS_TRACE_DISABLED"}
    out = subprocess.run(
        [sys.executable, "-c", TRACED_CALL],
        cwd=ROOT,
        env={**env, "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "LAMBDA_TASK_ROOT": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) is True  # every boto3 call becomes a subsegment
