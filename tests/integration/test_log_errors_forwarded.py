"""handlers/log_errors.py as deployed, on the embedded stack: CloudWatch Logs subscription deliveries from two
of the scenario's log groups — new kinds become cards (grouped in a storm when many open at once), their
lines counted; a redelivered payload is counted once; the forwarder's own group is never read."""

from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING, Any

import pytest

from local.lambda_runtime import LambdaContext
from local.scenario.incident import INCIDENTS_TABLE, seed
from local.stack import EmbeddedStack, environment
from tests.support.subscriptions import subscription

if TYPE_CHECKING:
    from collections.abc import Iterator

CHANNEL = "#errors"


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[EmbeddedStack, Any]]:
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        settings = {
            "SLACK_TOKEN_SECRET_ARN": incident.secret_arn,
            "SLACK_CHANNEL": CHANNEL,
            "INCIDENTS_TABLE": INCIDENTS_TABLE,
            "LOOKOUT_ACCOUNT": "123456789012",
            "LOOKOUT_LOG_FILTER": "?ERROR",
            "AWS_LAMBDA_FUNCTION_NAME": "lookout-log-errors",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        with environment(settings):
            yield stack, importlib.reload(importlib.import_module("handlers.log_errors"))


def test_a_burst_of_kinds_from_two_groups(world: tuple[EmbeddedStack, Any]) -> None:
    stack, handler = world
    names = ["Payment", "Inventory", "Shipping", "Tax", "Coupon"]
    orders = subscription(
        "/aws/lambda/orders-api",
        [f"ERROR {n}Error: failed for order ord-{i}" for i in range(200) for n in names[:3]],
    )
    payments = subscription(
        "/aws/lambda/payments", [f"ERROR {n}Error: declined {i}" for i in range(50) for n in names[3:]]
    )
    first = handler.lambda_handler(orders, LambdaContext())
    second = handler.lambda_handler(payments, LambdaContext())
    assert (first["lines"], first["kinds"], first["announced"]) == ("600", "3", "3")
    assert (second["lines"], second["kinds"], second["announced"]) == ("100", "2", "2")
    visible = json.dumps(stack.slack.state.messages.get(CHANNEL, []))
    for name in names:
        assert f"{name}Error" in visible, name
    cards = [m for m in stack.slack.posts(CHANNEL) if "lookout:header" in json.dumps(m)]
    card = next(m for m in cards if "PaymentError" in m["text"])
    text = json.dumps(card["blocks"])
    assert "/aws/lambda/orders-api" in text and "Seen:* 200 times" in text and "error lines forwarded" in text
    assert len(stack.slack.posts(CHANNEL)) <= 5  # one card per kind at most (a storm summary groups more)
    again = handler.lambda_handler(orders, LambdaContext())  # Lambda delivers the same payload again
    assert again["duplicate"] is True


def test_repeats_are_counted_not_posted(world: tuple[EmbeddedStack, Any]) -> None:
    stack, handler = world
    before = sum(len(stack.slack.calls(m)) for m in ("chat.postMessage", "chat.update"))
    repeat = subscription(
        "/aws/lambda/orders-api", ["ERROR PaymentError: failed for order ord-9"] * 1000, start_ms=1_795_700_100_000
    )
    answer = handler.lambda_handler(repeat, LambdaContext())
    assert answer["announced"] == "0" and answer["lines"] == "1000"
    assert sum(len(stack.slack.calls(m)) for m in ("chat.postMessage", "chat.update")) == before


def test_the_forwarders_own_group_is_skipped(world: tuple[EmbeddedStack, Any]) -> None:
    _, handler = world
    own = subscription("/aws/lambda/lookout-log-errors", ["ERROR alert not posted"])
    assert handler.lambda_handler(own, LambdaContext())["skipped"] == "Lookout's own log group"
