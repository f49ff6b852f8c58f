"""Enrichers whose sources fail at the socket level or hang: each note says what happened, and the deadlines
and the overall budget cut them off in time."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from bot.config import Settings
from bot.enrich.context import describe_error
from bot.enrich.runner import Enricher
from tests.support.enrichment import Hanging, confirmed_by_cloudwatch, lambda_alarm


class Raising:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> Any:
            raise self.exc

        return call


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
    enrichment = Enricher(
        Settings(), clients=confirmed_by_cloudwatch(lambda s, r: Raising(exc), lambda_alarm())
    ).enrich(lambda_alarm())
    assert enrichment.xray.note == note and enrichment.metric.note == note


def test_hanging_sources_are_cut_at_their_deadlines() -> None:
    settings = Settings(xray_deadline_s=0.3, logs_deadline_s=0.4, metrics_deadline_s=0.2, changes_deadline_s=0.3)
    started = time.monotonic()
    enrichment = Enricher(
        settings, clients=confirmed_by_cloudwatch(lambda s, r: Hanging(), lambda_alarm())
    ).enrich(lambda_alarm())
    elapsed = time.monotonic() - started
    assert elapsed < 1.0
    assert enrichment.xray.note == "timed out after 0.3 s"
    assert enrichment.logs.note == "timed out after 0.4 s"
    assert enrichment.metric.note == "timed out after 0.2 s"
    # what changed: no call CloudTrail's pacing and the deadline leave no room for is started; it says so
    assert enrichment.changes is not None and enrichment.changes.value is not None
    assert not enrichment.changes.value.complete


def test_overall_budget_caps_every_deadline() -> None:
    started = time.monotonic()
    enrichment = Enricher(
        Settings(), clients=confirmed_by_cloudwatch(lambda s, r: Hanging(), lambda_alarm())
    ).enrich(lambda_alarm(), budget_s=0.25)
    assert time.monotonic() - started < 0.8
    assert all(f.failed for f in (enrichment.xray, enrichment.logs, enrichment.metric))
    assert enrichment.changes is not None and enrichment.changes.value is not None
    assert not enrichment.changes.value.complete
