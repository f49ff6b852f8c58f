"""``lookout backfill-config TABLE [--bucket B]``: the configuration table's current items written once into
the analytics snapshot (``bot.analytics.backfill``), for the rows its stream never carried."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from bot.analytics.mapping import load_normalization
from bot.aws import Clients
from bot.config import Settings

if TYPE_CHECKING:
    import argparse


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fill = commands.add_parser(
        "backfill-config", help="write the configuration table's current items into the snapshot, once"
    )
    fill.add_argument("table", help="the app's configuration table (the one ConfigTableStreamArn streams)")
    fill.add_argument("--bucket", default=os.environ.get("DATA_BUCKET"), help="default: $DATA_BUCKET")
    fill.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from bot.analytics.backfill import backfill  # boto3's resource layer: see ``bot.cli``

    settings = Settings.from_env()
    if not args.bucket:
        print("lookout backfill-config: give --bucket (the stack output DataBucketName)", file=sys.stderr)
        return 2
    normalization = load_normalization(settings.query_config)  # the generic settings, and a mapping if any
    clients = Clients(settings.region)
    report = backfill(clients("dynamodb"), args.table, normalization, clients("s3"), args.bucket)
    print(f"{report.items} items → {report.rows} snapshot rows in {len(report.keys)} objects")
    for label, why in report.malformed:
        print(f"  skipped {label}: {why}", file=sys.stderr)
    return 1 if report.malformed else 0
