"""The demo's scheduled checks: ``handlers/checks.py`` woken minute by minute as EventBridge Scheduler would,
with an HTTP check on a local health endpoint that starts failing and recovers, and an X-Ray threshold check
on the scenario's ``orders-api``. Prints the cards and their updates."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from local.endpoint import HealthEndpoint
from local.lambda_runtime import LambdaContext
from local.preview import reply_lines, to_terminal
from local.stack import environment

if TYPE_CHECKING:
    from pathlib import Path

    from local.stack import EmbeddedStack

CHANNEL = "#ops-checks"


def run_checks(stack: EmbeddedStack, folder: Path, step: Any) -> list[tuple[str, dict[str, Any]]]:
    with HealthEndpoint() as endpoint:
        checks = folder / "checks.yaml"
        checks.write_text(
            "checks:\n"
            "  - name: orders-api-health\n"
            "    description: The orders API answers its health check with status ok within 2 s\n"
            f"    http: {{url: '{endpoint.url}', json: {{expression: status, equals: ok}}, max_latency: 2s}}\n"
            "    every: 1m\n"
            "    fail_after: 2\n"
            "    tags: {lookout:log-groups: /aws/lambda/orders-api}\n"
            "  - name: orders-api-faults\n"
            "    description: Fewer than 5 % of orders-api's requests fault\n"
            "    xray: {service: orders-api, window: 15m, min_requests: 20, max_fault_rate: 5%, max_p95: 1500ms}\n"
            "    every: 1m\n"
            "    fail_after: 1\n"
        )
        with environment(
            {"LOOKOUT_CHECKS": str(checks), "SLACK_CHANNEL": CHANNEL, "LOOKOUT_ACCOUNT": "123456789012"}
        ):
            handler = importlib.import_module("handlers.checks")
            start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=3)

            def wake(minute: int) -> dict[str, Any]:
                scheduled = (start + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")
                answer: dict[str, Any] = handler.lambda_handler({"scheduled_time": scheduled}, LambdaContext())
                return answer

            step("Scheduled checks: EventBridge Scheduler wakes handlers/checks.py every minute")
            answer = wake(0)
            print(f"  minute 0: ran {', '.join(answer['ran'])}; heartbeat published")
            for message in stack.slack.posts(CHANNEL):
                print(to_terminal(message, CHANNEL, bold=sys.stdout.isatty()))
            endpoint.answer(503, {"status": "down", "detail": "orders-db connection pool exhausted"})
            wake(1)
            print("  minute 1: the health endpoint answers 503 — one failed run (the check fails after 2)")
            wake(2)
            health = next(m for m in stack.slack.posts(CHANNEL) if "orders-api-health" in m["text"])
            print("  minute 2: the second failed run opens an incident:")
            print(to_terminal(health, CHANNEL, bold=sys.stdout.isatty()))
            endpoint.answer(200, {"status": "ok"})
            wake(3)
            health = next(m for m in stack.slack.posts(CHANNEL) if "orders-api-health" in m["text"])
            print("  minute 3: the endpoint recovers — the same message is edited, a note goes in its thread:")
            print(to_terminal(health, CHANNEL, bold=sys.stdout.isatty()))
            for line in reply_lines(stack.slack.replies(CHANNEL, health["ts"])):
                print(line)
    return [(CHANNEL, m) for m in stack.slack.posts(CHANNEL)]
