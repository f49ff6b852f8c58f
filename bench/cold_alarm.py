"""Alarm handler cold start to the Slack post, with realistic call latency: a new process imports
``handlers.alarm`` (its init: clients, service, the secret read started) and handles one alarm that opens a
new incident (enrichment, exactly-once claim, lifecycle, Slack post, the records after it) against the
embedded stack, every AWS and Slack call waiting what the real one takes (``bench/latency.py`` states the
figures). Estimated Lambda latency at the template's memory: the waits as measured, the CPU stretched by
1769 / MemorySize. Printed: the call sequence of one run, the serial chain before the post, and the floor —
the CPU plus the longest enrichment chain, one claim and the post. Tracing off (the template's default), and
on with Lambda's own variables (where the tracer really records). Median of several fresh processes."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402

from bench.common import (  # noqa: E402
    LAMBDA_FULL_CPU_MB,
    RUNS,
    Sample,
    child,
    median,
    memory_of,
    published,
    rss_line,
    verdict,
)
from bench.latency import aws_ms, describe_assumptions, serial_chain, timeline  # noqa: E402
from local.scenario.alarm_evaluation import alarm_reason  # noqa: E402
from local.scenario.firing import fire  # noqa: E402
from local.scenario.incident import ALARM, INCIDENTS_TABLE, Incident, seed  # noqa: E402
from local.stack import EmbeddedStack, environment  # noqa: E402

HANDLE = """
import json, os
import handlers.alarm as handler
class Context:
    function_name = "lookout-alarm"; memory_limit_in_mb = 1024; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lookout-alarm"
    def get_remaining_time_in_millis(self): return 30000
with open(os.environ["BENCH_EVENT"]) as f:
    result = handler.lambda_handler(json.load(f), Context())
assert result["posted"], result
"""
LAMBDA_TRACING = {
    "LOOKOUT_TRACING": "true",
    "POWERTOOLS_TRACE_DISABLED": "false",
    "AWS_LAMBDA_FUNCTION_NAME": "lookout-alarm",
    "LAMBDA_TASK_ROOT": str(Path(__file__).resolve().parents[1]),
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",  # UDP, as in Lambda: segments are sent and nobody minds
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
}
"""What Lambda sets when active tracing is on; outside them the X-Ray SDK turns itself off."""


def forget_incidents(region: str) -> None:
    """Empty the incidents table of what alarms wrote: each run opens a new incident, as a cold start's alarm
    usually does. The change ledger's records stay: a deployed ledger has been recording for hours (the seeded
    scenario's history), so the card reads it and asks CloudTrail nothing (``bot.changes.finder``)."""
    table: Any = boto3.client("dynamodb", region_name=region)
    for page in table.get_paginator("scan").paginate(TableName=INCIDENTS_TABLE, ProjectionExpression="pk"):
        for item in page["Items"]:
            if not item["pk"]["S"].startswith("change"):
                table.delete_item(TableName=INCIDENTS_TABLE, Key={"pk": item["pk"]})


def post_end(sample: Sample) -> float:
    return next(c["end"] for c in sample.calls if c["call"] == "slack.chat.postMessage")


def floor_s(sample: Sample, memory: int) -> float:
    """The CPU at Lambda's share, the longest chain of enrichment calls, one claim and the post itself."""
    enrichment = [c for c in sample.calls if c["thread"].startswith("lookout-enrich")]
    _, chain_ms = serial_chain(enrichment, post_end(sample))
    post = next(c for c in sample.calls if c["call"] == "slack.chat.postMessage")
    cpu = sample.cpu_s * max(1.0, LAMBDA_FULL_CPU_MB / memory)
    return cpu + (chain_ms + aws_ms("dynamodb", "PutItem") + (post["end"] - post["start"]) * 1000) / 1000


