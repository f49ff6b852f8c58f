"""Lambda entry point for scheduled checks, escalations and Lookout's heartbeat. EventBridge Scheduler wakes it
every minute with the minute's scheduled time; the checks due in that minute run concurrently, their
transitions go through the alarm pipeline (one message per incident, updated, resolved, threaded, stormed,
routed), the incidents nobody acknowledged escalate (``bot.lifecycle.escalation``: a thread note, then a page on
the escalation topic), the ``Heartbeat`` metric is published, and an outside dead man's switch, when
configured, is pinged.

The composition root: settings, clients, the checks file, the alert service and the runner are built once
per container, at init.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.alerting import AlertsFailed
from bot.aws import Clients
from bot.checks.config import load_checks
from bot.config import Settings
from bot.delivery import Deadline
from bot.heartbeat import ping
from bot.lifecycle.escalation import Escalations, Sweep, sns_publisher
from bot.observability import Telemetry
from bot.wiring import ALARM_SERVICES, build_alert_service, build_check_runner, heartbeat_url, http_pool

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
CLIENTS = Clients(SETTINGS.region).warm(ALARM_SERVICES)
CHECKS = load_checks(Path(SETTINGS.checks_file))
SERVICE = build_alert_service(SETTINGS, TELEMETRY, CLIENTS)
POOL = http_pool()
HEARTBEAT_URL = heartbeat_url(SETTINGS, CLIENTS)
ESCALATIONS = (
    Escalations.for_lifecycle(
        SERVICE.lifecycle,
        publish=sns_publisher(CLIENTS("sns"), SETTINGS.escalation_topic_arn)
        if SETTINGS.escalation_topic_arn
        else None,
        count=TELEMETRY.count,
        logger=TELEMETRY.logger,
    )
    if SERVICE.lifecycle is not None
    else None
)
RUNNER = build_check_runner(SETTINGS, TELEMETRY, CLIENTS, pool=POOL)  # the CLI's `lookout check` builds the same


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    scheduled = event.get("scheduled_time")  # the same on Scheduler's retries: they run the same minute
    now = datetime.fromisoformat(str(scheduled)) if scheduled else datetime.now(UTC)
    deadline = Deadline.from_lambda_context(context)
    due = [c for c in CHECKS if c.due(int(now.timestamp()) // 60) and c.runs_in(SETTINGS.region)]
    results = RUNNER.run(due, deadline, at=now)
    outcomes = RUNNER.announce(
        RUNNER.transitions(due, results), lambda d: SERVICE.deliver_all(d, deadline, context, raise_failed=False)
    )
    swept, unswept = _escalate(now, deadline, context)
    problem = SERVICE.slack_problem(deadline)  # beats 0 while Slack would not take an alert
    if problem:
        TELEMETRY.logger.error("the Slack path is broken", extra={"problem": problem})
    TELEMETRY.count("Heartbeat", value=0.0 if problem else 1.0)
    # the standing keeps failed announcements unannounced, and the index keeps failed escalation steps (carried
    # to the next minute): the next run, or Scheduler's retry, delivers them
    failed = [f"{o.title}: {o.error}" for o in outcomes if o.error]
    failed += [f"escalating {arn}: {error}" for arn, error in (swept.failed if swept is not None else ())]
    failed += [f"escalations: {unswept}"] if unswept else []
    if failed:
        raise AlertsFailed("; ".join(failed))
    pinged = _ping()
    if pinged is False:
        TELEMETRY.count("HeartbeatPingFailed")
    return {
        "ran": [r.check for r in results],
        "announced": [o.title for o in outcomes],
        "escalated": {"noted": list(swept.noted), "paged": list(swept.paged)} if swept is not None else {},
        "pinged": pinged,
    }


def _escalate(now: datetime, deadline: Deadline, context: LambdaContext) -> tuple[Sweep | None, str]:
    """The minute's escalation steps (Scheduler's retries carry the same scheduled minute: each step is taken
    once), and what kept the sweep from running at all — the heartbeat still beats, the tick still fails."""
    if ESCALATIONS is None:
        return None, ""
    try:
        return ESCALATIONS.sweep(now, deadline, context, raise_failed=False), ""
    except Exception as exc:  # noqa: BLE001 - e.g. the table unreadable: the next tick reads these minutes again
        TELEMETRY.logger.exception("escalation sweep failed")
        return None, f"{type(exc).__name__}: {exc}"


def _ping() -> bool | None:
    """The outside witness heard from us (None: none configured)."""
    try:
        url = HEARTBEAT_URL()
    except Exception:  # the secret could not be read: the run was good, only the witness misses a ping
        TELEMETRY.logger.exception("heartbeat URL unreadable")
        return False
    return ping(url, POOL) if url else None
