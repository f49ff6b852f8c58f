"""Lambda entry point for Slack (slash commands, buttons) behind a Function URL or an HTTP API, and for the
self-invocations that run their work.

The composition root: settings, telemetry, the boto3 clients of the Slack function, the one writer, the one Bolt
app and the front door before it are built once per container, at init.
"""

from __future__ import annotations

from typing import Any

from bot import snapstart
from bot.aws import Clients
from bot.config import Settings
from bot.observability import Telemetry
from bot.slack.edge.front import build_front, response_origins_for
from bot.slack.transport.post import SlackPoster
from bot.wiring import SLACK_SERVICES, slack_parts

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
CLIENTS = Clients(SETTINGS.region).warm(SLACK_SERVICES)
PARTS = slack_parts(SETTINGS, TELEMETRY, CLIENTS)
FRONT = build_front(  # bot.wiring.build_slack_front's job, until that module is rebuilt on build_front (#30)
    PARTS.service,
    signing_secret=PARTS.signing_secret,
    writer=SlackPoster.from_credentials(
        PARTS.credentials, base_url=SETTINGS.slack_api_url, on_retry=lambda _why: TELEMETRY.count("SlackRetries")
    ),
    lambda_client=CLIENTS("lambda"),
    actions=PARTS.actions,
    seen=PARTS.seen,
    forget=PARTS.credentials.forget,
    response_origins=response_origins_for(SETTINGS.slack_api_url),
)
snapstart.on_restore(snapstart.reseed, CLIENTS.close, FRONT.forget_secrets)


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return FRONT.handle(event, context)
