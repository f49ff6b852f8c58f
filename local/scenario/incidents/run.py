"""Run the incident scenarios on one embedded stack: seed every scenario (each its own functions, alarm and Slack
channel, so they do not interfere), deliver their changes to the change ledger, then fire each alarm when
CloudWatch would — through SNS into the real ``handlers/alarm.py``, as ``make demo`` does — and keep the first card
each one posted.

Lookout runs as shipped: the generic ``infra/lookout.yaml`` and saved queries, the template's defaults, its
incidents table; only the enrichers' deadlines are generous (a busy machine must not turn a source into a
timeout, and so a hit into a miss).
"""

from __future__ import annotations

import importlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.lambda_runtime import LambdaContext
from local.scenario.firing import fire
from local.scenario.incident import INCIDENTS_TABLE, Incident, seed_plumbing
from local.scenario.incidents.catalog import SCENARIOS
from local.scenario.incidents.ledger import Delivered, deliver, held
from local.scenario.incidents.model import Timeline
from local.scenario.incidents.seeding import Seeded, seed_scenario
from local.stack import REGION, environment

if TYPE_CHECKING:
    from collections.abc import Sequence

    from local.scenario.incidents.model import Scenario
    from local.stack import EmbeddedStack

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_CHANNEL = "#scenarios"
DEADLINE_S = "10"


@dataclass(frozen=True)
class Fired:
    seeded: Seeded
    card: dict[str, Any] | None
    """The first top-level message in the scenario's channel (None: nothing was posted)."""
    posts: int
    seconds: float
    """How long the alarm handler took."""
    error: str = ""
    """Why the handler raised, if it did."""
    ledger_holds: tuple[str, ...] = ()
    """The changes the change ledger holds for the scenario's function in the hour before the alarm."""

    @property
    def scenario(self) -> Scenario:
        return self.seeded.scenario


@dataclass(frozen=True)
class Run:
    fired: tuple[Fired, ...]
    ledger: Delivered
    timeline: Timeline


def lookout_environment(stack: EmbeddedStack, secret_arn: str, scenarios: Sequence[Scenario]) -> dict[str, str]:
    """What the deployed alarm and change functions would have: the stack's endpoints, the Slack token's secret,
    the incidents table, a default channel and the scenarios' channels as the alert channels tags may choose."""
    return {
        **stack.env(),
        "LOOKOUT_CONFIG": str(ROOT / "infra" / "lookout.yaml"),
        "LOOKOUT_QUERIES": str(ROOT / "infra" / "queries"),
        "SLACK_TOKEN_SECRET_ARN": secret_arn,
        "SLACK_CHANNEL": DEFAULT_CHANNEL,
        "LOOKOUT_ALERT_CHANNELS": " ".join(s.channel for s in scenarios),
        "INCIDENTS_TABLE": INCIDENTS_TABLE,
        "XRAY_DEADLINE_S": DEADLINE_S,
        "LOGS_DEADLINE_S": DEADLINE_S,
        "METRICS_DEADLINE_S": DEADLINE_S,
        "LOOKOUT_TRACING": "false",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


def run(stack: EmbeddedStack, scenarios: Sequence[Scenario] = SCENARIOS, *, now: datetime | None = None) -> Run:
    """Seed and fire ``scenarios`` on ``stack`` (fresh: the scenarios create the alarm plumbing)."""
    moment = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    timeline = Timeline(moment)
    with environment(stack.env()):
        plumbing = seed_plumbing(REGION)
        seeded = [
            seed_scenario(scenario, timeline, topic_arn=plumbing.topic_arn, region=REGION, seed=1000 + i)
            for i, scenario in enumerate(scenarios)
        ]
    with environment(lookout_environment(stack, plumbing.secret_arn, scenarios)):
        delivered = deliver([e for s in seeded for e in s.changes], table=INCIDENTS_TABLE, region=REGION)
        handler = importlib.reload(importlib.import_module("handlers.alarm"))
        fired = []
        for one in seeded:
            incident = Incident(
                REGION,
                plumbing.topic_arn,
                plumbing.tap_queue_url,
                plumbing.secret_arn,
                one.alarm_arn,
                timeline.failing_from,
                timeline.now,
            )
            event = fire(incident, one.scenario.alarm_name, "ALARM", one.reason, at=one.fires_at)
            started, error = time.monotonic(), ""
            try:
                handler.lambda_handler(event, LambdaContext())
            except Exception as exc:  # noqa: BLE001 - the table says the scenario posted nothing, and why
                error = f"{type(exc).__name__}: {exc}"
            took = round(time.monotonic() - started, 2)
            posts = stack.slack.posts(one.scenario.channel)
            holds = (
                held(
                    one.scenario.function,
                    one.fires_at - timedelta(hours=1),
                    one.fires_at,
                    table=INCIDENTS_TABLE,
                    region=REGION,
                )
                if one.changes
                else ()
            )
            fired.append(Fired(one, posts[0] if posts else None, len(posts), took, error, holds))
    return Run(tuple(fired), delivered, timeline)
