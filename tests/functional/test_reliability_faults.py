"""The fault matrix: sockets that never answer cost the alert its details, never the alert; secrets in log
lines (moto's CloudWatch Logs) never reach Slack."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from bot.alarms import Alarm
from bot.aws import Clients
from bot.config import Settings
from bot.enrich.runner import Enricher
from bot.events import parse_event
from bot.slack.blocks.render import render_alarm
from tests.support.enrichment import confirmed_by_cloudwatch
from tests.support.fixtures import load_event
from tests.support.hostile import SECRETS

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A TCP endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_sockets_that_never_answer_cost_details_not_the_alert(black_hole: str) -> None:
    quick = Config(connect_timeout=0.5, read_timeout=0.5, retries={"max_attempts": 1})
    clients = {
        s: boto3.client(s, region_name="us-east-1", endpoint_url=black_hole, config=quick)
        for s in ("xray", "logs", "cloudwatch")
    }
    alarm = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(alarm, Alarm)
    started = time.monotonic()
    enrichment = Enricher(
        Settings(xray_deadline_s=2, logs_deadline_s=2, metrics_deadline_s=2),
        clients=confirmed_by_cloudwatch(lambda s, r: clients[s], alarm),  # the sources' sockets are the subject
    ).enrich(replace(alarm, tags=()))
    assert time.monotonic() - started < 2.5
    # each source fails as a timeout: its socket's ("timed out") or, for Logs, which first waits for the
    # alarm's tags from the same black hole, its own deadline ("timed out after 2 s")
    notes = {"X-Ray": enrichment.xray.note, "Logs": enrichment.logs.note, "Metric": enrichment.metric.note}
    assert notes["X-Ray"] == notes["Metric"] == "timed out", notes
    assert notes["Logs"] in {"timed out", "timed out after 2 s"}, notes
    assert render_alarm(alarm, enrichment).blocks  # and the alert still renders


# --- secrets in log lines never reach Slack -----------------------------------------------------------------


def test_secrets_in_log_lines_never_reach_slack() -> None:
    from moto import mock_aws

    now = datetime.now(UTC).replace(microsecond=0)
    with mock_aws():
        logs = boto3.client("logs", region_name="us-east-1")
        logs.create_log_group(logGroupName="/aws/lambda/orders-api")
        logs.create_log_stream(logGroupName="/aws/lambda/orders-api", logStreamName="s")
        lines = [
            f"ERROR request failed credential={secret}" if i % 2 else f"ERROR leaked {secret} in a stack trace"
            for i, secret in enumerate(SECRETS)
        ]
        lines += [
            "ERROR login password=hunter2 for jane@example.com",
            'ERROR {"password": "s3cr3t!", "token": "abc123456789"}',
        ]
        logs.put_log_events(
            logGroupName="/aws/lambda/orders-api",
            logStreamName="s",
            logEvents=[
                {"timestamp": int((now - timedelta(seconds=60 - i)).timestamp() * 1000), "message": m}
                for i, m in enumerate(lines)
            ],
        )
        alarm = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
        assert isinstance(alarm, Alarm)
        alarm = replace(alarm, changed_at=now, tags=())
        clients = confirmed_by_cloudwatch(Clients("us-east-1"), alarm)
        enrichment = Enricher(Settings(log_lines=50), clients).enrich(alarm)
    assert enrichment.logs.value is not None and len(enrichment.logs.value.lines) == len(lines)
    posted = json.dumps([b.to_dict() for b in render_alarm(alarm, enrichment).blocks])
    for secret in [*SECRETS, "hunter2", "jane@example.com", "s3cr3t!", "abc123456789"]:
        assert secret not in posted, secret
