"""The alarm's critical path: its enrichment and its incident read start before the exactly-once claim and run
beside it, so the chain before the post is the longest enrichment chain, not the claim plus it; and the
lifecycle decides (storm admission, the incident's claim) as soon as the tags to route by are known, beside the
sources still running. Proved by
handshakes between threads, not by timing: were the enrichment to wait for the claim, each would wait for the
other until the guard below fails the test."""

from __future__ import annotations

import threading
from typing import Any

from bot.alerting import AlertService
from bot.config import Settings
from bot.delivery import Deadline, Posted
from bot.enrich.model import Enrichment
from bot.observability import Telemetry
from tests.support.lifecycle import sns_event

GUARD_S = 10.0
"""Only reached when the overlap is missing (a deadlock between the two halves)."""


class Handshake:
    def __init__(self) -> None:
        self.enriching = threading.Event()
        self.claimed = threading.Event()
        self.read_in: list[str] = []
        self.delivered: list[tuple[Enrichment, Any]] = []


class SlowEnricher:
    """An enrichment that is still running when the claim is made, and only ends after it."""

    def __init__(self, hand: Handshake) -> None:
        self.hand = hand

    def enrich(self, alarm: Any, budget_s: float | None = None, routed: Any = None) -> Enrichment:
        self.hand.enriching.set()
        assert self.hand.claimed.wait(GUARD_S), "the claim never came while the enrichment ran"
        return Enrichment.skipped("enriched beside the claim")


class ClaimingLifecycle:
    """The claim waits until the enrichment has started: it can only be made while the enrichment runs."""

    def __init__(self, hand: Handshake) -> None:
        self.hand = hand

    def once(self, delivery: Any, work: Any, deadline: Deadline, lambda_context: Any) -> tuple[Any, bool]:
        assert self.hand.enriching.wait(GUARD_S), "the enrichment had not started when the claim was made"
        self.hand.claimed.set()
        return work(), True

    def read_ahead(self, alarm: Any) -> None:
        self.hand.read_in.append(threading.current_thread().name)
        return None

    def deliver(self, alert: Any, deadline: Deadline, read: Any = None, routed: Any = None) -> Posted:
        self.hand.delivered.append((alert.enrichment, read() if read else "not read ahead"))
        return Posted(channel="#alerts", ts="1.1")


def test_the_enrichment_and_the_incident_read_run_beside_the_claim() -> None:
    hand = Handshake()
    settings = Settings(slack_channel="#alerts")
    service = AlertService(
        settings,
        enricher=SlowEnricher(hand),  # type: ignore[arg-type]
        courier=None,  # type: ignore[arg-type] # the lifecycle posts
        telemetry=Telemetry.for_cli(settings),
        lifecycle=ClaimingLifecycle(hand),  # type: ignore[arg-type]
    )
    (outcome,) = service.handle(sns_event("api", "ALARM", 0), Deadline.after(30))
    assert outcome.error is None and outcome.posted == Posted(channel="#alerts", ts="1.1")
    [(enrichment, incident)] = hand.delivered
    assert enrichment.xray.note == "enriched beside the claim"  # the enrichment started ahead is the one used
    assert incident is None and hand.read_in and hand.read_in[0] != "MainThread"  # read ahead, in a worker


class EarlyRoutingEnricher:
    """Tells the routing tags, then keeps running until the lifecycle has decided with them."""

    def __init__(self, decided: threading.Event) -> None:
        self.decided = decided

    def enrich(self, alarm: Any, budget_s: float | None = None, routed: Any = None) -> Enrichment:
        routed((("lookout:severity", "sev2"),))
        assert self.decided.wait(GUARD_S), "the lifecycle waited for the whole enrichment before deciding"
        return Enrichment.skipped("the sources ended after the decision")


class DecidingLifecycle:
    def __init__(self, decided: threading.Event) -> None:
        self.decided = decided
        self.seen: list[Any] = []

    def once(self, delivery: Any, work: Any, deadline: Deadline, lambda_context: Any) -> tuple[Any, bool]:
        return work(), True

    def read_ahead(self, alarm: Any) -> None:
        return None

    def deliver(self, alert: Any, deadline: Deadline, read: Any = None, routed: Any = None) -> Posted:
        self.seen.append(routed.result(timeout=GUARD_S))  # the decision's input: known before the sources end
        self.decided.set()
        self.seen.append(alert.enrichment.xray.note)  # the post's input: waits for them
        return Posted(channel="#alerts", ts="1.2")


def test_the_lifecycle_decides_on_the_routing_tags_while_the_sources_still_run() -> None:
    decided = threading.Event()
    settings = Settings(slack_channel="#alerts")
    lifecycle = DecidingLifecycle(decided)
    service = AlertService(
        settings,
        enricher=EarlyRoutingEnricher(decided),  # type: ignore[arg-type]
        courier=None,  # type: ignore[arg-type]
        telemetry=Telemetry.for_cli(settings),
        lifecycle=lifecycle,  # type: ignore[arg-type]
    )
    (outcome,) = service.handle(sns_event("api", "ALARM", 0), Deadline.after(30))
    assert outcome.error is None
    assert lifecycle.seen == [(("lookout:severity", "sev2"),), "the sources ended after the decision"]
