"""A burst of new error kinds from two log groups, delivered concurrently through the real forwarder, ledger, alert
lifecycle (storms included) and the Slack stand-in, on moto's DynamoDB: every kind is visible by name in a card of
its group — its own card, the log-error storm's summary or thread, or the group's one overflow card — each group
announces exactly its minute's share of new kinds and names all of the rest in one card, and every line is
counted once."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from bot.delivery import Deadline
from bot.logerrors.forwarder import Forwarder, Report
from bot.logerrors.ledger import Ledger
from local.slack.api import SlackStandIn
from tests.support.lifecycle import TABLE, lifecycle_service
from tests.support.subscriptions import subscription

if TYPE_CHECKING:
    from collections.abc import Iterator

GROUPS = ("orders-api", "payments")
NAMES = [f"{a}{b}" for a in "ABCDE" for b in "vwxyz"]  # 25 kinds a group (digits would fold into one)
SHARE = 20
PAYLOADS = 4  # a group's deliveries, each with every one of its 25 kinds, 4 lines each
NOW = 1_795_700_030.0  # mid-minute: the ledger's and the storm's minute never turns during the test


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as stand_in:
        yield stand_in


def burst() -> list[dict[str, Any]]:
    payloads = []
    for n in range(PAYLOADS):
        for group in GROUPS:
            lines = [
                f"ERROR {name}Error failed for order ord-{n}{i}{j} after {i * 7 + n} ms (req {n:04x}{i:04x})"
                for i in range(4)
                for j, name in enumerate(NAMES)
            ]
            payloads.append(subscription(f"/aws/lambda/{group}", lines, start_ms=int(NOW * 1000) + n * 1000))
    return payloads


def deliver_burst(slack: SlackStandIn) -> tuple[list[dict[str, Any]], list[Report], Any]:
    service = lifecycle_service(slack.url, channel="#errors")
    desk = service.lifecycle.tracker.storms
    desk.clock, desk.gather_s = (lambda: NOW), 0.2
    dynamodb = service.lifecycle.tracker.store.client
    forwarder = Forwarder(
        Ledger(dynamodb, TABLE, new_per_minute=SHARE, clock=lambda: NOW),
        "#errors",
        "us-east-1",
        "123456789012",
        "aws",
        "?ERROR",
        clock=lambda: datetime.fromtimestamp(NOW, UTC),
    )

    def forward(event: dict[str, Any]) -> Report:
        return forwarder.forward(event, lambda d: service.deliver_all(d, Deadline.after(60), raise_failed=False))

    with ThreadPoolExecutor(8) as pool:
        reports = list(pool.map(forward, burst()))
    messages = [m for ms in slack.state.messages.values() for m in ms]
    return messages, reports, dynamodb


def overflow_cards(messages: list[dict[str, Any]], group: str) -> list[str]:
    texts = [json.dumps(m, ensure_ascii=False) for m in messages]
    return [
        t for t in texts if re.search(rf'"text": "🔴 ALARM: {group}: \d+ more new error kinds? this minute', t)
    ]


def test_every_kind_of_a_concurrent_burst_is_visible_by_name_in_its_groups_cards(slack: SlackStandIn) -> None:
    with mock_aws():
        # GIVEN two groups' 25 new kinds each, in 8 deliveries handled by 8 concurrent invocations
        messages, reports, dynamodb = deliver_burst(slack)
        texts = [json.dumps(m, ensure_ascii=False) for m in messages]
        for group in GROUPS:
            # THEN the group has one overflow card, for the kinds beyond its minute's share, naming every one
            cards = overflow_cards(messages, group)
            assert len(cards) == 1, (group, [t[:120] for t in texts])
            card = cards[0]
            assert f"{group}: {len(NAMES) - SHARE} more new error kinds this minute" in card
            assert "not listed" not in card
            held = {name for name in NAMES if f"ERROR {name}Error" in card}
            # AND exactly its share of the other kinds is announced by name, singly or in the log-error storm
            announced = {
                name for name in NAMES if any(f"{group}: ERROR {name}Error" in t for t in texts if t not in cards)
            }
            assert len(announced) == SHARE, (group, sorted(announced))
            assert len(held) == len(NAMES) - SHARE and held.isdisjoint(announced), (group, sorted(held))
            # so every kind is visible by name in a card of its group
            assert held | announced == set(NAMES)
        # AND every line was counted once, in its kind's tally
        assert sum(r.lines for r in reports) == len(GROUPS) * PAYLOADS * 4 * len(NAMES)
        tallies = [
            item
            for page in dynamodb.get_paginator("scan").paginate(TableName=TABLE)
            for item in page["Items"]
            if item["pk"]["S"].startswith("logerr#")
        ]
        assert len(tallies) == len(GROUPS) * len(NAMES)
        assert {int(item["count"]["N"]) for item in tallies} == {PAYLOADS * 4}
        # AND the announced kinds are marked delivered: they come again as repeats, not as new
        assert sum(1 for item in tallies if "announced_at" in item) == len(GROUPS) * SHARE


def test_a_groups_overflow_card_names_the_kinds_every_delivery_held(slack: SlackStandIn) -> None:
    with mock_aws():
        service = lifecycle_service(slack.url, channel="#errors")
        dynamodb = service.lifecycle.tracker.store.client
        forwarder = Forwarder(
            Ledger(dynamodb, TABLE, new_per_minute=2, clock=lambda: NOW),
            "#errors",
            "us-east-1",
            "123456789012",
            "aws",
            "?ERROR",
            clock=lambda: datetime.fromtimestamp(NOW, UTC),
        )
        # GIVEN a group's minute whose share (2) the first delivery fills, holding 3 kinds
        first = [f"ERROR {name}Error failed" for name in NAMES[:5]]
        # WHEN a second delivery in the same minute holds 3 other kinds
        second = [f"ERROR {name}Error failed" for name in NAMES[5:8]]
        for lines in (first, second):
            forwarder.forward(
                subscription("/aws/lambda/orders-api", lines, start_ms=int(NOW * 1000)),
                lambda d: service.deliver_all(d, Deadline.after(60), raise_failed=False),
            )
        messages = [m for ms in slack.state.messages.values() for m in ms]
        # THEN the group still has one overflow card, edited to count and name all six
        cards = overflow_cards(messages, "orders-api")
        assert len(cards) == 1 and "orders-api: 6 more new error kinds this minute" in cards[0]
        texts = [json.dumps(m, ensure_ascii=False) for m in messages]
        singles = {n for n in NAMES[:8] if any(f"orders-api: ERROR {n}Error" in t for t in texts)}
        named = {n for n in NAMES[:8] if f"ERROR {n}Error" in cards[0]}
        assert len(singles) == 2 and len(named) == 6 and singles | named == set(NAMES[:8])
