"""Lambda entry point for the configuration table's DynamoDB stream: records → rows in S3 for Athena.

The composition root: what to write (``analytics.settings`` and ``analytics.configuration`` of
``LOOKOUT_CONFIG``, both optional: without them every attribute of every item lands in the generic long form),
the table's partition key when no ``tenant`` attribute is configured (DescribeStream of ``CONFIG_STREAM_ARN``,
which the template sets), the S3 client and the normalizer are built once per container; the answer is a partial
batch response (``FunctionResponseTypes: [ReportBatchItemFailures]`` in the template). With the change ledger on,
the tenants' settings changes are filed there too (``bot.analytics.config_changes``): a ledger that cannot take
them is logged and counted, never a reason to fail the rows for Athena.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from bot import coerce
from bot.analytics.config_changes import config_changes
from bot.analytics.mapping import load_normalization
from bot.analytics.sink import DataBucket
from bot.analytics.stream import StreamNormalizer, stream_partition_key
from bot.aws import Clients
from bot.changes.ledger import ChangeLedger
from bot.config import Settings
from bot.observability import Telemetry

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
CLIENTS = Clients(SETTINGS.region).warm(("s3",))
NORMALIZATION = load_normalization(SETTINGS.query_config)
if NORMALIZATION.form.tenant is None:
    NORMALIZATION = NORMALIZATION.with_partition_key(
        stream_partition_key(CLIENTS.lazy("dynamodbstreams"), os.environ.get("CONFIG_STREAM_ARN", ""))
    )
NORMALIZER = StreamNormalizer(
    NORMALIZATION, DataBucket(CLIENTS("s3", SETTINGS.region), os.environ["DATA_BUCKET"]), TELEMETRY
)
LEDGER = (
    ChangeLedger(CLIENTS("dynamodb"), SETTINGS.incidents_table)
    if SETTINGS.change_ledger and SETTINGS.incidents_table
    else None
)


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    answer = NORMALIZER.handle(event)
    if LEDGER is not None:
        try:
            records = [r for r in coerce.items(event.get("Records")) if isinstance(r, dict)]
            for change in config_changes(records, NORMALIZATION.form, account=SETTINGS.account):
                LEDGER.record(change)
        except Exception:  # noqa: BLE001 - the card loses a change; the rows for Athena are what this function is for
            TELEMETRY.logger.exception("configuration changes not filed in the change ledger")
            TELEMETRY.count("ConfigChangesNotFiled")
    return answer
