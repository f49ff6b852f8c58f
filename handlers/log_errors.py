"""Lambda entry point for error lines from any log group: CloudWatch Logs subscription deliveries (an
account-level subscription filter policy, or per-group subscription filters) → error kinds counted, new
kinds and due repeats posted through the alarm pipeline. Each delivery is claimed once (Powertools
Idempotency on the incidents table), and the ledger remembers which kinds each payload counted, so Lambda's
retry of a failed post does not count its lines twice.

The composition root: settings, clients, the alert service, the ledger and the forwarder are built once per
container.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from bot.aws import Clients
from bot.config import Settings
from bot.delivery import Deadline
from bot.lifecycle.once import ExactlyOnce
from bot.logerrors.forwarder import Forwarder
from bot.logerrors.ledger import Ledger
from bot.observability import Telemetry
from bot.regions import partition_of
from bot.wiring import ALARM_SERVICES, build_alert_service

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
CLIENTS = Clients(SETTINGS.region).warm(ALARM_SERVICES)
SERVICE = build_alert_service(SETTINGS, TELEMETRY, CLIENTS)
if not SETTINGS.incidents_table:
    raise RuntimeError("the log-error forwarder counts kinds in INCIDENTS_TABLE")
FORWARDER = Forwarder(
    Ledger(CLIENTS("dynamodb"), SETTINGS.incidents_table),
    SETTINGS.slack_channel,
    SETTINGS.region,
    SETTINGS.account,
    partition_of(SETTINGS.region),
    os.environ.get("LOOKOUT_LOG_FILTER", ""),
    own_group="/aws/lambda/" + os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "lookout-log-errors"),
)
ONCE = ExactlyOnce(SETTINGS.incidents_table, CLIENTS("dynamodb"))


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    deadline = Deadline.from_lambda_context(context)

    def forward() -> dict[str, str]:
        report = FORWARDER.forward(
            event, lambda deliveries: SERVICE.deliver_all(deliveries, deadline, context, raise_failed=False)
        )
        TELEMETRY.count("LogErrorLines", report.lines)
        return {
            "group": report.group,
            "lines": str(report.lines),
            "kinds": str(report.kinds),
            "announced": str(len(report.announced)),
            "skipped": report.skipped,
        }

    result, ran = ONCE.run(FORWARDER.batch_key(event), forward, lambda_context=context, deadline=deadline)
    return {**result, "duplicate": not ran}
