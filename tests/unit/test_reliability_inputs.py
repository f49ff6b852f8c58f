"""The abuse matrix: malformed events of every shape always post, never an unhandled exception; hostile text in
every command parameter never changes a query."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from bot.alerting import AlertService
from bot.cli.recording import RecordingPoster
from bot.config import Settings
from bot.delivery import Deadline
from bot.observability import Telemetry
from bot.queries.catalog import load_config
from bot.queries.params import ParameterError, athena_literal, insights_literal
from bot.queries.plans import plan, split_command
from bot.slack.transport.courier import SlackCourier
from local.demo.config import CONFIG as DEMO_CONFIG
from local.demo.config import QUERIES as DEMO_QUERIES
from tests.support.hostile import HOSTILE
from tests.support.strategies import events

ROOT = Path(__file__).resolve().parents[2]


# --- malformed input of every shape: never an unhandled exception, always a post ------------------------


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(event=events)
def test_malformed_events_always_post(event: dict[str, Any]) -> None:
    poster = RecordingPoster()
    courier = SlackCourier(poster)
    service = AlertService(Settings(), enricher=None, courier=courier, telemetry=Telemetry.for_cli(Settings()))
    outcomes = service.handle(event, Deadline.after(10))
    records = event.get("Records")
    expected = len(records) if isinstance(records, list) and records else 1
    assert len(poster.calls) == len(outcomes) == expected


# --- hostile text through every command parameter ---------------------------------------------------------

CONFIG = load_config(DEMO_CONFIG, DEMO_QUERIES)
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def quoted(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


PARAMS = [(q.name, p.name, p.type) for q in CONFIG.queries.values() for p in q.params] + [
    (q.name, "since", "duration") for q in CONFIG.queries.values()
]


@pytest.mark.parametrize(("query", "param", "kind"), PARAMS)
@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_values_never_change_a_query(query: str, param: str, kind: str, hostile: str) -> None:
    saved = CONFIG.queries[query]
    benign_values = {
        "name": "acme",
        "string": "acme",
        "int": "1",
        "date": "2026-11-01",
        "enum": "x",
        "duration": "1h",
    }
    others = " ".join(f"{p.name}={benign_values[p.type]}" for p in saved.params if p.name != param)
    try:
        hostile_plan = plan(*split_command(f"/query {query} {others} {param}={quoted(hostile)}"), CONFIG, now=NOW)
    except ParameterError:
        return  # refused with a message the user can act on
    benign_plan = plan(*split_command(f"/query {query} {others} {param}={benign_values[kind]}"), CONFIG, now=NOW)
    if saved.engine == "athena":
        assert hostile_plan.query == benign_plan.query  # the value only ever travels as a parameter
        assert hostile_plan.parameters.count(athena_literal(hostile)) == 1
    else:
        assert hostile_plan.query.replace(insights_literal(hostile), "«»") == benign_plan.query.replace(
            insights_literal(benign_values[kind]), "«»"
        )
