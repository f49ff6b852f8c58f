"""A /traffic query on the repo's configuration and results of any size for it, and a message as Slack receives it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.queries.catalog import load_config
from bot.queries.plans import plan, split_command
from bot.queries.results import QueryResult
from local.demo.config import CONFIG as DEMO_CONFIG
from local.demo.config import QUERIES as DEMO_QUERIES

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(DEMO_CONFIG, DEMO_QUERIES)
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
TRAFFIC = plan(*split_command("/traffic 24h by customer"), CONFIG, now=NOW)
COLUMNS = ("customer", "requests", "error_rate_pct", "client_error_pct", "p95_ms", "bytes")


def traffic_result(rows: int) -> QueryResult:
    return QueryResult(
        engine="athena",
        columns=COLUMNS,
        rows=tuple(
            (f"customer-{i:05d}", str(10_000 - i), "1.25", "0.5", "812.5", str(123_456 + i)) for i in range(rows)
        ),
        seconds=4.2,
        bytes_scanned=123 * 1024**2,
        query_id="e-1",
    )


def payload(message) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"text": message.text, "blocks": [b.to_dict() for b in message.blocks]}
