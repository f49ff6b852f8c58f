"""Lambda entry point for the access-events Firehose stream's record transformation: API Gateway access-log
lines → ``access_events`` rows with a ``day`` partition key. Attribution from ``LOOKOUT_CONFIG``, read once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.analytics.access_logs import load_attribution, transform
from bot.config import Settings
from bot.observability import Telemetry

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from bot.analytics.access_logs import TransformedRecord

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
ATTRIBUTION = load_attribution(SETTINGS.query_config)


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, list[TransformedRecord]]:
    answer, failures = transform(event, ATTRIBUTION)
    for record_id, why in failures:
        TELEMETRY.logger.warning("access-log record not transformed", extra={"record_id": record_id, "why": why})
    TELEMETRY.count("AccessEventsTransformed", len(answer["records"]) - len(failures))
    if failures:
        TELEMETRY.count("AccessEventsFailed", len(failures))
    return answer
