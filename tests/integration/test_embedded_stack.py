"""The alarm path end to end through the embedded stack over real HTTP: moto's server behind our AWS front
(X-Ray and Logs stand-ins), the Slack stand-in, and the real handler module reached only through
``AWS_ENDPOINT_URL`` and ``SLACK_API_URL``."""

from __future__ import annotations

import importlib
import json
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from bot.alerting import AlertsFailed
from local.aws_front import AwsFault
from local.lambda_runtime import LambdaContext
from local.scenario.alarm_evaluation import alarm_reason, state_changes
from local.scenario.firing import fire
from local.scenario.incident import (
    ALARM,
    DEPLOY_ROLE,
    DEPLOY_SESSION,
    DEPLOYED_BEFORE,
    FUNCTION,
    INCIDENTS_TABLE,
    LEDGER_SINCE,
    SECRET_LINE,
    Incident,
    seed,
)
from local.slack.api import Fault
from local.stack import EmbeddedStack, environment
from tests.support.fixtures import event_names, load_event
from tests.support.messages import assert_valid_message

if TYPE_CHECKING:
    from collections.abc import Iterator

CHANNEL = "#embedded"


@dataclass
class Running:
    stack: EmbeddedStack
    incident: Incident
    handler: Any

    def handle(self, event: dict[str, Any]) -> Any:
        return self.handler.lambda_handler(event, LambdaContext())

    def last_post(self) -> dict[str, Any]:
        return self.stack.slack.posts(CHANNEL)[-1]


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        settings = {
            "SLACK_TOKEN_SECRET_ARN": incident.secret_arn,
            "SLACK_CHANNEL": CHANNEL,
            "XRAY_DEADLINE_S": "3",  # a throttled call's one retry (standard mode) backs off up to 1 s
            "LOGS_DEADLINE_S": "3",
            "METRICS_DEADLINE_S": "3",
        }
        with environment(settings):
            handler = importlib.reload(importlib.import_module("handlers.alarm"))
            yield Running(stack, incident, handler)


@pytest.fixture(autouse=True)
def _no_faults(running: Running) -> Iterator[None]:
    yield
    running.stack.aws.clear_faults()
    running.stack.slack.state.faults.clear()


def blocks_of(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in message["blocks"]}


def test_fired_alarm_is_enriched_from_the_seeded_incident(running: Running) -> None:
    running.handle(fire(running.incident, ALARM, "ALARM", alarm_reason(running.incident)))
    message = running.last_post()
    assert_valid_message({"text": message["text"], "blocks": message["blocks"]})
    blocks = blocks_of(message)
    rows = {row[0]["text"]: [c["text"] for c in row] for row in blocks["lookout:xray-table"]["rows"][1:]}
    assert set(rows) == {"orders-api", "orders-api/prod", "api.payments.example", "orders"}
    assert rows["orders-api/prod"][1] == "caller" and rows["api.payments.example"][1] == "callee"
    assert int(rows["api.payments.example"][6]) > 0  # faults at the payment provider
    assert "PaymentError" in blocks["lookout:xray"]["text"]["text"]
    logs = blocks["lookout:logs"]["text"]["text"]
    assert "Bearer [REDACTED" in logs and SECRET_LINE not in logs and "eyJhbGci" not in logs
    assert "PaymentThrottled" in logs
    assert "▁" in blocks["lookout:metric"]["text"]["text"]


