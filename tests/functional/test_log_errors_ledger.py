"""The error-line forwarder and its ledger's decisions on moto's DynamoDB: new kinds announced, repeats counted
and noted at most once per interval and a few times a minute per channel; the forwarder's own group and
control messages skipped; a card links to Logs Insights even when its lines could not be read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from bot.logerrors.forwarder import Forwarder
from bot.logerrors.ledger import Ledger
from tests.support.lifecycle import emulator_one_call_at_a_time
from tests.support.subscriptions import subscription

if TYPE_CHECKING:
    from collections.abc import Iterator

TABLE = "incidents"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    # the forwarder counts kinds 16 at a time: in-process moto answers one request at a time, as DynamoDB's
    # conditional and ADD updates are atomic (a per-minute cap counted by racing threads would overshoot)
    with mock_aws(), emulator_one_call_at_a_time():
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

    def burst(n: int) -> dict[str, Any]:  # the n-th delivery: its own lines, a second later
        lines = ["ERROR PaymentError 502"] * 40 + ["ERROR timeout after 3000 ms"] * 2
        return subscription("/aws/lambda/orders-api", lines, start_ms=1_795_700_000_000 + n * 1000)

    deliveries, report = fwd.deliveries(burst(0))
    assert [d.item.previous_state.value for d in deliveries] == ["OK", "OK"] and report.kinds == 2
    again, _ = fwd.deliveries(burst(0))  # Lambda's retry (say the post failed): still new, not counted again
    assert [d.item.changed_at for d in again] == [d.item.changed_at for d in deliveries]  # same change key
    for key in report.new_keys:
        fwd.ledger.mark_announced(key)
    assert fwd.deliveries(burst(1))[0] == []  # counted only
    clock.now += 301
    repeat, _ = fwd.deliveries(burst(2))
    assert len(repeat) == 2 and all(d.item.previous_state.value == "ALARM" for d in repeat)
    card = repeat[0].item
    assert "*Seen:* 120 times since" in " ".join(card.evidence) and card.kind.value == "log_error"
    assert dict(card.tags or ())["lookout:xray-service"] == "orders-api"
    assert fwd.deliveries(burst(3))[0] == []  # the next repeat waits another interval


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


def test_what_a_user_typed_never_makes_a_new_kind(dynamodb: Any) -> None:
    # GIVEN 200 error lines that differ only in what users typed or sent: a quoted word, an e-mail, a URL, a value
    lines = [
        f'ERROR invalid coupon "CODE{i}X" for {i}user@example.com at https://shop.example.com/c/{i}?q=w{i} '
        f"user=name{i}"
        for i in range(200)
    ]
    deliveries, report = forwarder(dynamodb, Clock()).deliveries(subscription("/aws/lambda/shop", lines))
    # THEN they are one kind, one card
    assert report.kinds == 1 and len(deliveries) == 1


def test_new_kinds_beyond_a_groups_minute_share_are_counted_in_one_card(dynamodb: Any) -> None:
    # GIVEN 200 lines that differ in an unquoted word (nothing can fold that): 200 kinds
    lines = [f"ERROR no such product {chr(97 + i % 26)}{chr(97 + i // 26)}zz" for i in range(200)]
    clock = Clock()
    deliveries, report = forwarder(dynamodb, clock, new_per_minute=20).deliveries(
        subscription("/aws/lambda/shop", lines)
    )
    # THEN twenty are announced and the other 180 are one card that says so, not 200 messages
    assert report.kinds == 200 and len(deliveries) == 21
    held = deliveries[-1].item
    assert held.name == "shop: 180 more new error kinds this minute"
    # AND it names as many as a card shows, and says how many it does not
    assert len(held.evidence) == 12 and held.evidence[-1].startswith("… and 170 more not listed")
    assert all(name.startswith("ERROR no such product ") for name in held.evidence[1:11])
    # AND once those twenty cards were delivered, the next minute announces twenty of those still new
    fwd = forwarder(dynamodb, clock, new_per_minute=20)
    for key in report.new_keys:
        fwd.ledger.mark_announced(key)
    clock.now += 60
    again, _ = fwd.deliveries(subscription("/aws/lambda/shop", lines))
    assert len(again) == 21 and {d.item.name for d in again[:20]}.isdisjoint(
        {d.item.name for d in deliveries[:20]}
    )


def test_lambdas_retry_of_a_failed_delivery_counts_its_lines_once(dynamodb: Any) -> None:
    # GIVEN a delivery whose card could not be posted: the invocation fails, Lambda retries the same payload
    # (asynchronous invocation: up to two retries, the same event — Lambda Developer Guide)
    fwd = forwarder(dynamodb, Clock())
    delivery = subscription("/aws/lambda/orders-api", ["ERROR PaymentError 502"] * 30)
    for _ in range(3):
        deliveries, _ = fwd.deliveries(delivery)
    # THEN the kind is still announced as new on each try (its card never went out) and counted once: 30 lines
    (card,) = deliveries
    assert card.item.previous_state.value == "OK"
    assert "*Seen:* 30 times since" in " ".join(card.item.evidence)


def test_first_and_last_sightings_are_the_earliest_and_latest_lines_whatever_the_arrival_order(
    dynamodb: Any,
) -> None:
    # GIVEN three deliveries of one kind arriving out of order (concurrent invocations, retries)
    fwd = forwarder(dynamodb, Clock())
    at = {"middle": 1_795_700_060_000, "late": 1_795_700_120_000, "early": 1_795_700_000_000}
    for name in ("middle", "late", "early"):
        fwd.deliveries(subscription("/aws/lambda/orders-api", ["ERROR PaymentError 502"] * 2, start_ms=at[name]))
    item = dynamodb.scan(
        TableName=TABLE, FilterExpression="begins_with(pk, :p)", ExpressionAttributeValues={":p": {"S": "logerr#"}}
    )["Items"]
    (tally,) = item
    # THEN the tally spans the earliest to the latest line, and counts all six
    assert int(tally["first_ms"]["N"]) == at["early"] and int(tally["last_ms"]["N"]) == at["late"] + 1
    assert int(tally["count"]["N"]) == 6
