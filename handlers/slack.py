"""Lambda entry point for Slack (slash commands, buttons) behind a Function URL or an HTTP API, and for the
self-invocations that run their work.

The composition root: settings, telemetry, the boto3 clients of the Slack function, the one writer, the one Bolt
app and the front door before it are built once per container, at init.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import snapstart
from bot.aws import Clients
from bot.config import Settings
from bot.observability import Telemetry
from bot.wiring import SLACK_SERVICES, build_slack_front

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
CLIENTS = Clients(SETTINGS.region).warm(SLACK_SERVICES)
FRONT = build_slack_front(SETTINGS, TELEMETRY, CLIENTS)
snapstart.on_restore(snapstart.reseed, CLIENTS.close, FRONT.forget_secrets)


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return FRONT.handle(event, context)
