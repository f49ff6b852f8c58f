"""Enrichment concurrency: every AWS call of the embedded stack delayed by 300 ms; the alarm-to-post wall time
compared with the longest chain of dependent calls (tags ∥ service graph → trace summaries, tags → log
events; the metric and the Slack token in parallel), i.e. 2 × 300 ms. Median of several warm runs."""

from __future__ import annotations

import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import published, quiet_logs, verdict  # noqa: E402
from bot.aws import Clients  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.delivery import Deadline  # noqa: E402
from bot.observability import Telemetry  # noqa: E402
from bot.wiring import build_alert_service  # noqa: E402
from local.aws_front import AwsFault  # noqa: E402
from local.scenario.alarm_evaluation import alarm_reason  # noqa: E402
from local.scenario.firing import fire  # noqa: E402
from local.scenario.incident import ALARM, seed  # noqa: E402
from local.stack import EmbeddedStack, environment  # noqa: E402

DELAY_S = 0.3
CHAIN = 2
RUNS = 5


def main() -> None:
    quiet_logs()
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        settings = Settings(
            slack_channel="#bench",
            slack_token_secret=incident.secret_arn,
            slack_api_url=stack.slack.url,
            tracing=False,
        )
        telemetry = Telemetry.for_cli(settings)
        clients = Clients(settings.region)
        events = [
            fire(
                incident,
                ALARM,
                "ALARM",
                alarm_reason(incident),
                at=incident.now - timedelta(minutes=8) + timedelta(seconds=i),
            )
            for i in range(RUNS + 1)
        ]
        stack.aws.fail(AwsFault("*", status=200, delay_s=DELAY_S))
        walls = []
        for run, event in enumerate(events):
            service = build_alert_service(settings, telemetry, clients)  # a fresh service: the token is read again
            started = time.perf_counter()
            outcomes = service.handle(event, Deadline.after(30))
            wall = time.perf_counter() - started
            assert outcomes[0].posted is not None
            if run:  # the first run creates the clients
                walls.append(wall)
        stack.aws.clear_faults()
    wall = statistics.median(walls)
    ideal = CHAIN * DELAY_S
    print(f"enrichment concurrency, every AWS call delayed {int(DELAY_S * 1000)} ms, median of {RUNS} warm runs")
    print(f"  alarm-to-post wall {wall * 1000:6.0f} ms   longest chain {CHAIN} calls = {ideal * 1000:.0f} ms")
    print(f"  ratio              {wall / ideal:5.2f}x   target ≤ 1.25x   {verdict(wall / ideal, 1.25)}")


if __name__ == "__main__":
    with published(__file__):
        main()
