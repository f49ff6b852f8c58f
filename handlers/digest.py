"""Lambda entry point for the weekly digest. EventBridge Scheduler invokes it on the template's cron
(``DigestDay``, ``DigestHour``) in ``DigestTimezone``; Scheduler delivers at least once and retries, so the run's
week (``bot.analytics.schedule.digest_week`` of its scheduled time in that zone) is claimed with Powertools
Idempotency on the incidents table: each week's digest is posted once, however often it is invoked. An
invocation without a scheduled time (``{}``, by hand) posts this week's digest if it has not been posted.
Settings, clients, the query service, the claim and the Slack poster are built once per container."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.analytics.digest import build_digest, load_digest_config
from bot.analytics.schedule import digest_week
from bot.aws import Clients
from bot.config import Settings
from bot.delivery import Deadline
from bot.lifecycle.once import ExactlyOnce
from bot.observability import Telemetry
from bot.slack.blocks.digest_message import render_digest
from bot.table_keys import DIGEST_TTL_S
from bot.wiring import build_query_service, digest_poster

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
CONFIG = load_digest_config(SETTINGS.query_config)
if CONFIG is None or not SETTINGS.incidents_table:
    raise RuntimeError("the digest needs a digest section in LOOKOUT_CONFIG and INCIDENTS_TABLE for its claim")
CLIENTS = Clients(SETTINGS.region).warm(("athena", "logs", "secretsmanager", "dynamodb"))
SERVICE = build_query_service(SETTINGS, TELEMETRY, CLIENTS)
POSTER = digest_poster(SETTINGS, TELEMETRY, CLIENTS)
ONCE = ExactlyOnce(SETTINGS.incidents_table, CLIENTS("dynamodb"), keep_s=DIGEST_TTL_S)
CLOCK = datetime.now


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    assert CONFIG is not None
    scheduled = event.get("scheduled_time")  # EventBridge Scheduler's time of this run, the same on retries
    now = datetime.fromisoformat(str(scheduled)) if scheduled else CLOCK(UTC).replace(microsecond=0)
    deadline = Deadline.from_lambda_context(context)

    def post() -> dict[str, str]:
        digest = build_digest(CONFIG, SERVICE.plan_line, SERVICE.run_plan, now)
        failed = sum(1 for s in digest.sections if s.error)
        if failed:
            TELEMETRY.count("DigestQueriesFailed", failed)
        posted = POSTER.post(render_digest(digest), CONFIG.channel, deadline)
        return {"channel": posted.channel, "ts": posted.ts, "failed": str(failed)}

    week = digest_week(now, SETTINGS.digest_timezone)
    result, ran = ONCE.run(week, post, lambda_context=context, deadline=deadline)
    return {**result, "posted_now": ran, "week": week}
