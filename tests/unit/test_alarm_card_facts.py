"""What every alarm card states as a fact is one: when the state changed (as given when unreadable), the
threshold exactly as the alarm holds it (CloudWatch compares against 10000.5, not "10.0k"), and a link to the
X-Ray trace map only for an alarm whose service X-Ray traces (its node is in the service graph)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, timedelta

import pytest

from bot.alarms import Alarm
from bot.enrich.model import Enrichment, Finding, MetricReport, ServiceRow, Stats, XRayReport
from bot.events import parse_event
from bot.slack.blocks.render import render_alarm
from tests.support.fixtures import event_names, load_event


def alarms_of(name: str) -> list[Alarm]:
    return [d.item for d in parse_event(load_event(name)) if isinstance(d.item, Alarm)]


def blocks(alarm: Alarm, enrichment: Enrichment | None = None) -> dict[str, str]:
    out = {}
    for block in render_alarm(alarm, enrichment or Enrichment.skipped()).blocks:
        raw = block.to_dict()
        if raw["type"] == "context":
            out[raw["block_id"]] = " ".join(e["text"] for e in raw["elements"])
        elif raw["type"] == "actions":
            out[raw["block_id"]] = " ".join(e["url"] for e in raw["elements"])
        elif "text" in raw:
            out[raw["block_id"]] = raw["text"]["text"]
    return out


@pytest.mark.parametrize("name", [n for n in event_names() if alarms_of(n)])
def test_every_alarm_card_says_when_the_state_changed(name: str) -> None:
    for alarm in alarms_of(name):
        context = blocks(alarm)["lookout:context"]
        if alarm.time_known:
            assert alarm.changed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") in context
        else:
            assert f"time as given: {alarm.time_given}" in context


def errors_alarm(threshold: float) -> Alarm:
    event = load_event("sns_alarm_lambda_errors.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["Trigger"]["Threshold"] = threshold
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    (delivery,) = parse_event(event)
    assert isinstance(delivery.item, Alarm)
    return delivery.item


@pytest.mark.parametrize(
    ("threshold", "shown"), [(10000.5, "10000.5"), (1234567.0, "1234567"), (0.00025, "0.00025")]
)
def test_the_condition_keeps_the_exact_threshold(threshold: float, shown: str) -> None:
    alarm = errors_alarm(threshold)
    assert f"Errors (Sum) &gt; {shown} for 2 of 3 × 1 min" in blocks(alarm)["lookout:summary"]
    start = alarm.changed_at - timedelta(minutes=3)
    report = MetricReport(
        label="Errors (Sum)",
        period=60,
        timestamps=tuple(start + timedelta(minutes=i) for i in range(3)),
        values=(1.0, 20000.0, 9.0),
        threshold=threshold,
        comparison="GreaterThanThreshold",
    )
    metric = replace(Enrichment.skipped(), metric=Finding("Metric", value=report))
    assert f"threshold &gt; {shown}" in blocks(alarm, metric)["lookout:metric"]


def traced(alarm: Alarm) -> Enrichment:
    stats = Stats(requests=10, ok=9, errors=1, throttles=0, faults=0, avg_ms=12.0, p95_ms=30.0)
    report = XRayReport(
        services=("orders-api",),
        rows=(ServiceRow("orders-api", "AWS::Lambda::Function", "service", stats),),
        root_causes=(),
        sample_trace_id=None,
        window_start=alarm.changed_at - timedelta(minutes=15),
        window_end=alarm.changed_at,
    )
    return replace(Enrichment.skipped(), xray=Finding("X-Ray", value=report))


def test_the_xray_button_only_where_xray_found_the_service() -> None:
    alarm = errors_alarm(3.0)
    assert "xray:service-map" not in blocks(alarm)["lookout:links"]  # not looked up (offline)
    untraced = replace(
        Enrichment.skipped(), xray=Finding("X-Ray", note="no service in the graph matches orders-api")
    )
    assert "xray:service-map" not in blocks(alarm, untraced)["lookout:links"]
    assert "xray:service-map" in blocks(alarm, traced(alarm))["lookout:links"]


def test_a_composite_without_a_trace_gets_no_xray_button() -> None:
    (alarm,) = alarms_of("eventbridge_composite.json")
    links = blocks(alarm)["lookout:links"]
    assert "alarmsV2:alarm/checkout-degraded" in links and "xray" not in links
