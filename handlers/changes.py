"""Lambda entry point for the change ledger: the EventBridge rule's events (CloudTrail's API calls that change
Lambda, API Gateway, DynamoDB, ECS, Parameter Store and AppConfig; CloudFormation's stack status, ECS deployments,
AppConfig deployments) → a ``Change`` filed in the incidents table (``bot.changes``).

The composition root: settings, telemetry, the DynamoDB client and the ledger are built once per container; the
API Gateway client only when a REST API's name is first needed. An event the ledger cannot read is logged whole
(redacted), counted and raised: Lambda retries it, then the failure queue keeps it for ``lookout replay``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot import snapstart
from bot.aws import Clients, error_code
from bot.changes import Change, UnknownChange
from bot.changes.apinames import RestApiNames
from bot.changes.ledger import ChangeLedger
from bot.changes.parse import parse_event
from bot.config import Settings
from bot.observability import Telemetry
from bot.text import excerpt

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
CLIENTS = Clients(SETTINGS.region).warm(("dynamodb",))
if not SETTINGS.incidents_table:
    raise RuntimeError("the change ledger files changes in INCIDENTS_TABLE")
LEDGER = ChangeLedger(CLIENTS("dynamodb"), SETTINGS.incidents_table)
API_NAMES = RestApiNames(CLIENTS.lazy("apigateway"))
snapstart.on_restore(CLIENTS.close)  # a restored snapshot's pooled connections point at sockets that are gone


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    try:
        change = parse_event(event)
    except UnknownChange as exc:
        TELEMETRY.logger.error(
            "change event refused", extra={"why": str(exc), "event": excerpt(json.dumps(event), 20_000)}
        )
        TELEMETRY.count("ChangeEventsRefused")
        raise
    if not isinstance(change, Change):
        TELEMETRY.count("ChangeEventsIgnored")
        return {"ignored": change.reason}
    try:
        change = API_NAMES.file_by_name(change)
    except Exception as exc:  # filed under the API's id alone: the card finds it by an ApiId alarm or CloudTrail
        TELEMETRY.logger.warning("REST API name unknown", extra={"why": error_code(exc) or type(exc).__name__})
    recorded = LEDGER.record(change)
    TELEMETRY.count("ChangesRecorded", len(recorded.filed))
    if recorded.full:
        TELEMETRY.count("ChangesDropped", len(recorded.full))
    return {
        "change": change.id,
        "filed": list(recorded.filed),
        "duplicate": list(recorded.duplicate),
        "full": list(recorded.full),
    }
