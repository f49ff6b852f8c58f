"""Lambda entry point for Slack (slash commands), behind a Function URL or an HTTP API.

The Bolt app is built once per container; lazy listeners re-invoke this same function asynchronously.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.adapter.aws_lambda import SlackRequestHandler

from bot.config import Settings
from bot.observability import Telemetry
from bot.slack.app import build_slack_app

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
HANDLER = SlackRequestHandler(build_slack_app(SETTINGS, TELEMETRY))


@TELEMETRY.logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return HANDLER.handle(event, context)
