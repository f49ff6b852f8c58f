"""Log errors: a burst of 10,000 error lines of 50 kinds from two log groups, delivered as CloudWatch Logs
subscription payloads of 500 lines to concurrent forwarder invocations (moto DynamoDB, the Slack stand-in):
the Slack calls it costs (target ≤ 60); and how many lines one invocation handles per second when its kinds
are known (fold, redact, count — the steady state of an error storm)."""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moto import mock_aws  # noqa: E402

from bench.common import published, quiet_logs, verdict  # noqa: E402
from bot.delivery import Deadline  # noqa: E402
from bot.logerrors.forwarder import Forwarder  # noqa: E402
from bot.logerrors.ledger import Ledger  # noqa: E402
from local.slack_api import SlackStandIn  # noqa: E402
from tests.support.lifecycle import lifecycle_service  # noqa: E402
from tests.support.offline import offline_environment  # noqa: E402
from tests.support.subscriptions import subscription  # noqa: E402

offline_environment()  # before any AWS client: fake credentials, no endpoints

LINES, KINDS, PER_PAYLOAD = 10_000, 50, 500
NAMES = [f"{a}{b}" for a in "ABCDEFGHIJ" for b in "vwxyz"]  # 50 error names (digits would fold into one)


def burst() -> list[dict[str, object]]:
    groups = ("/aws/lambda/orders-api", "/aws/lambda/payments")
    lines = [
        (groups[i % 2], f"ERROR {NAMES[i % KINDS]}Error failed for order ord-{i} after {i % 900} ms (req {i:08x})")
        for i in range(LINES)
    ]
    payloads = []
    for group in groups:
        mine = [message for g, message in lines if g == group]
        payloads += [subscription(group, mine[i : i + PER_PAYLOAD]) for i in range(0, len(mine), PER_PAYLOAD)]
    return payloads


def main() -> None:
    quiet_logs()
    with SlackStandIn() as slack, mock_aws():
        service = lifecycle_service(slack.url, channel="#errors")
        dynamodb = service.lifecycle.tracker.store.client  # the same (serialised) incidents table
        forwarder = Forwarder(
            Ledger(dynamodb, "lookout-incidents"), "#errors", "us-east-1", "123456789012", "aws", "?ERROR"
        )
        payloads = burst()
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            reports = list(
                pool.map(
                    lambda event: forwarder.forward(
                        event, lambda d: service.deliver_all(d, Deadline.after(60), raise_failed=False)
                    ),
                    payloads,
                )
            )
        elapsed = time.monotonic() - started
        calls = sum(len(slack.calls(m)) for m in ("chat.postMessage", "chat.update"))
        visible = json.dumps([m for ms in slack.state.messages.values() for m in ms])
        shown = sum(
            1 for g in ("orders-api", "payments") for name in NAMES if f"{g}: ERROR {name}Error" in visible
        )
        one = subscription(
            "/aws/lambda/orders-api", [f"ERROR kind-{i % KINDS:02d} failed {i}" for i in range(5000)]
        )
        timer = time.perf_counter()
        forwarder.forward(one, lambda d: service.deliver_all(d, Deadline.after(60), raise_failed=False))
        rate = 5000 / (time.perf_counter() - timer)
        from bot.logerrors.kinds import fold
        from bot.logerrors.payload import decode

        timer = time.perf_counter()
        fold(decode(one))
        fold_rate = 5000 / (time.perf_counter() - timer)
    print(f"log burst: {LINES:,} lines, {KINDS} kinds, 2 groups, {len(payloads)} payloads ({elapsed:.1f} s)")
    print(f"  Slack calls          {calls}   target ≤ 60   {verdict(calls, 60)}")
    print(f"  kinds visible        {shown} of {KINDS}   target {KINDS}   {verdict(KINDS - shown, 0)}")
    print(f"  lines counted        {sum(r.lines for r in reports):,}")
    print(f"  one invocation       {fold_rate:,.0f} lines/s decoded, redacted and folded (5,000 lines, CPU only)")
    print(f"{'':23}{rate:,.0f} lines/s with the ledger's 50 UpdateItems on moto's in-process DynamoDB")


if __name__ == "__main__":
    with published(__file__):
        main()
