"""Query commands of the ``lookout`` CLI: ``slash`` (dry-run or run a slash command's text), ``query`` (run a
saved query) and ``dev`` (the Slack app over Socket Mode for local development)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.queries import display
from bot.queries.params import ParameterError
from bot.queries.plans import HelpRequested, QueryPlan, plan, split_command
from bot.wiring import query_config

if TYPE_CHECKING:
    import argparse

    from bot.queries.catalog import QueryConfig
    from bot.queries.results import QueryResult


def add_commands(commands: Any) -> None:
    slash = commands.add_parser("slash", help="parse (and run) a slash command exactly as Slack would")
    slash.add_argument("text", help='the command as typed, e.g. "/errors orders-api 2h"')
    slash.add_argument("--dry-run", action="store_true", help="print the plan (engine, query, parameters, window)")
    query = commands.add_parser("query", help="run a saved query and print the table")
    query.add_argument("name")
    query.add_argument("params", nargs="*", help="key=value …")
    commands.add_parser("dev", help="run the Slack app over Socket Mode (SLACK_APP_TOKEN) for local development")
    digest = commands.add_parser("digest", help="run the weekly digest's queries and post it (or print it)")
    digest.add_argument("--dry-run", action="store_true", help="print what would be posted; post nothing")


def run_command(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    config = query_config(settings)
    if args.command == "dev":
        return _dev(settings)
    if args.command == "digest":
        return _digest(settings, dry_run=args.dry_run)
    text = args.text if args.command == "slash" else " ".join(["/query", args.name, *args.params])
    try:
        command, words = split_command(text)
        query = plan(command, words, config)
    except HelpRequested as asked:
        from bot.slack.blocks.help import help_text

        only = str(asked.args[0]) if asked.args and str(asked.args[0]) != "/lookout" else None
        print(help_text(config, only))
        return 0
    except ParameterError as exc:
        print(f"⚠️ {exc}", file=sys.stderr)
        return 2
    if getattr(args, "dry_run", False):
        json.dump(query.as_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    result = execute(query, config, settings)
    print(query.title)
    headers, cells = display.table(result.columns, list(result.rows))
    print(format_table(headers, tuple(cells)))
    scanned = f"{display.human_bytes(result.bytes_scanned)} scanned"
    print(f"{result.row_count} rows · {result.seconds:.1f} s · {scanned} · {display.human_cost(result.cost_usd)}")
    return 0


def execute(query: QueryPlan, config: QueryConfig, settings: Settings) -> QueryResult:
    from bot.aws import Clients
    from bot.queries.athena import AthenaRunner
    from bot.queries.folding import fold_errors, merge_traffic
    from bot.queries.insights import InsightsRunner

    clients = Clients(settings.region)
    if query.engine == "athena":
        runner = AthenaRunner(
            clients("athena"),
            workgroup=config.athena_workgroup,
            database=config.athena_database,
            timeout=config.athena_timeout,
        )
        return runner.run(query.query, query.parameters)
    insights = InsightsRunner(
        clients("logs"), max_concurrent=config.insights_max_concurrent, timeout=config.insights_timeout
    )
    result = insights.run(query.query, query.log_groups, query.start, query.end)
    if query.kind == "errors":
        return fold_errors(result)[0]
    if query.kind == "traffic" and query.companion:
        by, label = next(iter(query.labels.items()))
        return merge_traffic(
            result, insights.run(query.companion, query.log_groups, query.start, query.end), by, label
        )
    return result


def format_table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], width: int = 60) -> str:
    """Rows as aligned text for a terminal; secrets redacted here too."""
    if not columns:
        return "(no data)"
    from bot.text import one_line, redact, window

    cleaned = [[redact(window(one_line(v), width)) for v in row] for row in [columns, *rows]]
    cut = [[(v if len(v) <= width else v[: width - 1] + "…") for v in row] for row in cleaned]
    widths = [max(len(r[i]) for r in cut) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip() for row in cut]
    lines.insert(1, "  ".join("─" * w for w in widths))
    return "\n".join(lines)


def _digest(settings: Settings, *, dry_run: bool) -> int:
    from datetime import UTC, datetime

    from bot.analytics.digest import build_digest, load_digest_config
    from bot.aws import Clients
    from bot.delivery import Deadline
    from bot.observability import Telemetry
    from bot.slack.blocks.digest import render_digest, render_digest_text
    from bot.wiring import build_query_service, digest_poster

    config = load_digest_config(settings.query_config)
    if config is None:
        print(f"lookout digest: {settings.query_config} has no digest section (channel, queries)", file=sys.stderr)
        return 2
    telemetry = Telemetry.for_cli(settings)
    clients = Clients(settings.region)
    service = build_query_service(settings, telemetry, clients)
    digest = build_digest(config, service.plan_line, service.run_plan, datetime.now(UTC).replace(microsecond=0))
    if dry_run:
        print(f"Would post to {config.channel}:\n")
        print(render_digest_text(digest))
        return 0
    posted = digest_poster(settings, telemetry, clients).post(
        render_digest(digest), config.channel, Deadline.after(60)
    )
    print(f"posted to {posted.channel} ({posted.ts})")
    return 0


def _dev(settings: Settings) -> int:
    import os

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.aws import Clients
    from bot.observability import Telemetry
    from bot.wiring import build_slack_app, slack_parts

    needed = {
        "SLACK_APP_TOKEN": "an app-level token (xapp-…) with connections:write",
        "SLACK_BOT_TOKEN": "the bot token (xoxb-…), from OAuth & Permissions",
        "SLACK_SIGNING_SECRET": "the signing secret, from Basic Information",
    }
    missing = [f"  {name}: {what}" for name, what in needed.items() if not os.environ.get(name)]
    if missing and not (settings.slack_token_secret and os.environ.get("SLACK_APP_TOKEN")):
        print(
            "lookout dev: create the app from infra/slack-app-manifest.dev.yaml (Socket Mode), then set\n"
            + "\n".join(missing)
            + "\n(or SLACK_TOKEN_SECRET_ARN for the bot token and signing secret, with SLACK_APP_TOKEN)",
            file=sys.stderr,
        )
        return 2
    app_token = os.environ["SLACK_APP_TOKEN"]
    parts = slack_parts(settings, Telemetry(settings), Clients(settings.region))
    SocketModeHandler(build_slack_app(parts, settings), app_token).start()
    return 0
