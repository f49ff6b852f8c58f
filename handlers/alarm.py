"""Lambda entry point for alarm notifications: SNS (one or many records), EventBridge, alarm actions.

The composition root: settings, telemetry, the boto3 clients of the alarm path and the service are built
once per container, at init (what a SnapStart snapshot keeps), and the Slack token's read starts (not in a
snapshot's init: a restored copy would wake mid-call); every invocation only hands the event on.
Raising (``AlertsFailed``) lets Lambda retry and the on-failure destination keep what could not be posted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import snapstart
from bot.aws import Clients
from bot.config import Settings
from bot.delivery import Deadline
from bot.observability import Telemetry
from bot.wiring import ALARM_SERVICES, build_alert_service

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SETTINGS = Settings.from_env()
TELEMETRY = Telemetry(SETTINGS)
CLIENTS = Clients(SETTINGS.region).warm(ALARM_SERVICES)
SERVICE = build_alert_service(SETTINGS, TELEMETRY, CLIENTS)
snapstart.on_restore(snapstart.reseed, CLIENTS.close, SERVICE.forget_secrets)
if not snapstart.snapshotting():
    SERVICE.read_secrets()  # in the background: the token is there before the first alert needs it


@TELEMETRY.wrap_handler
def lambda_handler(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    outcomes = SERVICE.handle(event, Deadline.from_lambda_context(context), lambda_context=context)
    shown = [o.posted for o in outcomes if o.posted]
    return {
        "posted": [{"channel": p.channel, "ts": p.ts} for p in shown if not p.storm],
        "in_storms": sorted({p.storm for p in shown if p.storm}),
    }
