"""Storms at scale: N alarms at 50 a second into one channel (N = 100, 500 and 2,000), each its own delivery
(up to 64 at once, as Lambda runs them), on moto's DynamoDB with 10 ms added to every call and the Slack
stand-in answering in 50 ms. What on-call sees — every alarm exactly once, under one summary — and what it
costs: Slack calls, and DynamoDB calls per alarm and the largest item the storm writes, which must stay flat as
the storm grows (a storm record that held every entry grew with it, and broke at DynamoDB's 400 KB)."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moto import mock_aws  # noqa: E402

from bench.common import published, quiet_logs, verdict  # noqa: E402
from bot.alerting import AlertsFailed  # noqa: E402
from bot.delivery import Deadline  # noqa: E402
from local.slack.api import SlackStandIn  # noqa: E402
from tests.support.lifecycle import TABLE, lifecycle_service, sns_event  # noqa: E402
from tests.support.offline import offline_environment  # noqa: E402

offline_environment()  # before any AWS client: fake credentials, no endpoints
CHANNEL = "#storm"
RATE = 50.0
DYNAMODB_S, SLACK_S = 0.010, 0.050


class Counted:
    """The DynamoDB client, counting every call by operation and adding DynamoDB's latency."""

    def __init__(self, client: Any) -> None:
        self.client, self.calls, self.lock = client, Counter[str](), threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if not callable(attribute) or name.startswith("_") or name in ("meta", "exceptions"):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.calls[name] += 1
            time.sleep(DYNAMODB_S)
            return attribute(*args, **kwargs)

        return call


def run(count: int) -> dict[str, Any]:
    counted: list[Counted] = []
    with SlackStandIn() as slack, mock_aws():
        slack.state.latency_s = SLACK_S
        service = lifecycle_service(
            slack.url, channel=CHANNEL, dynamodb=lambda c: counted.append(Counted(c)) or counted[0]
        )
        names = [f"svc-{i:04d}" for i in range(count)]
        started = time.monotonic()
        with ThreadPoolExecutor(64) as pool:
            futures = []
            for i, name in enumerate(names):
                time.sleep(max(0.0, started + i / RATE - time.monotonic()))
                futures.append(pool.submit(service.handle, sns_event(name, "ALARM", 0), Deadline.after(30)))
            failed = sum(1 for f in futures if f.exception() is not None)
        # a delivery that failed (a flusher out of time hands over and fails) is retried by Lambda, twice
        for name, future in zip(names, futures, strict=True):
            for _ in range(2 if future.exception() is not None else 0):
                try:
                    service.handle(sns_event(name, "ALARM", 0), Deadline.after(30))
                    break
                except AlertsFailed:
                    continue
        elapsed = time.monotonic() - started
        posts = slack.posts(CHANNEL)
        text = "".join(json.dumps(m["blocks"], ensure_ascii=False) for m in posts)
        for message in posts:
            text += "".join(
                json.dumps(r["blocks"], ensure_ascii=False) for r in slack.replies(CHANNEL, message["ts"])
            )
        shown = Counter(
            name for name in names for _ in range(text.count(f"*{name}* · ALARM") + text.count(f"🔴 {name} ·"))
        )
        largest = max(
            len(json.dumps(item))
            for page in counted[0].client.get_paginator("scan").paginate(TableName=TABLE)
            for item in page["Items"]
        )
        slack_calls = sum(len(slack.calls(m)) for m in ("chat.postMessage", "chat.update"))
        return {
            "count": count,
            "elapsed": elapsed,
            "retried": failed,
            "missing": sum(1 for n in names if shown[n] == 0),
            "twice": sum(1 for n in names if shown[n] > 1),
            "summaries": sum(1 for m in posts if "lookout:storm" in json.dumps(m["blocks"])),
            "slack": slack_calls,
            "dynamodb": sum(counted[0].calls.values()) / count,
            "by_operation": {k: v / count for k, v in counted[0].calls.most_common()},
            "largest_kb": largest / 1024,
        }


def main() -> None:
    quiet_logs()
    latency = f"DynamoDB +{DYNAMODB_S * 1000:.0f} ms, Slack +{SLACK_S * 1000:.0f} ms a call"
    print(f"storm: N alarms at {RATE:.0f}/s to one channel, {latency}")
    results = [run(count) for count in (100, 500, 2000)]
    for r in results:
        calls = ", ".join(f"{op} {per:.1f}" for op, per in r["by_operation"].items())
        seen = f"{r['missing']} missing, {r['twice']} twice, {r['summaries']} summary"
        print(f"  {r['count']:>5} alarms in {r['elapsed']:5.1f} s: {seen}; {r['retried']} deliveries retried")
        print(f"        Slack {r['slack']} calls; largest item {r['largest_kb']:.1f} KB")
        print(f"        DynamoDB {r['dynamodb']:.1f} calls an alarm ({calls})")
    flat = max(r["dynamodb"] for r in results) / min(r["dynamodb"] for r in results)
    off = sum(r["missing"] + r["twice"] for r in results)
    largest = max(r["largest_kb"] for r in results)
    print(f"  every alarm once       {off} off   target 0   {verdict(off, 0)}")
    print(f"  DynamoDB calls/alarm   {flat:.2f}× from 100 to 2,000   target ≤ 1.25×   {verdict(flat, 1.25)}")
    print(f"  largest item           {largest:.1f} KB   target ≤ 64 KB   {verdict(largest, 64)}")


if __name__ == "__main__":
    with published(__file__):
        main()
