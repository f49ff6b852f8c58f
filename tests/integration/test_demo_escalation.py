"""The demo's escalation on the embedded stack, as deployed: handlers/alarm.py opens a tagged incident,
handlers/checks.py's minute tick (Scheduler's payload, the template's environment) notes it in its thread and
publishes the page to the escalation topic, which a subscribed queue receives — once each."""

from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING, Any

from local.demo import config as demo_config
from local.demo.escalation import ALARM, escalate_unacknowledged
from local.scenario.incident import INCIDENTS_TABLE, seed
from local.stack import EmbeddedStack, environment

if TYPE_CHECKING:
    from pathlib import Path

CHANNEL = "#ops-alerts"


def test_the_demos_unacknowledged_incident_is_noted_then_paged_once(tmp_path: Path) -> None:
    steps: list[str] = []
    with EmbeddedStack() as stack:
        env = {
            **stack.env(),
            **demo_config.environment(),
            "SLACK_CHANNEL": CHANNEL,
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        with environment(env):
            incident = seed()
            with environment({"SLACK_TOKEN_SECRET_ARN": incident.secret_arn, "INCIDENTS_TABLE": INCIDENTS_TABLE}):
                importlib.reload(importlib.import_module("handlers.alarm"))  # this stack's, as the demo's is
                shown = escalate_unacknowledged(stack, incident, tmp_path, steps.append)
        (posted, page) = shown
        channel, message, replies = posted  # type: ignore[misc]
        assert channel == CHANNEL and ALARM in message["text"]
        notes = [r for r in replies if (r.get("metadata") or {}).get("event_type")]
        assert len(replies) == 1 and len(notes) == 1  # the escalation note, once, in the incident's thread
        card: dict[str, Any] = page[1]
        text = json.dumps(card["blocks"])
        assert card["text"].startswith(f"Lookout escalation: {ALARM} in ALARM for 10 min")
        assert "S0PAYLEADS" in text and "account 123456789012" in text
        assert len([s for s in steps if "Scheduler" in s]) == 1
