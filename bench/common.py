"""Helpers for the benchmarks: fresh child processes measured by the kernel (CPU time, peak RSS); quiet logs for
the in-process benches; and ``published``, which writes what a bench printed into ``docs/measured.md`` — so
every figure the documentation quotes is the output of the script that measures it."""

from __future__ import annotations

import contextlib
import io
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
MEASURED = ROOT / "docs" / "measured.md"
HEADER = """# Measured figures

Written by `make bench`: each section is what its script in `bench/` printed on its last run, replaced when
that script runs again (`python bench/NAME.py` alone updates its own section). Not edited by hand; the
other pages quote figures from here. How each is measured: the script's docstring and
[performance.md](performance.md).
"""


def quiet_logs() -> None:
    """An in-process bench runs the pipeline's own code: its log records (a storm's "in progress elsewhere"
    warnings, say) are what the bench counts, not what it prints."""
    os.environ["POWERTOOLS_LOG_LEVEL"] = "CRITICAL"


@contextlib.contextmanager
def published(script: str) -> Iterator[None]:
    """Print as usual, and on success put the output in ``docs/measured.md`` under ``bench/<script>``, stamped
    with the time, commit and machine."""
    captured = io.StringIO()

    class Tee(io.TextIOBase):
        def write(self, text: str) -> int:
            sys.__stdout__.write(text) if sys.__stdout__ else None
            return captured.write(text)

        def flush(self) -> None:
            if sys.__stdout__:
                sys.__stdout__.flush()

    with contextlib.redirect_stdout(Tee()):
        yield
    name = f"bench/{Path(script).name}"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    stamp = (
        f"_{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · commit {commit or 'unknown'} · {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} cores · CPython {platform.python_version()} · "
        f"BENCH_RUNS={RUNS}_"
    )
    section = f"## {name}\n\n{stamp}\n\n```text\n{captured.getvalue().strip()}\n```\n"
    text = MEASURED.read_text() if MEASURED.exists() else HEADER
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    )
    MEASURED.write_text(text.rstrip() + "\n")


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
    """CPU (user + system, all threads) from process start to the response: what a request pays."""
    wall_s: float
    max_rss_mb: float
    response_s: float = 0.0
    """Wall time from process start to the response (not the interpreter's shutdown)."""
    calls: tuple[dict[str, Any], ...] = ()
    """With latency: the AWS and Slack calls, ``start``/``end`` in seconds after process start."""

    def estimated_s(self, memory_mb: int) -> float:
        """The response time at ``memory_mb``: the waits as measured, the CPU stretched to Lambda's share
        (all of it counted as on the critical path, which errs on the slow side)."""
        return self.response_s + self.cpu_s * (max(1.0, LAMBDA_FULL_CPU_MB / memory_mb) - 1)


LAMBDA_FULL_CPU_MB = 1769
"""Lambda gives a function one vCPU at 1,769 MB and CPU in proportion to memory below that."""


def estimated_latency_s(cpu_s: float, memory_mb: int) -> float:
    """CPU-bound time in a Lambda function of ``memory_mb``: CPU × 1769 / memory (never less than the CPU)."""
    return cpu_s * max(1.0, LAMBDA_FULL_CPU_MB / memory_mb)


def memory_of(function: str) -> int:
    """The MemorySize ``template.yaml`` gives ``function`` (its own, else the Globals')."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)  # noqa: S506 - our SafeLoader
    own = template["Resources"][function]["Properties"].get("MemorySize")
    return int(own or template["Globals"]["Function"]["MemorySize"])


_PEAK = """
import re as _re, time as _time, os as _os
_cpu = _time.process_time()  # the response is ready: interpreter shutdown is never paid by a request
_done = _time.perf_counter()
with open("/proc/self/status") as _status, open(_os.environ["BENCH_PEAK_FILE"], "w") as _out:
    _out.write(_re.search(r"VmHWM:\\s+(\\d+) kB", _status.read()).group(1) + f" {_cpu!r} {_done!r}")
"""


def child(code: str, env: dict[str, str], *, latency: bool = False) -> Sample:
    """Run ``code`` in a new interpreter; its CPU time to the response (``time.process_time()`` when the code
    is done, all threads, interpreter start included, shutdown excluded), wall time and peak RSS.
    ``latency``: every AWS and Slack call waits what the real one would (``bench.latency``) and is recorded.

    Peak RSS is the child's own high-water mark (``VmHWM`` after exec): ``ru_maxrss`` of a child would
    include the pages of this (large) parent at fork time.
    """
    from bench.latency import CHILD_EPILOGUE, CHILD_PRELUDE, read_calls

    if latency:
        code = CHILD_PRELUDE + code + CHILD_EPILOGUE
    with (
        tempfile.NamedTemporaryFile("r", suffix=".peak") as peak,
        tempfile.NamedTemporaryFile("r", suffix=".calls") as recorded,
    ):
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", code + _PEAK],
            cwd=ROOT,
            env={**env, "BENCH_PEAK_FILE": peak.name, "BENCH_CALLS_FILE": recorded.name},
        )
        _, status, _usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"benchmark child failed ({status}): {code[:80]}")
        rss_kb, cpu, done = peak.read().split()
        calls: tuple[dict[str, Any], ...] = ()
        if latency:
            found, _ = read_calls(recorded.name)
            calls = tuple({**c, "start": c["start"] - started, "end": c["end"] - started} for c in found)
        return Sample(float(cpu), wall, int(rss_kb) / 1024, float(done) - started, calls)


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    ok = value <= target if lower_is_better else value >= target
    return "meets target" if ok else "MISSES target"


def rss_line(rss_mb: float, memory_mb: int) -> str:
    share = rss_mb / memory_mb
    measured = f"{rss_mb:5.1f} MB = {share:.0%} of {memory_mb} MB"
    return f"  peak RSS           {measured}   target ≤ 60 %   {verdict(share, 0.6)}"
