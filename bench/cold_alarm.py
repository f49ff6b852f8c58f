"""Alarm handler cold start and peak memory: a new process imports ``handlers.alarm`` and handles one alarm
(with enrichment, the lifecycle and the Slack post) against the embedded stack running in this process;
compared with a new process that only does ``import boto3``, alternated, median of several runs."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RUNS, child, median, verdict  # noqa: E402
from local.demo import alarm_reason  # noqa: E402
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
            "LOOKOUT_TRACING": "false",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        }
        handled, imported = [], []
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
                reference = child("import boto3", base)
                if run:  # the first pair warms the file cache
                    handled.append(sample)
                    imported.append(reference)
    cpu = median([s.cpu_s for s in handled])
    ref = median([s.cpu_s for s in imported])
    rss = median([s.max_rss_mb for s in handled])
    print(f"alarm handler cold start, median of {RUNS} fresh processes (one alarm, enrichment, lifecycle, post)")
    wall = median([s.wall_s for s in handled])
    print(f"  handle one alarm   CPU {cpu * 1000:7.1f} ms   wall {wall * 1000:7.1f} ms")
    print(f"  import boto3       CPU {ref * 1000:7.1f} ms")
    print(f"  ratio              {cpu / ref:5.2f}x   target ≤ 1.30x   {verdict(cpu / ref, 1.3)}")
    print(f"  peak RSS           {rss:5.1f} MB   target ≤ 80 MB   {verdict(rss, 80)}")


if __name__ == "__main__":
    main()
