"""``lookout slash TEXT [--dry-run]`` and ``lookout query NAME [key=value …]``: a slash command's text (or a
saved query) planned and run by the Slack function's own query service (``bot.wiring.build_query_service``),
its result printed as a table for a terminal. ``--dry-run`` prints the plan (engine, query, parameters, window).

Not for: Slack's answers (``bot.slack.edge.answers``) or who may run what (the Slack path's allowlists).
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.aws import Clients
from bot.cli.failures import query_errors_in_one_line
from bot.config import Settings
from bot.observability import Telemetry
from bot.queries import display
from bot.queries.params import ParameterError
from bot.queries.plans import HelpRequested
from bot.text import one_line, redact, window

if TYPE_CHECKING:
    import argparse


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    slash = commands.add_parser("slash", help="parse (and run) a slash command exactly as Slack would")
    slash.add_argument("text", help='the command as typed, e.g. "/errors orders-api 2h"')
    slash.add_argument("--dry-run", action="store_true", help="print the plan (engine, query, parameters, window)")
    slash.set_defaults(run=run)
    query = commands.add_parser("query", help="run a saved query and print the table")
    query.add_argument("name")
    query.add_argument("params", nargs="*", help="key=value …")
    query.set_defaults(run=run)


@query_errors_in_one_line
def run(args: argparse.Namespace) -> int:
    from bot.wiring import build_query_service  # when the command runs: see ``bot.cli``

    settings = Settings.from_env()
    service = build_query_service(settings, Telemetry.for_cli(settings), Clients(settings.region))
    text = args.text if args.command == "slash" else " ".join(["/query", args.name, *args.params])
    try:
        query = service.plan_line(text, datetime.now(UTC))
    except HelpRequested as asked:
        from bot.slack.blocks.help import help_text  # Block Kit's package: see ``bot.cli``

        only = str(asked.args[0]) if asked.args and str(asked.args[0]) != "/lookout" else None
        print(help_text(service.config, only))
        return 0
    except ParameterError as exc:
        print(f"⚠️ {exc}", file=sys.stderr)
        return 2
    if getattr(args, "dry_run", False):
        json.dump(query.as_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    result = service.run_plan(query, uuid.uuid4().hex)  # a new token: each run is a new Athena query
    print(query.title)
    headers, cells = display.table(result.columns, list(result.rows))
    print(format_table(headers, tuple(cells)))
    scanned = f"{display.human_bytes(result.bytes_scanned)} scanned"
    print(f"{result.row_count} rows · {result.seconds:.1f} s · {scanned} · {display.human_cost(result.cost_usd)}")
    return 0


def format_table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], width: int = 60) -> str:
    """Rows as aligned text for a terminal; secrets redacted here too."""
    if not columns:
        return "(no data)"
    cleaned = [[redact(window(one_line(v), width)) for v in row] for row in [columns, *rows]]
    cut = [[(v if len(v) <= width else v[: width - 1] + "…") for v in row] for row in cleaned]
    widths = [max(len(r[i]) for r in cut) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip() for row in cut]
    lines.insert(1, "  ".join("─" * w for w in widths))
    return "\n".join(lines)
