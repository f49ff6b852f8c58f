"""Lambda entry point for the weekly digest (EventBridge Scheduler): the configured queries for this week and
the week before, posted as one Slack message. Settings, clients, the query service and the Slack poster are
built once per container."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.analytics.digest import build_digest, load_digest_config
from bot.aws import Clients
from bot.config import Settings
from bot.delivery import Deadline
from bot.observability import Telemetry
from bot.slack.blocks.digest import render_digest
from bot.wiring import build_query_service, digest_poster

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
CONFIG = load_digest_config(SETTINGS.query_config)
if CONFIG is None:
    raise RuntimeError(f"{SETTINGS.query_config} has no digest section (channel and queries)")
CLIENTS = Clients(SETTINGS.region).warm(("athena", "logs", "secretsmanager"))
SERVICE = build_query_service(SETTINGS, TELEMETRY, CLIENTS)
POSTER = digest_poster(SETTINGS, TELEMETRY, CLIENTS)


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    assert CONFIG is not None
    digest = build_digest(CONFIG, SERVICE.plan_line, SERVICE.run_plan, datetime.now(UTC).replace(microsecond=0))
    failed = sum(1 for s in digest.sections if s.error)
    if failed:
        TELEMETRY.count("DigestQueriesFailed", failed)
    posted = POSTER.post(render_digest(digest), CONFIG.channel, Deadline.from_lambda_context(context))
    return {"channel": posted.channel, "ts": posted.ts, "failed": failed}
