"""Every enricher failing in every way (throttled, denied, 5xx, socket timeout, hang): the alert still goes out."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from bot.alarms import Alarm
from bot.alerting import AlertService
from bot.config import Settings
from bot.delivery import Deadline
from bot.enrich.context import describe_error
from bot.enrich.runner import Enricher
from bot.observability import Telemetry
from bot.slack.blocks.render import render_alarm
from bot.slack.transport.courier import SlackCourier
from bot.slack.transport.post import SlackPoster
from tests.conftest import load_event

if TYPE_CHECKING:
    from local.slack_api import SlackStandIn

ERRORS = {
    "throttled": ("ThrottlingException", 400),
    "access denied": ("AccessDeniedException", 403),
    "AWS error 500 (InternalFailure)": ("InternalFailure", 500),
}
OPERATIONS = {"xray": "get_service_graph", "logs": "filter_log_events", "cloudwatch": "get_metric_data"}


def lambda_alarm() -> Alarm:
    from bot.events import parse_event

    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(item, Alarm)
    return replace(item, tags=())  # tags known: no ListTagsForResource call to stub


def failing_clients(code: str, status: int) -> Any:
    clients = {}
    for service, operation in OPERATIONS.items():
        client = boto3.client(service, region_name="us-east-1")
        stubber = Stubber(client)
        stubber.add_client_error(operation, service_error_code=code, http_status_code=status)
        stubber.activate()
        clients[service] = client
    return lambda service, region: clients[service]


class Hanging:
    """A client whose every call blocks far longer than any deadline."""

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: time.sleep(3)


class Raising:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> Any:
            raise self.exc

        return call


@pytest.mark.parametrize("note", list(ERRORS))
def test_each_source_failing_becomes_a_note(note: str) -> None:
    code, status = ERRORS[note]
    enrichment = Enricher(Settings(), clients=failing_clients(code, status)).enrich(lambda_alarm())
    for finding in (enrichment.xray, enrichment.logs, enrichment.metric):
        assert finding.failed and finding.value is None and finding.note == note
    text = str([b.to_dict() for b in render_alarm(lambda_alarm(), enrichment).blocks])
    assert f"*X-Ray* — _{note}_" in text and f"*Logs* — _{note}_" in text and f"*Metric* — _{note}_" in text


@pytest.mark.parametrize(
    ("exc", "note"),
    [
        (ReadTimeoutError(endpoint_url="https://xray"), "timed out"),
        (ConnectTimeoutError(endpoint_url="https://xray"), "timed out"),
        (EndpointConnectionError(endpoint_url="https://xray"), "unreachable"),
        (ValueError("boom"), "failed (ValueError)"),
    ],
)
def test_socket_level_failures(exc: Exception, note: str) -> None:
    assert describe_error(exc) == note
    enrichment = Enricher(Settings(), clients=lambda s, r: Raising(exc)).enrich(lambda_alarm())
    assert enrichment.xray.note == note and enrichment.metric.note == note


def test_hanging_sources_are_cut_at_their_deadlines() -> None:
    settings = Settings(xray_deadline_s=0.3, logs_deadline_s=0.4, metrics_deadline_s=0.2)
    started = time.monotonic()
    enrichment = Enricher(settings, clients=lambda s, r: Hanging()).enrich(lambda_alarm())
    elapsed = time.monotonic() - started
    assert elapsed < 1.0
    assert enrichment.xray.note == "timed out after 0.3 s"
    assert enrichment.logs.note == "timed out after 0.4 s"
    assert enrichment.metric.note == "timed out after 0.2 s"


def test_overall_budget_caps_every_deadline() -> None:
    started = time.monotonic()
    enrichment = Enricher(Settings(), clients=lambda s, r: Hanging()).enrich(lambda_alarm(), budget_s=0.25)
    assert time.monotonic() - started < 0.8
    assert all(f.failed for f in (enrichment.xray, enrichment.logs, enrichment.metric))


@pytest.mark.parametrize("failure", ["throttled", "hang"])
def test_alert_is_posted_when_every_source_fails(slack: SlackStandIn, failure: str) -> None:
    settings = Settings(xray_deadline_s=0.3, logs_deadline_s=0.3, metrics_deadline_s=0.3, slack_channel="#ops")
    clients = failing_clients("ThrottlingException", 400) if failure == "throttled" else (lambda s, r: Hanging())
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
