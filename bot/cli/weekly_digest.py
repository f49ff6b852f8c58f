"""``lookout digest [--dry-run]``: the weekly digest's queries run now, through the digest function's own query
service and Slack poster (``bot.wiring``), and posted to its channel — or, with ``--dry-run``, printed."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.analytics.digest import build_digest, load_digest_config
from bot.aws import Clients
from bot.cli.failures import query_errors_in_one_line
from bot.config import Settings
from bot.delivery import Deadline
from bot.observability import Telemetry

if TYPE_CHECKING:
    import argparse


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    digest = commands.add_parser("digest", help="run the weekly digest's queries and post it (or print it)")
    digest.add_argument("--dry-run", action="store_true", help="print what would be posted; post nothing")
    digest.set_defaults(run=run)


@query_errors_in_one_line
def run(args: argparse.Namespace) -> int:
    from bot.slack.blocks.digest_message import render_digest, render_digest_text  # when it runs: see ``bot.cli``
    from bot.wiring import build_query_service, digest_poster, query_config

    settings = Settings.from_env()
    queries = query_config(settings)  # the catalog's own errors first
    config = load_digest_config(settings.query_config)
    if config is None:
        print(f"lookout digest: {settings.query_config} has no digest section (channel, queries)", file=sys.stderr)
        return 2
    telemetry = Telemetry.for_cli(settings)
    clients = Clients(settings.region)
    service = build_query_service(settings, telemetry, clients, queries)
    digest = build_digest(config, service.plan_line, service.run_plan, datetime.now(UTC).replace(microsecond=0))
    if args.dry_run:
        print(f"Would post to {config.channel}:\n")
        print(render_digest_text(digest))
        return 0
    posted = digest_poster(settings, telemetry, clients).post(
        render_digest(digest), config.channel, Deadline.after(60)
    )
    print(f"posted to {posted.channel} ({posted.ts})")
    return 0
