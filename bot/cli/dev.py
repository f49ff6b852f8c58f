"""``lookout dev``: the Slack app (commands and buttons) over Socket Mode for local development — the Slack
function's own parts and Bolt app (``bot.wiring``), with an app-level token instead of a Function URL."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from bot.aws import Clients
from bot.cli.failures import query_errors_in_one_line
from bot.config import Settings
from bot.observability import Telemetry

if TYPE_CHECKING:
    import argparse

NEEDED = {
    "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write",
    "SLACK_BOT_TOKEN": "the bot token (xoxb-…), from OAuth & Permissions",
    "SLACK_SIGNING_SECRET": "the signing secret, from Basic Information",
}


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dev = commands.add_parser(
        "dev", help="run the Slack app over Socket Mode (SLACK_APP_TOKEN) for local development"
    )
    dev.set_defaults(run=run)


@query_errors_in_one_line
def run(args: argparse.Namespace) -> int:
    from bot.wiring import build_slack_app, query_config, slack_parts  # when it runs: see ``bot.cli``

    settings = Settings.from_env()
    query_config(settings)  # the catalog checked in full (saved queries' SQL too) before the app starts
    missing = [f"  {name}: {what}" for name, what in NEEDED.items() if not os.environ.get(name)]
    if missing and not (settings.slack_token_secret and os.environ.get("SLACK_APP_TOKEN")):
        print(
            "lookout dev: create the app from infra/slack-app-manifest.dev.yaml (Socket Mode), then set\n"
            + "\n".join(missing)
            + "\n(or SLACK_TOKEN_SECRET_ARN for the bot token and signing secret, with SLACK_APP_TOKEN)",
            file=sys.stderr,
        )
        return 2
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    parts = slack_parts(settings, Telemetry(settings), Clients(settings.region))
    SocketModeHandler(build_slack_app(parts, settings), os.environ["SLACK_APP_TOKEN"]).start()
    return 0
