"""The whole alarm path with enrichment: moto for Logs/CloudWatch/Secrets Manager, Stubber for X-Ray,
the local Slack stand-in over HTTP, and the real Lambda handler module."""

from __future__ import annotations

import importlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from bot.alarms import Alarm
from bot.alerting import AlertsFailed
from bot.aws import Clients
from bot.config import Settings
from bot.enrich.runner import Enricher
from bot.events import parse_event
from bot.slack.blocks.render import render_alarm
from local.slack.api import Fault, SlackStandIn
from tests.support.enrichment import confirmed_by_cloudwatch
from tests.support.fixtures import load_event
from tests.support.xray import stubbed_xray

if TYPE_CHECKING:
    from collections.abc import Iterator

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)


@pytest.fixture
def moto() -> Iterator[None]:
    with mock_aws():
        yield


def seed_logs_and_metrics() -> None:
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName="/aws/lambda/orders-api")
    logs.create_log_stream(logGroupName="/aws/lambda/orders-api", logStreamName="2026/11/20/[$LATEST]abc")
    logs.put_log_events(
        logGroupName="/aws/lambda/orders-api",
        logStreamName="2026/11/20/[$LATEST]abc",
        logEvents=[
            {
                "timestamp": int((NOW - timedelta(seconds=40)).timestamp() * 1000),
                "message": "ERROR PaymentError: 502 Bad Gateway from api.payments.example",
            },
            {
                "timestamp": int((NOW - timedelta(seconds=20)).timestamp() * 1000),
                "message": "ERROR retry failed, Authorization: Bearer abcdefghijklmnop <!channel>",
            },
        ],
    )
    boto3.client("cloudwatch").put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": "orders-api"}],
                "Timestamp": NOW.replace(second=0) - timedelta(minutes=m),
                "Value": float(v),
            }
            for m, v in enumerate([9, 6, 1, 0, 0])
        ],
    )


def lambda_alarm() -> Alarm:
    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(item, Alarm)
    return replace(item, changed_at=NOW)


def test_lambda_alarm_message_shows_xray_table_log_lines_and_links(moto: None) -> None:
    seed_logs_and_metrics()
    xray, stubber = stubbed_xray(expression='service("orders-api") { fault OR error }')
    made = Clients("us-east-1")
    clients = lambda service, region: xray if service == "xray" else made(service, region)  # noqa: E731
    enrichment = Enricher(Settings(), clients=confirmed_by_cloudwatch(clients, lambda_alarm())).enrich(
        lambda_alarm()
    )
    stubber.assert_no_pending_responses()
    blocks = {b.block_id: b.to_dict() for b in render_alarm(lambda_alarm(), enrichment).blocks}

    table = blocks["lookout:xray-table"]["rows"]
    assert [c["text"] for c in table[0]][:3] == ["Service", "Role", "Requests"]
    assert [c["text"] for c in table[4]] == [
        "api.payments.example",
        "callee",
        "100",
        "60",
        "0",
        "10",
        "30",
        "10%",
        "30%",
        "600 ms",
        "3.00 s",
    ]
    assert "HTTPError" in blocks["lookout:xray"]["text"]["text"]

    logs = blocks["lookout:logs"]["text"]["text"]
    assert "2 newest matching lines in /aws/lambda/orders-api: 2 kinds (found by convention; times UTC)" in logs
    assert "Bearer [REDACTED]" in logs and "&lt;!channel&gt;" in logs and "<!channel>" not in logs
    assert logs.index("retry failed") < logs.index("PaymentError")  # one line each: the newest kind first
    assert "×1  " in logs

    # the first line: the callee X-Ray's root causes blame, and the decisive log kinds (one line each, both)
    first = blocks["lookout:headline"]["text"]["text"]
    assert first.startswith("*api.payments.example* failing for orders-api: ")
    assert "502 ×1" in first and "Bearer [REDACTED] &lt;!channel" in first and "<!channel" not in first

    metric = blocks["lookout:metric"]["text"]["text"]
    assert "Errors (Sum)" in metric and "latest 9" in metric and "threshold &gt; 3" in metric

    urls = [e["url"] for e in blocks["lookout:links"]["elements"]]
    assert urls[0].startswith(
        "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/orders-api-errors"
    )
    assert any("#logsV2:logs-insights" in u and "orders-api" in u for u in urls)
    assert any("#metricsV2?graph=" in u for u in urls)
    assert any("#xray:service-map" in u for u in urls)


