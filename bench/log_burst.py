"""Log errors: a burst of 10,000 error lines of 50 kinds from two log groups, delivered as CloudWatch Logs
subscription payloads of 500 lines to concurrent forwarder invocations (moto DynamoDB, the Slack stand-in):
the Slack calls it costs (target ≤ 60); and how many lines one invocation handles per second when its kinds
are known (fold, redact, count — the steady state of an error storm), on short synthetic lines and on the lines
Lambda's runtimes really write (``REAL_LINES``: Python tracebacks, timeouts, Node's ``Invoke Error`` JSON), 100
to 1,000 characters each — the figure to quote, as a storm is made of those."""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from moto import mock_aws  # noqa: E402

from bench.common import published, quiet_logs, verdict  # noqa: E402
from bot.delivery import Deadline  # noqa: E402
from bot.logerrors.forwarder import Forwarder  # noqa: E402
from bot.logerrors.ledger import Ledger  # noqa: E402
from local.slack.api import SlackStandIn  # noqa: E402
from tests.support.lifecycle import emulator_one_call_at_a_time, lifecycle_service  # noqa: E402
from tests.support.offline import offline_environment  # noqa: E402
from tests.support.subscriptions import subscription  # noqa: E402

offline_environment()  # before any AWS client: fake credentials, no endpoints

LINES, KINDS, PER_PAYLOAD = 10_000, 50, 500
NAMES = [f"{a}{b}" for a in "ABCDEFGHIJ" for b in "vwxyz"]  # 50 error names (digits would fold into one)


REAL_LINES = (
    # Python runtime, an unhandled exception: one log event, the traceback on its following lines (as in the
    # Lambda Developer Guide's "Python Lambda function errors" and CloudWatch exports quoted in public write-ups)
    "[ERROR] ZeroDivisionError: division by zero\nTraceback (most recent call last):\n"
    '  File "/var/task/lambda_function.py", line {n}, in lambda_handler\n    number = 10 / 0',
    # Python runtime, init failure (aws-observability/aws-otel-lambda#17)
    "[ERROR] Runtime.ImportModuleError: Unable to import module 'aws_observability': cannot import name "
    "'AwsXRayIdsGenerator' from 'opentelemetry.sdk.extension.aws.trace' "
    "(/opt/python/opentelemetry/sdk/extension/aws/trace/__init__.py)\nTraceback (most recent call last):",
    # Python logging.exception: level, time, request id, message, traceback
    "[ERROR]\t{ts}\t{rid}\tSomething went wrong!\nTraceback (most recent call last):\n"
    '  File "/var/task/lambda_function.py", line 8, in handler\n    do_something()\n'
    '  File "/var/task/lambda_function.py", line {n}, in do_something\n    a = 1 / 0\n'
    "ZeroDivisionError: division by zero",
    # the platform's timeout line
    "{ts} {rid} Task timed out after 3.00 seconds",
    # Node.js runtime, an unhandled error: the Invoke Error JSON line
    '{ts}\t{rid}\tERROR\tInvoke Error \t{{"errorType":"Error","errorMessage":"This error was thrown!",'
    '"stack":["Error: This error was thrown!","    at Runtime.handler (/var/task/index.js:{n}:11)",'
    '"    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)"]}}',
)
"""Runtime error lines in the shapes Lambda writes them; each line gets its own time, request id and number."""


def real_lines(count: int) -> list[str]:
    lines = []
    for i in range(count):
        rid = str(uuid.UUID(int=(i * 0x9E3779B97F4A7C15) % (1 << 128), version=4))
        ts = f"2026-11-26T09:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z"
        lines.append(REAL_LINES[i % len(REAL_LINES)].format(ts=ts, rid=rid, n=3 + i % 40))
    return lines


def fold_rates(batches: list[list[str]], rounds: int = 5) -> list[tuple[float, float, float]]:
    """Lines per second decoded, redacted and folded by one invocation, per batch: min, median, max over rounds,
    the batches measured in turn within each round."""
    from bot.logerrors.kinds import fold
    from bot.logerrors.payload import decode

    events = [subscription("/aws/lambda/orders-api", messages) for messages in batches]
    rates: list[list[float]] = [[] for _ in batches]
    for _ in range(rounds):
        for event, messages, measured in zip(events, batches, rates, strict=True):
            timer = time.perf_counter()
            fold(decode(event))
            measured.append(len(messages) / (time.perf_counter() - timer))
    return [(min(r), statistics.median(r), max(r)) for r in rates]


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


