"""Helpers for the benchmarks: fresh child processes measured by the kernel (CPU time, peak RSS)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))


def compile_sources() -> None:
    """Bytecode for Lookout's own modules, as a deployed package has it (the build compiles it; installed
    libraries already have theirs). Without it every child would compile ~30 modules from source — an
    environment with ``PYTHONDONTWRITEBYTECODE`` never writes ``.pyc`` files on import."""
    import compileall

    for package in ("bot", "handlers"):
        compileall.compile_dir(ROOT / package, quiet=1)


compile_sources()


@dataclass(frozen=True)
class Sample:
    cpu_s: float
    wall_s: float
    max_rss_mb: float


_PEAK = """
import re as _re
with open("/proc/self/status") as _status, open(__import__("os").environ["BENCH_PEAK_FILE"], "w") as _out:
    _out.write(_re.search(r"VmHWM:\\s+(\\d+) kB", _status.read()).group(1))
"""


def child(code: str, env: dict[str, str]) -> Sample:
    """Run ``code`` in a new interpreter; its CPU time (user + system), wall time and peak RSS.

    Peak RSS is the child's own high-water mark (``VmHWM`` after exec): ``ru_maxrss`` of a child would
    include the pages of this (large) parent at fork time.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", code + _PEAK],
            cwd=ROOT,
            env={**env, "BENCH_PEAK_FILE": peak.name},
        )
        _, status, usage = os.wait4(process.pid, 0)
        if status != 0:
            raise SystemExit(f"benchmark child failed ({status}): {code[:80]}")
        return Sample(usage.ru_utime + usage.ru_stime, time.perf_counter() - started, int(peak.read() or 0) / 1024)


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    ok = value <= target if lower_is_better else value >= target
    return "meets target" if ok else "MISSES target"
