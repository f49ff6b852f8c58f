"""Error lines from any log group: the subscription payload (the Lambda docs' CloudWatch Logs sample event),
folding into kinds, and the ledger's decisions — new kinds announced, repeats counted and noted at most
once per interval and a few times a minute per channel — on moto's DynamoDB."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from bot.logerrors.forwarder import Forwarder
from bot.logerrors.kinds import fold
from bot.logerrors.ledger import Ledger
from bot.logerrors.payload import NotASubscriptionEvent, decode
from local.log_subscription import lambda_event
from tests.unit.test_access_logs import DOCS_SUBSCRIPTION

if TYPE_CHECKING:
    from collections.abc import Iterator

TABLE = "incidents"


def subscription(
    group: str, messages: list[str], kind: str = "DATA_MESSAGE", start_ms: int = 1_795_700_000_000
) -> dict[str, Any]:
    lines = [(start_ms + i, m) for i, m in enumerate(messages)]
    return lambda_event(group, lines, kind=kind, stream="2026/11/26/[$LATEST]abc", filter_name="lookout-errors")


def test_the_docs_sample_event_decodes() -> None:
    batch = decode({"awslogs": {"data": DOCS_SUBSCRIPTION}})
    assert (batch.group, batch.stream, batch.owner, batch.control) == (
        "testLogGroup",
        "testLogStream",
        "123456789123",
        False,
    )
    assert [e.message for e in batch.events] == ["[ERROR] First test message", "[ERROR] Second test message"]
    assert [k.fingerprint for k in fold(batch)] == ["[ERROR] First test message", "[ERROR] Second test message"]


def test_control_messages_and_unreadable_payloads() -> None:
    assert decode(subscription("/g", [], kind="CONTROL_MESSAGE")).control
    for event in (
        {},
        {"awslogs": {"data": "not base64!"}},
        {"awslogs": {"data": base64.b64encode(b"plain").decode()}},
    ):
        with pytest.raises(NotASubscriptionEvent):
            decode(event)


def test_lines_differing_in_ids_numbers_and_times_are_one_kind_and_secrets_never_show() -> None:
    lines = [
        f"2026-11-26T09:14:{i:02d}.123Z 3f2b8c1e-1a2b-4c3d-8e9f-0a1b2c3d{i:04d} ERROR PaymentError: 502 from provider "
        f"(order ord-{1000 + i}) token=sk_live_{'x' * 20}"
        for i in range(30)
    ] + ["ERROR cache miss storm"]
    kinds = fold(decode(subscription("/aws/lambda/orders-api", lines)))
    assert [k.count for k in kinds] == [30, 1]
    assert "PaymentError" in kinds[0].fingerprint and kinds[1].fingerprint == "ERROR cache miss storm"
    assert "sk_live" not in kinds[0].sample and "sk_live" not in kinds[0].fingerprint
    assert kinds[0].request_id.startswith("3f2b8c1e") and kinds[0].last_ms - kinds[0].first_ms == 29


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


class Clock:
    def __init__(self) -> None:
        self.now = 1_795_700_000.0

    def __call__(self) -> float:
        return self.now


def forwarder(dynamodb: Any, clock: Clock, **limits: int) -> Forwarder:
    ledger = Ledger(dynamodb, TABLE, clock=clock, **limits)
    return Forwarder(
        ledger, "#errors", "us-east-1", "123456789012", "aws", "?ERROR", own_group="/aws/lambda/lookout-log-errors"
    )


def test_new_kinds_are_announced_until_delivered_then_repeats_at_most_every_interval(dynamodb: Any) -> None:
    clock = Clock()
    fwd = forwarder(dynamodb, clock, note_every_s=300)
    burst = subscription(
        "/aws/lambda/orders-api", ["ERROR PaymentError 502"] * 40 + ["ERROR timeout after 3000 ms"] * 2
    )
    deliveries, report = fwd.deliveries(burst)
    assert [d.item.previous_state.value for d in deliveries] == ["OK", "OK"] and report.kinds == 2
    again, _ = fwd.deliveries(burst)  # the cards were not delivered yet (say the post failed): still new
    assert [d.item.changed_at for d in again] == [d.item.changed_at for d in deliveries]  # same change key
    for key in report.new_keys:
        fwd.ledger.mark_announced(key)
    assert fwd.deliveries(burst)[0] == []  # counted only
    clock.now += 301
    repeat, _ = fwd.deliveries(burst)
    assert len(repeat) == 2 and all(d.item.previous_state.value == "ALARM" for d in repeat)
    card = repeat[0].item
    assert "*Seen:* 160 times since" in " ".join(card.evidence) and card.kind.value == "log_error"
    assert dict(card.tags or ())["lookout:xray-service"] == "orders-api"
    assert fwd.deliveries(burst)[0] == []  # the next repeat waits another interval


def test_repeat_notes_are_capped_per_channel_and_minute(dynamodb: Any) -> None:
    clock = Clock()
    fwd = forwarder(dynamodb, clock, note_every_s=60, notes_per_minute=3)
    burst = subscription("/aws/lambda/a", [f"ERROR kind-{chr(97 + i)} failed" for i in range(6)])
    _, report = fwd.deliveries(burst)
    for key in report.new_keys:
        fwd.ledger.mark_announced(key)
    clock.now += 61
    repeat, _ = fwd.deliveries(burst)
    assert len(repeat) == 3  # the other three kinds are counted, and noted in a later minute


def test_the_forwarders_own_group_and_control_messages_are_skipped(dynamodb: Any) -> None:
    fwd = forwarder(dynamodb, Clock())
    assert (
        fwd.deliveries(subscription("/aws/lambda/lookout-log-errors", ["ERROR x"]))[1].skipped
        == "Lookout's own log group"
    )
    assert fwd.deliveries(subscription("/g", [], kind="CONTROL_MESSAGE"))[0] == []


def test_a_card_links_to_logs_insights_even_when_its_lines_could_not_be_read(dynamodb: Any) -> None:
    from bot.enrich.model import Enrichment
    from bot.slack.blocks.render import render_alarm

    deliveries, _ = forwarder(dynamodb, Clock()).deliveries(subscription("/aws/lambda/orders-api", ["ERROR boom"]))
    message = render_alarm(deliveries[0].item, Enrichment.skipped("AccessDenied"))
    links = next(b for b in message.blocks if b.block_id == "lookout:links").to_dict()["elements"]
    insights = next(e["url"] for e in links if e["text"]["text"] == "Logs Insights")
    assert "logs-insights" in insights and "orders-api" in insights
    assert not any(e["text"]["text"] == "Open alarm" for e in links)  # no CloudWatch alarm behind it
