"""Lambda entry point for scheduled checks and Lookout's heartbeat. EventBridge Scheduler wakes it every minute
with the minute's scheduled time; the checks due in that minute run concurrently, their transitions go
through the alarm pipeline (one message per incident, updated, resolved, threaded, stormed, routed), the
``Heartbeat`` metric is published, and an outside dead man's switch, when configured, is pinged.

The composition root: settings, clients, the checks file, the alert service and the runner are built once
per container, at init.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.alerting import AlertsFailed
from bot.aws import Clients
from bot.checks.config import load_checks
from bot.checks.runner import CheckRunner
from bot.checks.state import StandingStore
from bot.config import Settings
from bot.delivery import Deadline
from bot.heartbeat import ping
from bot.observability import Telemetry
from bot.regions import partition_of
from bot.wiring import ALARM_SERVICES, build_alert_service, check_headers, heartbeat_url, http_pool

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
CLIENTS = Clients(SETTINGS.region).warm(ALARM_SERVICES)
CHECKS = load_checks(Path(SETTINGS.checks_file))
SERVICE = build_alert_service(SETTINGS, TELEMETRY, CLIENTS)
POOL = http_pool()
HEARTBEAT_URL = heartbeat_url(SETTINGS, CLIENTS)
STORE = StandingStore(CLIENTS("dynamodb"), SETTINGS.incidents_table) if SETTINGS.incidents_table else None
RUNNER = CheckRunner(
    SETTINGS.region,
    SETTINGS.account,
    partition_of(SETTINGS.region),
    POOL,
    CLIENTS("xray"),
    check_headers(CLIENTS),
    TELEMETRY,
    STORE,
)


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    scheduled = event.get("scheduled_time")  # the same on Scheduler's retries: they run the same minute
    now = datetime.fromisoformat(scheduled) if scheduled else datetime.now(UTC)
    deadline = Deadline.from_lambda_context(context)
    due = [c for c in CHECKS if c.due(int(now.timestamp()) // 60) and c.runs_in(SETTINGS.region)]
    results = RUNNER.run(due, deadline, at=now)
    outcomes = RUNNER.announce(
        RUNNER.transitions(due, results), lambda d: SERVICE.deliver_all(d, deadline, context, raise_failed=False)
    )
    problem = SERVICE.slack_problem(deadline)  # beats 0 while Slack would not take an alert
    if problem:
        TELEMETRY.logger.error("the Slack path is broken", extra={"problem": problem})
    TELEMETRY.count("Heartbeat", value=0.0 if problem else 1.0)
    failed = [o for o in outcomes if o.error]
    if failed:  # the standing keeps them unannounced: the next run (or Scheduler's retry) delivers them
        raise AlertsFailed("; ".join(f"{o.title}: {o.error}" for o in failed))
    pinged = _ping()
    if pinged is False:
        TELEMETRY.count("HeartbeatPingFailed")
    return {"ran": [r.check for r in results], "announced": [o.title for o in outcomes], "pinged": pinged}


def _ping() -> bool | None:
    """The outside witness heard from us (None: none configured)."""
    try:
        url = HEARTBEAT_URL()
    except Exception:  # the secret could not be read: the run was good, only the witness misses a ping
        TELEMETRY.logger.exception("heartbeat URL unreadable")
        return False
    return ping(url, POOL) if url else None
