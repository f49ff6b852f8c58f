"""The scenarios' changes reach the change ledger the way EventBridge hands them over: each "AWS API Call via
CloudTrail" event, in time order, to the ledger's Lambda entry point (``handlers/changes.py``). Until that module
exists, the ledger's own library entry point takes them (``bot.changes.parse.parse_event`` then
``ChangeLedger.record``) — never a ledger of ours.

Not for: building the events (each scenario's module, ``local.scenarios.shapes``).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from local.lambda_runtime import LambdaContext

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

HANDLER = "handlers.changes"


@dataclass(frozen=True)
class Delivered:
    events: int
    through: str
    """What took them: ``handlers/changes.py``, the ledger library, or nothing (and why)."""
    errors: tuple[str, ...] = ()


def deliver(events: Sequence[dict[str, Any]], *, table: str, region: str) -> Delivered:
    """Every event through the ledger's entry point (the environment is the ledger function's: its table)."""
    if not events:
        return Delivered(0, "no change events")
    ordered = sorted(events, key=lambda e: e["time"])
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
        return Delivered(len(ordered), "handlers/changes.py", tuple(errors))
    return _through_library(ordered, table=table, region=region)


def _through_library(events: Sequence[dict[str, Any]], *, table: str, region: str) -> Delivered:
    try:
        from bot.changes.ledger import ChangeLedger
        from bot.changes.model import Ignored
        from bot.changes.parse import parse_event
    except ImportError as exc:
        return Delivered(0, f"nothing: the change ledger is not there yet ({exc})")
    ledger = ChangeLedger(boto3.client("dynamodb", region_name=region), table)
    errors = []
    for event in events:
        change = parse_event(event)
        if isinstance(change, Ignored):
            errors.append(f"{event['detail']['eventName']}: ignored ({change.reason})")
            continue
        ledger.record(change)
    return Delivered(
        len(events), "bot.changes (ChangeLedger.record; handlers/changes.py not there yet)", tuple(errors)
    )


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
