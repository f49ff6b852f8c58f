"""Warm ``ack()`` of a slash command, in-process: a signed ``/errors`` request dispatched through the Bolt app
(signature check, parsing, planning, ack body) with the lazy work recorded, not run. Median of many."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_bolt.request import BoltRequest  # noqa: E402

from tests.integration.test_slack_app import command_body, make_app, signed  # noqa: E402

RUNS = 300


def main() -> None:
    from local.slack_api import SlackStandIn

    with SlackStandIn() as slack:
        app, lazy, _ = make_app(slack)
        samples = []
        for i in range(RUNS + 20):
            body = command_body("/errors", "orders-api 2h", channel=f"C{i:08d}")  # distinct: no replay refusal
            request = BoltRequest(body=body, headers=signed(body))
            started = time.perf_counter()
            response = app.dispatch(request)
            elapsed = time.perf_counter() - started
            assert response.status == 200, response.body
            lazy.pending.clear()
            if i >= 20:  # warm-up
                samples.append(elapsed)
    samples.sort()
    print(f"warm ack in-process, {RUNS} signed /errors requests")
    median, p95 = statistics.median(samples) * 1000, samples[int(len(samples) * 0.95)] * 1000
    print(f"  median {median:.2f} ms   p95 {p95:.2f} ms   target ≤ 50 ms")


if __name__ == "__main__":
    main()
