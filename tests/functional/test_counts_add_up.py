"""Counts on the channel add up, through the lifecycle that writes them: one alarm that fires again inside a
storm is one alarm in its summary; an error kind whose lines came in two deliveries at once (two log streams
of one function, each its own CloudWatch Logs subscription delivery) says it was seen as often as both held."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from bot.delivery import Deadline
from bot.events import parse_event
from bot.logerrors.forwarder import Forwarder
from bot.logerrors.ledger import Ledger
from tests.support.lifecycle import TABLE, lifecycle_service, sns_event
from tests.support.subscriptions import subscription

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.alerting import AlertService
    from local.slack.api import SlackStandIn

CHANNEL = "#storm"


@pytest.fixture
def service(slack: SlackStandIn) -> Iterator[AlertService]:
    with mock_aws():
        service = lifecycle_service(slack.url, channel=CHANNEL)
        desk = service.lifecycle.tracker.storms
        desk.gather_s, desk.round_s, desk.hole_s = 0.05, 1.0, 0.5
        desk.clock = lambda: 30.0  # one storm window
        yield service


def deliver(service: AlertService, deliveries: list[Any]) -> None:
    outcomes = service.deliver_all(deliveries, Deadline.after(5.0), raise_failed=False)
    assert not [o for o in outcomes if o.error], outcomes


def visible(slack: SlackStandIn) -> str:
    return json.dumps(slack.posts(CHANNEL), ensure_ascii=False)


def test_an_alarm_that_reopens_in_a_storm_is_counted_once(service: AlertService, slack: SlackStandIn) -> None:
    # GIVEN four alarms opening at once (the fourth makes a storm), then the fourth resolving and firing again
    for i in range(4):
        deliver(service, list(parse_event(sns_event(f"svc-{i}", "ALARM", 0))))
    deliver(service, list(parse_event(sns_event("svc-3", "OK", 1, old="ALARM"))))
    deliver(service, list(parse_event(sns_event("svc-3", "ALARM", 2, old="OK"))))
    # THEN the storm's summary holds one alarm, firing, and promises nothing more in its thread
    summary = next(m for m in slack.posts(CHANNEL) if "Alarm storm" in m["text"])
    assert summary["text"].startswith("🚨 Alarm storm: 1 alarm (1 firing)"), summary["text"]
    assert "more (all in the thread)" not in json.dumps(summary, ensure_ascii=False)


def test_a_kind_seen_by_two_deliveries_at_once_shows_both_counts(
    service: AlertService, slack: SlackStandIn
) -> None:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    forwarder = Forwarder(Ledger(dynamodb, TABLE), CHANNEL, "us-east-1", "123456789012", "aws", "?ERROR")
    line = "ERROR PaymentError: failed for order ord-9"
    first = subscription("/aws/lambda/orders-api", [line] * 200, start_ms=1_795_700_000_000)
    second = subscription("/aws/lambda/orders-api", [line] * 200, start_ms=1_795_700_030_000)
    # GIVEN both deliveries counted before the first one's card went out (two invocations at once)
    one, _ = forwarder.deliveries(first)
    two, _ = forwarder.deliveries(second)
    # WHEN each posts its announcement
    deliver(service, one)
    deliver(service, two)
    # THEN the kind's one card says 400, as many lines as came
    cards = [m for m in slack.posts(CHANNEL) if "PaymentError" in m["text"]]
    assert len(cards) == 1
    assert "*Seen:* 400 times" in json.dumps(cards[0]["blocks"]), json.dumps(cards[0]["blocks"])[:2000]
