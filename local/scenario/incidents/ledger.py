"""The scenarios' changes reach the change ledger the way EventBridge hands them over: each "AWS API Call via
CloudTrail" event, in time order, to the ledger's Lambda entry point (``handlers/changes.py``). Until that module
exists, the ledger's own library entry point takes them (``bot.changes.parse.parse_event`` then
``ChangeLedger.record``) — never a ledger of ours. CloudTrail keeps every one of those calls in its event history
whether or not a ledger listens: each event's record also goes to the embedded stack's CloudTrail stand-in
(``local.cloudtrail.standin``, at ``AWS_ENDPOINT_URL``), where LookupEvents finds it.

Changes from before the scenario (``file_history``) are filed as a ledger deployed then filed them: by the ledger's
library entry point on a clock at each event's delivery, so its marker says it has been recording since the first
— the way the scenarios seed hours of traffic with timestamps in the past.

Not for: building the events (each scenario's ``Change``, ``local.scenario.incidents.world``,
``local.scenario.incidents.cloudtrail_events``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

from local.aws_front import INTERNAL_AGENT
from local.cloudtrail.standin import send_records
from local.lambda_runtime import LambdaContext

if TYPE_CHECKING:
    from collections.abc import Sequence

HANDLER = "handlers.changes"
DELIVERY_DELAY = timedelta(seconds=15)
"""How long after the call EventBridge hands its "AWS API Call via CloudTrail" event to the ledger's rule (AWS
delivers them on a best-effort basis, in seconds as a rule): the clock a history event is filed on."""


@dataclass(frozen=True)
class Delivered:
    events: int
    through: str
    """What took them: ``handlers/changes.py``, the ledger library, or nothing (and why)."""
    errors: tuple[str, ...] = ()
    in_cloudtrail: int = 0
    """How many of the events were new to CloudTrail's event history (the stand-in)."""


def deliver(events: Sequence[dict[str, Any]], *, table: str, region: str) -> Delivered:
    """Every event through the ledger's entry point (the environment is the ledger function's: its table), and
    its record into CloudTrail's event history."""
    if not events:
        return Delivered(0, "no change events")
    ordered = sorted(events, key=lambda e: e["time"])
    in_cloudtrail = record_in_cloudtrail(ordered)
    if importlib.util.find_spec(HANDLER) is not None:
        handler = importlib.reload(importlib.import_module(HANDLER))
        errors = []
        for event in ordered:
            try:
                result = handler.lambda_handler(event, LambdaContext("lookout-changes"))
            except Exception as exc:  # noqa: BLE001 - a delivery Lambda would retry; the table says what was lost
                errors.append(f"{event['detail']['eventName']}: {type(exc).__name__}: {exc}")
                continue
            if isinstance(result, dict) and result.get("ignored"):
                errors.append(f"{event['detail']['eventName']}: ignored ({result['ignored']})")
        return Delivered(len(ordered), "handlers/changes.py", tuple(errors), in_cloudtrail)
    return _through_library(ordered, table=table, region=region, in_cloudtrail=in_cloudtrail)


def file_history(events: Sequence[dict[str, Any]], *, table: str, region: str) -> Delivered:
    """Events from before the scenario, filed as a ledger running then filed them: each by the ledger's library
    entry point on a clock ``DELIVERY_DELAY`` after its call (so the ledger's marker starts at the first), and
    each record into CloudTrail's event history."""
    if not events:
        return Delivered(0, "no change events")
    ordered = sorted(events, key=lambda e: e["time"])
    in_cloudtrail = record_in_cloudtrail(ordered)
    return _through_library(ordered, table=table, region=region, in_cloudtrail=in_cloudtrail, as_delivered=True)


def record_in_cloudtrail(events: Sequence[dict[str, Any]]) -> int:
    """Each "AWS API Call via CloudTrail" event's record (its ``detail``) into the CloudTrail stand-in of the
    embedded stack at ``AWS_ENDPOINT_URL``; 0 without one (not the embedded stack)."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    records = [e["detail"] for e in events if e.get("detail-type") == "AWS API Call via CloudTrail"]
    if not endpoint or not records:
        return 0
    return send_records(endpoint, records, agent=INTERNAL_AGENT)


def _time(event: dict[str, Any]) -> float:
    return datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00")).astimezone(UTC).timestamp()


class _DeliveryClock:
    """The ledger's clock while it files a past event: the moment EventBridge delivered it."""

    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self) -> float:
        return self.at


def _through_library(
    events: Sequence[dict[str, Any]],
    *,
    table: str,
    region: str,
    in_cloudtrail: int = 0,
    as_delivered: bool = False,
) -> Delivered:
    """The events through ``ChangeLedger.record``: on this machine's clock, or (``as_delivered``) on each event's
    delivery's."""
    try:
        from bot.changes.ledger import ChangeLedger
        from bot.changes.model import Ignored
        from bot.changes.parse import parse_event
    except ImportError as exc:
        return Delivered(0, f"nothing: the change ledger is not there yet ({exc})", (), in_cloudtrail)
    clock = _DeliveryClock()
    dynamodb = boto3.client("dynamodb", region_name=region)
    ledger = ChangeLedger(dynamodb, table, clock=clock) if as_delivered else ChangeLedger(dynamodb, table)
    errors = []
    for event in events:
        clock.at = _time(event) + DELIVERY_DELAY.total_seconds()
        change = parse_event(event)
        if isinstance(change, Ignored):
            errors.append(f"{event['detail']['eventName']}: ignored ({change.reason})")
            continue
        ledger.record(change)
    through = (
        "bot.changes (ChangeLedger.record, on the clock of each event's delivery)"
        if as_delivered
        else "bot.changes (ChangeLedger.record; handlers/changes.py not there yet)"
    )
    return Delivered(len(events), through, tuple(errors), in_cloudtrail)


def held(function: str, since: datetime, until: datetime, *, table: str, region: str) -> tuple[str, ...]:
    """What the ledger holds for ``function`` between two moments, newest first, in words — so a card that does
    not name a change can be told apart from a change that was never recorded."""
    try:
        from bot.changes import resources
        from bot.changes.ledger import ChangeLedger
    except ImportError:
        return ()
    ledger = ChangeLedger(boto3.client("dynamodb", region_name=region), table)
    window = ledger.read([resources.key(resources.LAMBDA, function)], since, until)
    return tuple(f"{c.summary} by {c.principal} at {c.at:%H:%M} UTC" for c in window.items)