def handler_env(stack: EmbeddedStack, incident: Incident) -> dict[str, str]:
    """The alarm function's environment on the embedded stack, as the template sets it (tracing at its default)."""
    env = {
        **os.environ,
        **stack.env(),
        "SLACK_TOKEN_SECRET_ARN": incident.secret_arn,
        "SLACK_CHANNEL": "#bench",
        "INCIDENTS_TABLE": INCIDENTS_TABLE,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    }
    env.pop("LOOKOUT_TRACING", None)  # the code's default, which is the template's
    return env


def cold_alarm(incident: Incident, tmp: str, env: dict[str, str], at_s: int) -> Sample:
    """A fresh process that handles one alarm opening a new incident, ``at_s`` seconds on in the seeded world (so
    that each run is a state change of its own): the previous incident recovered and forgotten first."""
    fire(incident, ALARM, "OK", "recovered", at=incident.now - timedelta(minutes=30, seconds=-at_s))
    forget_incidents(incident.region)
    event = fire(
        incident, ALARM, "ALARM", alarm_reason(incident), at=incident.now - timedelta(minutes=8, seconds=-at_s)
    )
    path = Path(tmp) / f"alarm-{at_s}.json"
    path.write_text(json.dumps(event))
    return child(HANDLE, {**env, "BENCH_EVENT": str(path)}, latency=True)


def main() -> None:
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        base = handler_env(stack, incident)
        with tempfile.TemporaryDirectory() as tmp:
            handled = [cold_alarm(incident, tmp, base, i) for i in range(RUNS + 1)][
                1:
            ]  # the first warms the files
            traced = [cold_alarm(incident, tmp, {**base, **LAMBDA_TRACING}, 100 + i) for i in range(3)]
            inits = [child("import handlers.alarm", base) for _ in range(RUNS)]  # the init phase alone
    memory = memory_of("AlarmFunction")
    scale = max(1.0, LAMBDA_FULL_CPU_MB / memory)
    to_post = median([post_end(s) + s.cpu_s * (scale - 1) for s in handled])
    to_return = median([s.estimated_s(memory) for s in handled])
    floor = median([floor_s(s, memory) for s in handled])
    typical = sorted(handled, key=lambda s: s.response_s)[len(handled) // 2]
    chain, chain_ms = serial_chain(list(typical.calls), post_end(typical))
    before = [c for c in typical.calls if c["end"] <= post_end(typical) + 1e-6]
    print(f"alarm cold start → Slack post, a new incident, median of {RUNS} fresh processes, with call latency")
    print(describe_assumptions())
    print(f"  CPU                {median([s.cpu_s for s in handled]) * 1000:7.1f} ms (all threads, to the return)")
    print(f"  estimated to post  {to_post:5.2f} s at {memory} MB   target ≤ 1.20 s   {verdict(to_post, 1.2)}")
    print(f"  floor              {floor:5.2f} s (CPU + longest enrichment chain + one claim + the post)")
    print(f"  to post / floor    {to_post / floor:5.2f}×   target ≤ 1.20×   {verdict(to_post / floor, 1.2)}")
    print(f"  to the return      {to_return:5.2f} s (the records written after the post included)")
    print(f"  calls              {len(typical.calls)} in all, {len(before)} before the post")
    print(f"  serial chain       {chain} calls one after another before the post, {chain_ms:.0f} ms")
    init = median([s.cpu_s for s in inits])
    print(f"  of which init      CPU {init * 1000:7.1f} ms (what a SnapStart snapshot keeps)")
    traced_post = median([post_end(s) + s.cpu_s * (scale - 1) for s in traced])
    print(f"  with tracing on    {traced_post:5.2f} s to the post (Lambda's tracing variables; not the default)")
    print(rss_line(median([s.max_rss_mb for s in handled]), memory))
    print("  call sequence of the median run (ms after process start):")
    for line in timeline(list(typical.calls), 0.0):
        print(line)


if __name__ == "__main__":
    with published(__file__):
        main()
