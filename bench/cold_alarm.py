"""Alarm handler cold start and peak memory: a new process imports ``handlers.alarm`` (its init: clients,
service) and handles one alarm (enrichment, exactly-once claim, lifecycle, Slack post) against the embedded
stack with no added delay. Reported as the estimated Lambda latency at the template's memory — CPU from
process start to the response × 1769 / MemorySize — with the code's default (tracing off, as the template's
default); tracing on is shown beside it. Median of several fresh processes."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RUNS, child, estimated_latency_s, median, memory_of, published, rss_line, verdict  # noqa: E402
from local.alarm_evaluation import alarm_reason  # noqa: E402
from local.firing import fire  # noqa: E402
from local.scenario import ALARM, INCIDENTS_TABLE, seed  # noqa: E402
from local.stack import EmbeddedStack, environment  # noqa: E402

HANDLE = """
import json, os, time
import handlers.alarm as handler
class Context:
    function_name = "lookout-alarm"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lookout-alarm"
    def get_remaining_time_in_millis(self): return 30000
with open(os.environ["BENCH_EVENT"]) as f:
    result = handler.lambda_handler(json.load(f), Context())
assert result["posted"] or os.environ.get("BENCH_ALLOW_EMPTY"), result
"""


def main() -> None:
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        base = {
            **os.environ,
            **stack.env(),
            "SLACK_TOKEN_SECRET_ARN": incident.secret_arn,
            "SLACK_CHANNEL": "#bench",
            "INCIDENTS_TABLE": INCIDENTS_TABLE,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        }
        base.pop("LOOKOUT_TRACING", None)  # the code's default, which is the template's
        handled, traced = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(RUNS + 1):
                event = fire(
                    incident,
                    ALARM,
                    "ALARM",
                    alarm_reason(incident),
                    at=incident.now - timedelta(minutes=8) + timedelta(seconds=run),
                )
                path = Path(tmp) / f"event-{run}.json"
                path.write_text(json.dumps(event))
                sample = child(HANDLE, {**base, "BENCH_EVENT": str(path)})
                if run:  # the first run warms the file cache
                    handled.append(sample)
            inits = [child("import handlers.alarm", base) for _ in range(RUNS)]  # the init phase alone
            for run in range(3):  # tracing on, for the record (a few fresh alarms more)
                event = fire(
                    incident, ALARM, "ALARM", alarm_reason(incident), at=incident.now + timedelta(seconds=run)
                )
                path = Path(tmp) / f"traced-{run}.json"
                path.write_text(json.dumps(event))
                traced.append(child(HANDLE, {**base, "BENCH_EVENT": str(path), "LOOKOUT_TRACING": "true"}))
    memory = memory_of("AlarmFunction")
    cpu = median([s.cpu_s for s in handled])
    rss = median([s.max_rss_mb for s in handled])
    wall = median([s.wall_s for s in handled])
    latency = estimated_latency_s(cpu, memory)
    print(f"alarm cold start → Slack post, median of {RUNS} fresh processes, embedded stack, no added delay")
    print(f"  CPU to the post    {cpu * 1000:7.1f} ms   (wall here {wall * 1000:.0f} ms)")
    print(f"  estimated Lambda   {latency:5.2f} s at {memory} MB   target ≤ 1.50 s   {verdict(latency, 1.5)}")
    init = median([s.cpu_s for s in inits])
    after = estimated_latency_s(cpu - init, memory)
    print(f"  of which init      CPU {init * 1000:7.1f} ms   (SnapStart: restore + ~{after:.2f} s of handling)")
    traced_cpu = median([s.cpu_s for s in traced])
    on = estimated_latency_s(traced_cpu, memory)
    print(f"  with tracing on    {on:5.2f} s (CPU {traced_cpu * 1000:.0f} ms; not the default)")
    print(rss_line(rss, memory))


if __name__ == "__main__":
    with published(__file__):
        main()
