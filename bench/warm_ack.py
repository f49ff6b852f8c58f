"""Warm ack of a slash command, in-process, with realistic call latency: signed ``/errors`` Function URL
events through the front door the Lambda function uses — its signature check, then the one Bolt app behind it:
Bolt's own check, parsing, planning, the ack body and the sealed self-invocation (``lambda.Invoke``, 50 ms, to the
embedded stack, which accepts it) — which is all that happens before the 200; the replay memory is asked by the
invocation that runs the query. For comparison, the same requests dispatched straight into the app (its lazy run
recorded, not sent). Median of many."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_bolt.request import BoltRequest  # noqa: E402

from bench.common import published, quiet_logs, verdict  # noqa: E402
from bot.slack.edge.front import build_front  # noqa: E402
from bot.slack.edge.seen_signatures import SeenSignatures  # noqa: E402
from local.lambda_runtime import LambdaContext  # noqa: E402
from local.slack.gateway import function_url_event  # noqa: E402
from tests.support.slack_app import SECRET, command_body, make_app, make_service, signed, writer_for  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

RUNS = 300


def timed(ack: Callable[[str, dict[str, str]], int]) -> list[float]:
    samples = []
    for i in range(RUNS + 20):
        body = command_body("/errors", "orders-api 2h", channel=f"C{i:08d}")  # distinct: no replay refusal
        headers = signed(body)
        started = time.perf_counter()
        status = ack(body, headers)
        elapsed = time.perf_counter() - started
        assert status == 200
        if i >= 20:  # warm-up
            samples.append(elapsed)
    return sorted(samples)


def report(name: str, samples: list[float], target: bool = True) -> None:
    median, p95 = statistics.median(samples) * 1000, samples[int(len(samples) * 0.95)] * 1000
    aim = f"   target ≤ 100 ms   {verdict(median, 100)}" if target else ""
    print(f"  {name:<30} median {median:5.1f} ms   p95 {p95:5.1f} ms{aim}")


def main() -> None:
    quiet_logs()
    from bench import latency
    from bot.aws import Clients
    from local.stack import EmbeddedStack, environment

    latency.install()
    with EmbeddedStack() as stack, environment(stack.env()):
        stack.aws.sink_invocations = True
        slack = stack.slack
        app, lazy, _ = make_app(slack)
        front = build_front(
            make_service()[0],
            signing_secret=SECRET,
            writer=writer_for(slack),
            lambda_client=Clients("us-east-1")("lambda"),
            seen=SeenSignatures(),
        )
        context = LambdaContext()

        def through_front(body: str, headers: dict[str, str]) -> int:
            event = function_url_event("POST", "/slack/events", headers, body.encode())
            return int(front.handle(event, context)["statusCode"])

        def through_bolt(body: str, headers: dict[str, str]) -> int:
            status = app.dispatch(BoltRequest(body=body, headers=headers)).status
            lazy.pending.clear()
            return int(status)

        print(f"warm ack in-process, {RUNS} signed /errors requests, with call latency")
        print(latency.describe_assumptions())
        report("front door (commands)", timed(through_front))
        report("Bolt app (its lazy run not sent)", timed(through_bolt), target=False)


if __name__ == "__main__":
    with published(__file__):
        main()
