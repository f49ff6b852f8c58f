"""Lambda entry point for Slack (slash commands, buttons), behind a Function URL or an HTTP API.

Built once per container: commands are acknowledged by the front door without Bolt; buttons and the lazy
re-invocations that run the queries go through the Bolt app, built on first need.
"""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.observability import Telemetry
from bot.slack.app import build_slack_front

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
FRONT = build_slack_front(SETTINGS, TELEMETRY)


@TELEMETRY.logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return FRONT.handle(event, context)