def visible_kinds(messages: list[dict[str, object]]) -> set[tuple[str, str]]:
    """(group, name) of every kind on-call can read by name in a card of its group: its own card or a storm's
    summary or thread (each entry named ``<group>: <kind>``), or the group's overflow card (``<group>: N more
    new error kinds this minute``), which lists kinds without the group's prefix."""
    seen = set()
    for message in messages:
        text = json.dumps(message, ensure_ascii=False)
        overflow = {g for g in ("orders-api", "payments") if re.search(rf"{g}: \d+ more new error kinds?", text)}
        for group in ("orders-api", "payments"):
            for name in NAMES:
                kind = f"ERROR {name}Error"
                if f"{group}: {kind}" in text or (group in overflow and kind in text):
                    seen.add((group, name))
    return seen


WIDE = 500


def wide_delivery(slack_url: str) -> tuple[float, float, int]:
    """One payload of ``WIDE`` lines, each a new kind, through the forwarder with every AWS and Slack call
    delayed as the service would (``bench/latency.py``), on an incidents table of its own whose emulator answers
    one request at a time while the calls' latencies overlap, as DynamoDB's would (``Serialised`` would hold
    each call's delay under its lock): seconds, the seconds of them the emulator itself worked (what DynamoDB's
    servers do within the assumed latency: in-process, it holds the interpreter meanwhile), and the lines the
    ledger counted."""
    import bench.latency as latency

    table = "lookout-wide"
    with emulator_one_call_at_a_time() as emulator:
        service = lifecycle_service(
            slack_url, channel="#errors", table=table, dynamodb=lambda serialised: serialised._client
        )
        dynamodb = service.lifecycle.tracker.store.client
        forwarder = Forwarder(Ledger(dynamodb, table), "#errors", "us-east-1", "123456789012", "aws", "?ERROR")
        event = subscription(
            "/aws/lambda/wide",
            [f"ERROR {a}{b}{c}Error failed" for a in NAMES for b in "pqrst" for c in "klmn"][:WIDE],
        )
        latency.install()
        timer = time.perf_counter()
        forwarder.forward(event, lambda d: service.deliver_all(d, Deadline.after(30), raise_failed=False))
        seconds = time.perf_counter() - timer
    counted = 0
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            if item["pk"]["S"].startswith("logerr#") and item.get("log_group", {}).get("S") == "/aws/lambda/wide":
                counted += int(item["count"]["N"])
    return seconds, emulator.seconds, counted


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
        shown = len(visible_kinds([m for ms in slack.state.messages.values() for m in ms]))
        one = subscription(
            "/aws/lambda/orders-api", [f"ERROR kind-{i % KINDS:02d} failed {i}" for i in range(5000)]
        )
        timer = time.perf_counter()
        forwarder.forward(one, lambda d: service.deliver_all(d, Deadline.after(60), raise_failed=False))
        rate = 5000 / (time.perf_counter() - timer)
        synthetic = [f"ERROR kind-{i % KINDS:02d} failed {i}" for i in range(5000)]
        real = real_lines(5000)
        short, runtime, *sizes = fold_rates([synthetic, real, real[:100], real[:1000]])
        scale = {100: sizes[0][1], 1000: sizes[1][1], 5000: runtime[1]}
        chars = statistics.mean(len(line) for line in real)
        wide_s, wide_emulator_s, wide_counted = wide_delivery(slack.url)
    print(f"log burst: {LINES:,} lines, {KINDS} kinds, 2 groups, {len(payloads)} payloads ({elapsed:.1f} s)")
    print(f"  Slack calls          {calls}   target ≤ 60   {verdict(calls, 60)}")
    print(f"  kinds visible        {shown} of {KINDS}   target {KINDS}   {verdict(KINDS - shown, 0)}")
    print(f"  lines counted        {sum(r.lines for r in reports):,}")
    print(f"  one invocation       {rate:,.0f} lines/s with the ledger's 50 UpdateItems on moto's DynamoDB")
    print("  decoded, redacted and folded, CPU only, 5,000 lines (min / median / max of 5 rounds):")
    print(f"    synthetic lines    {short[0]:,.0f} / {short[1]:,.0f} / {short[2]:,.0f} lines/s (~25 characters)")
    low, middle, high = runtime
    print(f"    runtime lines      {low:,.0f} / {middle:,.0f} / {high:,.0f} lines/s ({chars:.0f} characters)")
    print("    runtime lines by batch size: " + ", ".join(f"{n:,}: {r:,.0f}/s" for n, r in scale.items()))
    print(
        f"  one delivery of {WIDE} new kinds, with call latency: {wide_s:.1f} s of the function's 30 s timeout"
        f" ({verdict(wide_s, 10.0)}: target ≤ 10 s), lines counted {wide_counted} of {WIDE};"
        f" {wide_emulator_s:.1f} s of it the in-process emulator's own work (DynamoDB's, on its servers):"
        f" without it ≈ {wide_s - wide_emulator_s:.1f} s"
    )


if __name__ == "__main__":
    with published(__file__):
        main()
