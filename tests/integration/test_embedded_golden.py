"""Goldens of the enriched card as the embedded stack renders it: the seeded incident at a fixed moment
(deterministic traffic, traces, log lines, datapoints and changes), fired through SNS into the real alarm handler
with the change ledger deployed, as ``make demo`` runs it.

The test runs on that moment's clock (time-machine, ticking): the embedded stack's servers run in this process,
so moto (which, like CloudWatch Logs, refuses log events older than 14 days), the stand-ins and the bot all see
the same day, whatever today is.

This pins what offline goldens cannot: the X-Ray table and root causes, the log lines, the sparkline, the changes
the ledger filed. A missing or changed golden fails; ``pytest --update-goldens`` rewrites it for review.
"""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
import time_machine

from local.lambda_runtime import LambdaContext
from local.scenario.alarm_evaluation import alarm_reason, state_changes
from local.scenario.firing import fire
from local.scenario.incident import ALARM, DEPLOY_ROLE, DEPLOY_SESSION, DEPLOYED_BEFORE, INCIDENTS_TABLE, seed
from local.stack import EmbeddedStack, environment
from tests.support.fixtures import GOLDEN
from tests.support.messages import assert_valid_message

if TYPE_CHECKING:
    from collections.abc import Iterator

CHANNEL = "#embedded-golden"
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
"""The seeded incident's "now": its traffic, failures, logs and datapoints are fixed relative to it."""


@pytest.fixture(scope="module")
def posted() -> Iterator[dict[str, Any]]:
    with time_machine.travel(NOW, tick=True), EmbeddedStack() as stack, environment(stack.env()):
        incident = seed(now=NOW)
        settings = {
            "SLACK_TOKEN_SECRET_ARN": incident.secret_arn,
            "SLACK_CHANNEL": CHANNEL,
            "INCIDENTS_TABLE": INCIDENTS_TABLE,  # the change ledger's table, as in the demo
            "XRAY_DEADLINE_S": "10",  # generous: a slow CI machine must not turn a section into a timeout
            "LOGS_DEADLINE_S": "10",
            "METRICS_DEADLINE_S": "10",
            "CHANGES_DEADLINE_S": "10",
        }
        with environment(settings):
            handler = importlib.reload(importlib.import_module("handlers.alarm"))
            fired = state_changes(incident).alarm_at  # when CloudWatch fires it: reason and sparkline agree
            event = fire(incident, ALARM, "ALARM", alarm_reason(incident, fired), at=fired)
            handler.lambda_handler(event, LambdaContext())
            (message,) = stack.slack.posts(CHANNEL)
            yield {"text": message["text"], "blocks": message["blocks"]}


def test_the_first_line_names_the_deploy_that_caused_it(posted: dict[str, Any]) -> None:
    # GIVEN CI's deploy of orders-api DEPLOYED_BEFORE the provider's errors begin (the first breaching minute)
    sections = {b["block_id"]: b for b in posted["blocks"]}
    first_line = sections["lookout:headline"]["text"]["text"]
    minutes = int(DEPLOYED_BEFORE.total_seconds() // 60)
    # THEN the card's first line names the failing provider and the deploy, with who made it
    assert first_line.startswith("*api.payments.example* failing for orders-api")
    assert first_line.endswith(f"— orders-api deployed {minutes} min before by {DEPLOY_ROLE}/{DEPLOY_SESSION}")
    # AND "Changed before this" lists it from the change ledger, which has been recording for hours: complete
    changes = sections["lookout:changes"]["text"]["text"]
    assert "· change ledger" in changes and "orders-api" in changes and "not searched" not in changes
    assert f"deployed · by {DEPLOY_ROLE}/{DEPLOY_SESSION}" in changes


def test_the_enriched_alarm_card_matches_its_golden(posted: dict[str, Any], update_goldens: bool) -> None:
    assert_valid_message(posted)
    sections = {b["block_id"]: b for b in posted["blocks"]}
    for source in ("lookout:metric", "lookout:xray", "lookout:logs", "lookout:changes"):
        shown = json.dumps(sections[source])  # every source answered: none skipped, none out of time
        assert "skipped" not in shown and "timed out after" not in shown
    golden = GOLDEN / "embedded" / "orders_api_errors_alarm.json"
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(posted, indent=2, ensure_ascii=False) + "\n")
    assert golden.exists(), f"no golden {golden.name}: run pytest --update-goldens, review the file and commit it"
    assert posted == json.loads(golden.read_text())