def test_without_the_ledger_the_card_finds_the_deploy_in_cloudtrail(running: Running) -> None:
    # GIVEN Lookout without the change ledger (no INCIDENTS_TABLE here): CloudTrail's LookupEvents answers alone,
    # from the embedded CloudTrail's history of the seeded calls
    fired = state_changes(running.incident).alarm_at
    running.handle(fire(running.incident, ALARM, "ALARM", alarm_reason(running.incident, fired), at=fired))
    blocks = blocks_of(running.last_post())
    # THEN the card names CI's deploy of orders-api, found in CloudTrail, and the calls it made were LookupEvents
    who, minutes = f"{DEPLOY_ROLE}/{DEPLOY_SESSION}", int(DEPLOYED_BEFORE.total_seconds() // 60)
    # (the deploy is DEPLOYED_BEFORE the failures; the first breaching minute starts up to a minute before them)
    assert re.search(
        rf"— orders-api deployed ({minutes - 1}|{minutes}) min before by {who}$",
        blocks["lookout:headline"]["text"]["text"],
    )
    changes = blocks["lookout:changes"]["text"]["text"]
    assert "· CloudTrail" in changes and f"deployed · by {who}" in changes and "answered" not in changes
    assert ("cloudtrail", "LookupEvents") in running.stack.aws.calls


def test_the_seeded_ledger_has_been_recording_for_hours(running: Running) -> None:
    # GIVEN the seeded world's change ledger, read as the card reads it
    import boto3

    from bot.changes.ledger import ChangeLedger

    changes = running.incident.changes
    assert changes is not None
    until = changes.deployed_at + timedelta(minutes=30)
    window = ChangeLedger(boto3.client("dynamodb"), INCIDENTS_TABLE).read(
        [f"lambda:{FUNCTION}"], until - timedelta(hours=1), until
    )
    # THEN it has recorded since the first change hours before the incident, and holds the deploy
    assert window.recording_since is not None
    assert running.incident.now - window.recording_since > LEDGER_SINCE - timedelta(minutes=1)
    assert [c.action for c in window.items] == [
        "UpdateFunctionCode",
        "UpdateFunctionCode",
    ]  # the rollback, the deploy
    assert window.items[-1].who.endswith(f"assumed-role/{DEPLOY_ROLE}/{DEPLOY_SESSION}")


@pytest.mark.parametrize("name", event_names())
def test_every_fixture_reaches_slack(running: Running, name: str) -> None:
    before = len(running.stack.slack.posts(CHANNEL))
    event = load_event(name)
    result = running.handle(event)
    posts = running.stack.slack.posts(CHANNEL)[before:]
    assert len(posts) == len(result["posted"]) == len(event.get("Records") or [event])
    for post in posts:
        assert_valid_message({"text": post["text"], "blocks": post["blocks"]})


@pytest.mark.parametrize(
    ("fault", "note"),
    [
        (AwsFault("xray", status=400, code="ThrottlingException"), "*X-Ray* — _throttled_"),
        (AwsFault("xray", status=500, code="InternalFailure"), "*X-Ray* — _AWS error 500"),
        (AwsFault("logs", "FilterLogEvents", status=400, code="ThrottlingException"), "*Logs* — _throttled_"),
        (AwsFault("logs", "FilterLogEvents", status=403, code="AccessDeniedException"), "*Logs* — _access denied"),
        (AwsFault("monitoring", "GetMetricData", status=500, code="InternalFailure"), "*Metric* — _AWS error 500"),
        (AwsFault("xray", status=200, delay_s=7), "*X-Ray* — _timed out after 3 s_"),
        (AwsFault("monitoring", "GetMetricData", status=200, delay_s=7), "*Metric* — _timed out after 3 s_"),
    ],
)
def test_enricher_faults_still_post(running: Running, fault: AwsFault, note: str) -> None:
    running.stack.aws.fail(fault)
    started = time.monotonic()
    running.handle(fire(running.incident, ALARM, "ALARM", "Threshold Crossed"))
    assert time.monotonic() - started < 7
    blocks = json.dumps(running.last_post()["blocks"], ensure_ascii=False)
    assert note in blocks, blocks


@pytest.mark.parametrize("fault", [Fault(status=429, retry_after=1), Fault(status=500), Fault(status=503)])
def test_slack_faults_are_retried(running: Running, fault: Fault) -> None:
    before = len(running.stack.slack.posts(CHANNEL))
    running.stack.slack.fail_next(fault)
    running.handle(load_event("sns_plain_text.json"))
    assert len(running.stack.slack.posts(CHANNEL)) == before + 1
    assert len(running.stack.slack.calls("chat.postMessage")) >= 2


def test_slack_ok_false_raises_so_lambda_retries(running: Running) -> None:
    running.stack.slack.fail_next(Fault(error="channel_not_found"))
    with pytest.raises(AlertsFailed, match="channel_not_found"):
        running.handle(load_event("sns_plain_text.json"))


def test_slack_failing_past_the_deadline_raises(running: Running) -> None:
    running.stack.slack.fail_next(*[Fault(status=500)] * 50)
    context = LambdaContext(timeout_s=4)
    with pytest.raises(AlertsFailed, match="Slack chat.postMessage failed"):
        running.handler.lambda_handler(load_event("sns_plain_text.json"), context)
    assert context.get_remaining_time_in_millis() > 0


def is_payment_error(message: str) -> bool:
    try:
        document = json.loads(message)
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("error") == "PaymentError"


def test_logs_front_applies_patterns_and_pages(running: Running) -> None:
    import boto3

    logs = boto3.client("logs")
    start = int((running.incident.now.timestamp() - 3600) * 1000)
    everything = logs.filter_log_events(logGroupName="/aws/lambda/orders-api", startTime=start)["events"]
    expected = [e for e in everything if is_payment_error(e["message"])]
    pages, token = [], None
    while True:
        following: dict[str, Any] = {"nextToken": token} if token else {}
        page = logs.filter_log_events(
            logGroupName="/aws/lambda/orders-api",
            startTime=start,
            filterPattern='{ $.error = "PaymentError" }',
            limit=10,
            **following,
        )
        pages.append(page["events"])
        token = page.get("nextToken")
        if not token:
            break
    found = [e for page in pages for e in page]
    assert expected and [e["message"] for e in found] == [e["message"] for e in expected]
    assert all(len(page) <= 10 for page in pages) and len(pages) == -(-len(expected) // 10)


def test_logs_front_rejects_unsupported_patterns(running: Running) -> None:
    import boto3
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="InvalidParameterException"):
        boto3.client("logs").filter_log_events(logGroupName="/aws/lambda/orders-api", filterPattern="[ip, user]")
