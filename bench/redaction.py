"""Redaction throughput on worst-case log events: 256 KB lines (CloudWatch's largest event) built to make
redaction patterns backtrack — URL-encoded text, base64 runs, e-mail-like runs without an @, key=value pairs,
one long word, and the same as a JSON log record. Each goes through ``trim`` (what the Logs section does to
every line it shows) and through the error forwarder's ``fold`` (the line's kind and its sample, what
``handlers/log_errors.py`` does to every line it gets); target < 10 ms a line for ``trim``, < 25 ms for the
forwarder (a JSON record is redacted twice, its kind and its sample; a delivery of at most 1 MB holds four
such lines: 0.1 s). Redacting a
whole 256 KB line is shown for the record (it stays linear, and no path does it)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import json  # noqa: E402

from bench.common import published, verdict  # noqa: E402
from bot.enrich.logs import trim  # noqa: E402
from bot.logerrors.kinds import fold  # noqa: E402
from bot.logerrors.payload import Batch, LogEvent  # noqa: E402
from bot.text import redact  # noqa: E402

SIZE = 256 * 1024
LINES = {
    "URL-encoded query, no @": "GET /search?q=" + "%2Fa1b2c3" * 30_000,
    "base64 run": "Q" * 3 + "aB3+/" * 60_000,
    "e-mail-like runs, no @": "a.b-c_d" * 40_000,
    "key=value pairs": "k1=v1&" * 50_000,
    "one long word": "x" * SIZE,
    "JSON record, long message": json.dumps({"level": "ERROR", "message": "a.b-c_d" * 40_000}),
}


def forwarded(line: str) -> None:
    fold(Batch("/aws/lambda/bench", "stream", "123456789012", (LogEvent("1", 0, line),)))


def timed(fn: object, line: str, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn(line)  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    print(f"redaction of worst-case {SIZE // 1024} KB log lines, median of 5")
    worst, worst_fold = 0.0, 0.0
    for name, text in LINES.items():
        line = text[:SIZE] if not text.startswith("{") else text
        shown, folded, whole = timed(trim, line), timed(forwarded, line), timed(redact, line, runs=1)
        worst, worst_fold = max(worst, shown), max(worst_fold, folded)
        print(
            f"  {name:26} trim {shown * 1000:5.1f} ms   forwarder {folded * 1000:5.1f} ms"
            f"   whole line {whole * 1000:6.1f} ms"
        )
    print(f"  worst trim         {worst * 1000:6.1f} ms   target < 10 ms   {verdict(worst, 0.010)}")
    print(f"  worst forwarder    {worst_fold * 1000:6.1f} ms   target < 25 ms   {verdict(worst_fold, 0.025)}")


if __name__ == "__main__":
    with published(__file__):
        main()
