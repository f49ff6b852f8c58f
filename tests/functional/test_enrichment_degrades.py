"""Every enricher failing (throttled, denied, 5xx through botocore's Stubber, or hanging): each source becomes
a note, and the alert still goes out to the Slack stand-in, even when rendering the details fails."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber

from bot.alerting import AlertService
from bot.config import Settings
from bot.delivery import Deadline
from bot.enrich.runner import Enricher
from bot.observability import Telemetry
from bot.slack.blocks.render import render_alarm
from bot.slack.transport.courier import SlackCourier
from bot.slack.transport.post import SlackPoster
from tests.support.enrichment import Hanging, confirmed_by_cloudwatch, lambda_alarm
from tests.support.fixtures import load_event

if TYPE_CHECKING:
    from local.slack.api import SlackStandIn

ERRORS = {
    "throttled": ("ThrottlingException", 400),
    "access denied": ("AccessDeniedException", 403),
    "AWS error 500 (InternalFailure)": ("InternalFailure", 500),
}
OPERATIONS = {"xray": "get_service_graph", "logs": "filter_log_events", "cloudwatch": "get_metric_data"}


def failing_clients(code: str, status: int) -> Any:
    clients = {}
    for service, operation in OPERATIONS.items():
        client = boto3.client(service, region_name="us-east-1")
        stubber = Stubber(client)
        stubber.add_client_error(operation, service_error_code=code, http_status_code=status)
        stubber.activate()
        clients[service] = client
    return confirmed_by_cloudwatch(lambda service, region: clients[service], lambda_alarm())


@pytest.mark.parametrize("note", list(ERRORS))
def test_each_source_failing_becomes_a_note(note: str) -> None:
    code, status = ERRORS[note]
    enrichment = Enricher(Settings(), clients=failing_clients(code, status)).enrich(lambda_alarm())
    for finding in (enrichment.xray, enrichment.logs, enrichment.metric):
        assert finding.failed and finding.value is None and finding.note == note
    text = str([b.to_dict() for b in render_alarm(lambda_alarm(), enrichment).blocks])
    assert f"*X-Ray* — _{note}_" in text and f"*Logs* — _{note}_" in text and f"*Metric* — _{note}_" in text


@pytest.mark.parametrize("failure", ["throttled", "hang"])
def test_alert_is_posted_when_every_source_fails(slack: SlackStandIn, failure: str) -> None:
    settings = Settings(
        xray_deadline_s=0.3,
        logs_deadline_s=0.3,
        metrics_deadline_s=0.3,
        changes_deadline_s=0.3,
        slack_channel="#ops",
    )
    hanging = confirmed_by_cloudwatch(lambda s, r: Hanging(), lambda_alarm())
    clients = failing_clients("ThrottlingException", 400) if failure == "throttled" else hanging
    failures: list[str] = []
    enricher = Enricher(
        settings, clients=clients, observer=lambda f: failures.append(f.source) if f.failed else None
    )
    service = AlertService(
        settings,
        enricher=enricher,
        courier=SlackCourier(SlackPoster(lambda: "xoxb-test", base_url=slack.url)),
        telemetry=Telemetry.for_cli(settings),
    )
    started = time.monotonic()
    (outcome,) = service.handle(load_event("sns_alarm_lambda_errors.json"), Deadline.after(10))
    assert time.monotonic() - started < 2
    assert outcome.posted is not None
    (message,) = slack.posts("#ops")
    assert message["blocks"][0]["text"]["text"] == "🔴 orders-api-errors · OK → ALARM"
    assert sorted(failures) == ["Logs", "Metric", "X-Ray"]
    # AND what changed: CloudTrail, hanging or throttled, is a search that says what it missed — never "nothing"
    assert "Changed before this" in json.dumps(message) and "nothing changed" not in json.dumps(message)


def test_a_rendering_bug_costs_details_not_the_alert(slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.slack.blocks.render as render

    def broken(*args: Any) -> Any:
        raise KeyError("bug")

    monkeypatch.setattr(render, "_xray", broken)
    settings = Settings(xray_deadline_s=0.2, logs_deadline_s=0.2, metrics_deadline_s=0.2)
    service = AlertService(
        settings,
        enricher=Enricher(settings, clients=lambda s, r: Hanging()),
        courier=SlackCourier(SlackPoster(lambda: "xoxb-test", base_url=slack.url)),
        telemetry=Telemetry.for_cli(settings),
    )
    monkeypatch.setattr(service.enricher, "enrich", broken)
    (outcome,) = service.handle(load_event("sns_alarm_lambda_errors.json"), Deadline.after(10))
    assert outcome.posted is not None
    (message,) = slack.posts()
    assert message["blocks"][0]["text"]["text"] == "🔴 orders-api-errors · OK → ALARM"
    assert "details could not be rendered" in json.dumps(message["blocks"])
