"""Cold import of the alarm handler next to a bare `import boto3`, measured in the same run.

Each figure is the median CPU time (user + system) of fresh interpreter processes, alternated so that
both see the same machine state. Prints the ratio; no target is enforced here (see docs/performance.md).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import compile_sources  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "9"))
CASES = {
    "import boto3": "import boto3",
    "import handlers.alarm": "import handlers.alarm",
    "import handlers.slack (front door built)": "import handlers.slack",
    "boto3 + 2 clients + slack_sdk + Powertools": (
        "import boto3; boto3.client('logs'); boto3.client('xray'); import slack_sdk; "
        "from aws_lambda_powertools import Logger, Metrics; Logger(); Metrics(namespace='x')"
    ),
}
ENV = {
    **os.environ,
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "LOOKOUT_TRACING": "false",
    "SLACK_BOT_TOKEN": "xoxb-bench",
    "SLACK_SIGNING_SECRET": "bench-secret",
}


def cpu_seconds(code: str) -> tuple[float, float]:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=ENV)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"benchmark process failed: {code}")
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - started


def main() -> None:
    compile_sources()
    for code in CASES.values():  # warm the OS file cache and .pyc files once
        cpu_seconds(code)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in CASES}
    for _ in range(RUNS):
        for name, code in CASES.items():
            samples[name].append(cpu_seconds(code))
    base = statistics.median(cpu for cpu, _ in samples["import boto3"])
    print(f"cold import, median of {RUNS} fresh processes (CPU = user + system)")
    for name, runs in samples.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        print(f"  {name:<45} CPU {cpu * 1000:7.1f} ms   wall {wall * 1000:7.1f} ms   {cpu / base:5.2f}x boto3")


if __name__ == "__main__":
    main()