class LambdaContext:
    function_name = "lookout-alarm"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:111122223333:function:lookout-alarm"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def handler(moto: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, SlackStandIn]]:
    secret = boto3.client("secretsmanager").create_secret(
        Name="lookout/slack", SecretString=json.dumps({"bot_token": "xoxb-from-secret"})
    )
    with SlackStandIn() as slack:
        monkeypatch.setenv("SLACK_TOKEN_SECRET_ARN", secret["ARN"])
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        monkeypatch.setenv("SLACK_CHANNEL", "#ops-alerts")
        monkeypatch.setenv("XRAY_DEADLINE_S", "2")
        module = importlib.reload(importlib.import_module("handlers.alarm"))
        yield module, slack


def test_handler_posts_each_record_with_token_from_secrets_manager(handler: tuple[Any, SlackStandIn]) -> None:
    module, slack = handler
    result = module.lambda_handler(load_event("sns_multi_record.json"), LambdaContext())
    assert len(result["posted"]) == 4
    posts = slack.posts("#ops-alerts")  # the records of one event go side by side: in no set order
    assert sorted(p["blocks"][0]["text"]["text"] for p in posts) == sorted(
        [
            "🔴 orders-api-errors · OK → ALARM",
            "📣 Deploy finished",
            '📣 ALARM: "orders-api-errors" in US East (N. Virginia)',
            "📣 Amazon EC2: EC2 Instance State-change Notification · terminated",  # the source and the state
        ]
    )
    assert slack.calls("chat.postMessage")[0].headers["Authorization"] == "Bearer xoxb-from-secret"


def test_one_failing_record_never_stops_the_others(handler: tuple[Any, SlackStandIn]) -> None:
    module, slack = handler
    slack.fail_next(Fault(error="invalid_blocks", matching="Deploy finished"))
    with pytest.raises(AlertsFailed, match="Deploy finished: Slack chat.postMessage failed: invalid_blocks"):
        module.lambda_handler(load_event("sns_multi_record.json"), LambdaContext())
    assert len(slack.posts("#ops-alerts")) == 3  # the alarm, the broken JSON and the EC2 event still went out


def test_handler_emits_emf_metrics(handler: tuple[Any, SlackStandIn], capsys: pytest.CaptureFixture[str]) -> None:
    module, _ = handler
    module.lambda_handler(load_event("sns_plain_text.json"), LambdaContext())
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    names = {m["Name"] for doc in emf for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert "AlertsPosted" in names
    assert all(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "LookoutTest" for doc in emf)


def test_every_log_line_of_a_delivery_names_its_alarm(handler: tuple[Any, SlackStandIn]) -> None:
    import io

    module, _ = handler
    stream = io.StringIO()
    (log_handler,) = module.TELEMETRY.logger.handlers  # Powertools' JSON handler, made once per process
    previous = log_handler.setStream(stream)
    try:
        module.lambda_handler(load_event("sns_alarm_lambda_errors.json"), LambdaContext())
    finally:
        log_handler.setStream(previous)
    logs = [json.loads(line) for line in stream.getvalue().splitlines()]
    (posted,) = [entry for entry in logs if entry["message"] == "alert posted"]
    assert posted["alarm_name"] == "orders-api-errors" and posted["state"] == "ALARM" and posted["message_id"]
    assert posted["ts"] and posted["channel"]
