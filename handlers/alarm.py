"""Lambda entry point for alarm notifications: SNS (one or many records), EventBridge, alarm actions.

Settings, telemetry and the service are built once per container; every invocation only hands the event on.
Raising (``AlertsFailed``) lets Lambda retry and the on-failure destination keep what could not be posted.
"""

from __future__ import annotations

from typing import Any

from bot.alerting import build_alert_service
from bot.config import Settings
from bot.observability import Telemetry
from bot.slack.post import Deadline

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
SERVICE = build_alert_service(SETTINGS, TELEMETRY)


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    outcomes = SERVICE.handle(event, Deadline.from_lambda_context(context), lambda_context=context)
    return {"posted": [{"channel": o.posted.channel, "ts": o.posted.ts} for o in outcomes if o.posted]}
