"""Lambda entry point for ALB access-log objects: S3's "Object Created" event (EventBridge) → the log object's
entries as ``alb_events`` rows in the data bucket. Attribution from ``LOOKOUT_CONFIG``; the S3 client is
built once per container."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from bot.analytics.access_logs import load_attribution
from bot.analytics.alb_objects import AlbLogObjects
from bot.analytics.sink import DataBucket
from bot.aws import Clients
from bot.config import Settings
from bot.observability import Telemetry

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
OBJECTS = AlbLogObjects(
    DataBucket(Clients(SETTINGS.region).warm(("s3",))("s3", SETTINGS.region), os.environ["DATA_BUCKET"]),
    load_attribution(SETTINGS.query_config),
    TELEMETRY,
)


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    return OBJECTS.handle(event)
