"""Scheduled checks as deployed, on the embedded stack: handlers/checks.py woken with Scheduler's payload
(its Input: the scheduled time), an HTTP endpoint that starts failing and recovers, an X-Ray threshold check
on the scenario's service — each transition one incident in the alarm lifecycle (posted, then edited and
threaded when it passes again), a post that fails announced again on the next run, never lost."""

from __future__ import annotations

import importlib
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from local.lambda_runtime import LambdaContext
from local.scenario.incident import INCIDENTS_TABLE, seed
from local.slack.api import Fault
from local.stack import EmbeddedStack, environment
from tests.support.endpoint import Endpoint

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CHANNEL = "#checks"


BASE = datetime.now(UTC).replace(second=0, microsecond=0)
BASE -= timedelta(minutes=BASE.minute % 5)  # a five-minute mark; minute 5 is after the scenario's failures


def wake(handler: Any, minute: int) -> dict[str, Any]:
    """Scheduler's payload for the minute (the template's Input with <aws.scheduler.scheduled-time> filled)."""
    event = {"scheduled_time": (BASE + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return handler.lambda_handler(event, LambdaContext())  # type: ignore[no-any-return]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[EmbeddedStack, Any]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    checks = tmp_path / "checks.yaml"
    checks.write_text(
        f"""
checks:
  - name: orders-health
    description: The orders API's health endpoint
    http: {{url: "http://127.0.0.1:{server.server_address[1]}/health", body_contains: '"ok"', timeout: 2s}}
    every: 1m
    fail_after: 2
  - name: orders-faults
    xray: {{service: orders-api, window: 30m, max_fault_rate: 5%}}
    every: 5m
    fail_after: 1
    tags: {{lookout:channel: "{CHANNEL}"}}
"""
    )
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        # the outside witness's URL lives in Lookout's secret, as deployed (README, Configure)
        secrets = boto3.client("secretsmanager", region_name=incident.region)
        secret = json.loads(secrets.get_secret_value(SecretId=incident.secret_arn)["SecretString"])
        witness = f"http://127.0.0.1:{server.server_address[1]}/ping"
        secrets.put_secret_value(
            SecretId=incident.secret_arn, SecretString=json.dumps({**secret, "heartbeat_url": witness})
        )
        settings = {
            "SLACK_TOKEN_SECRET_ARN": incident.secret_arn,
            "SLACK_CHANNEL": CHANNEL,
            "INCIDENTS_TABLE": INCIDENTS_TABLE,
            "LOOKOUT_CHECKS": str(checks),
            "LOOKOUT_ACCOUNT": "123456789012",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        with environment(settings):
            yield stack, importlib.reload(importlib.import_module("handlers.checks"))
    server.shutdown()


def test_a_failing_endpoint_opens_one_incident_and_its_recovery_resolves_it(
    world: tuple[EmbeddedStack, Any],
) -> None:
    stack, handler = world
    Endpoint.answers = [(200, '{"status":"ok"}', 0.0)]
    answer = wake(handler, 1)
    assert answer["announced"] == [] and stack.slack.posts(CHANNEL) == []
    assert answer["pinged"] is True  # the outside dead man's switch heard from a good run
    Endpoint.answers = [(503, '{"status":"down","detail":"db pool exhausted"}', 0.0)]
    assert wake(handler, 2)["announced"] == []  # one failed run: fail_after is 2
    assert wake(handler, 3)["announced"] == ["orders-health"]
    (card,) = stack.slack.posts(CHANNEL)
    text = str(card["blocks"])
    assert "orders-health" in card["text"] and "OK → ALARM" in text
    assert (
        "status 503 is not 200" in text and "db pool exhausted" in text and "scheduled check, every 1 min" in text
    )
    assert "Open alarm" not in text  # a check is no CloudWatch alarm: no console link to one
    wake(handler, 4)
    assert len(stack.slack.posts(CHANNEL)) == 1  # still failing: nothing new
    Endpoint.answers = [(200, '{"status":"ok"}', 0.0)]
    assert wake(handler, 6)["announced"] == ["orders-health"]
    (card,) = stack.slack.posts(CHANNEL)  # the same message, edited
    assert "ALARM → OK" in str(card["blocks"])
    assert any("OK" in r["text"] for r in stack.slack.replies(CHANNEL, card["ts"]))


def test_the_xray_check_judges_the_scenarios_service(world: tuple[EmbeddedStack, Any]) -> None:
    stack, handler = world
    Endpoint.answers = [(200, '{"status":"ok"}', 0.0)]
    answer = wake(handler, 5)  # minute 5: both checks are due
    assert answer["ran"] == ["orders-health", "orders-faults"] and answer["announced"] == ["orders-faults"]
    (card,) = stack.slack.posts(CHANNEL)
    text = str(card["blocks"])
    assert "Fault rate (5xx)" in text and "(limit 5.0 %)" in text and "lookout:xray" in text


def test_a_transition_whose_post_failed_is_announced_on_the_next_run(world: tuple[EmbeddedStack, Any]) -> None:
    stack, handler = world
    Endpoint.answers = [(500, "{}", 0.0)]
    wake(handler, 1)
    stack.slack.fail_next(*[Fault(status=500)] * 8)  # Slack down for this run's post and its retries
    with pytest.raises(Exception, match="orders-health"):
        wake(handler, 2)
    assert stack.slack.posts(CHANNEL) == []
    assert wake(handler, 3)["announced"] == ["orders-health"]  # the standing kept it unannounced
    assert len(stack.slack.posts(CHANNEL)) == 1
    wake(handler, 4)
    assert len(stack.slack.posts(CHANNEL)) == 1
