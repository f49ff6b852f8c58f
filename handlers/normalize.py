"""Lambda entry point for the configuration table's DynamoDB stream: records → typed rows in S3 for Athena.

The composition root: the mapping (``analytics.configuration`` of ``LOOKOUT_CONFIG``), the S3 client and the
normalizer are built once per container; the answer is a partial batch response
(``FunctionResponseTypes: [ReportBatchItemFailures]`` in the template).
"""

from __future__ import annotations

import os
from typing import Any

from bot.analytics.mapping import load_configuration_mapping
from bot.analytics.stream import StreamNormalizer
from bot.aws import Clients
from bot.config import Settings
from bot.observability import Telemetry

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
MAPPING = load_configuration_mapping(SETTINGS.query_config)
if MAPPING is None:
    raise RuntimeError(f"{SETTINGS.query_config} has no analytics.configuration mapping for the normalizer")
NORMALIZER = StreamNormalizer(
    MAPPING, Clients(SETTINGS.region).warm(("s3",))("s3", SETTINGS.region), os.environ["DATA_BUCKET"], TELEMETRY
)


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return NORMALIZER.handle(event)
