"""EventBridge event or CloudTrail record → ``Change``: the one entry point of the readers in
``bot.changes.sources``, for the ledger's function (``parse_event``) and for the LookupEvents fallback
(``parse_record``: the same CloudTrail record, without EventBridge's envelope).

An event of a shape the ledger's rule matches but that it cannot read raises ``UnknownChange`` with a message
naming what is missing; one that changed nothing (a failed call) is ``Ignored``. Nothing is dropped silently:
the handler logs and counts both. Not for: storing (``bot.changes.ledger``) or the rule itself (template.yaml,
``RULE_SOURCES`` below names what it matches).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot import coerce
from bot.changes import cloudtrail
from bot.changes.model import Change, Ignored, UnknownChange
from bot.changes.sources import apigateway, appconfig, cloudformation, dynamodb, ecs, lambda_functions, ssm

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime

API_CALL = "AWS API Call via CloudTrail"
CALL_READERS: dict[str, Callable[[cloudtrail.Call], Change | Ignored]] = {
    lambda_functions.SOURCE: lambda_functions.read,
    apigateway.SOURCE: apigateway.read,
    dynamodb.SOURCE: dynamodb.read,
    ecs.SOURCE: ecs.read,
    ssm.SOURCE: ssm.read,
    appconfig.SOURCE: appconfig.read,
}
"""CloudTrail ``eventSource`` → its reader."""
RULE_SOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws.lambda": (lambda_functions.SOURCE, lambda_functions.EVENT_NAMES),
    "aws.apigateway": (apigateway.SOURCE, apigateway.EVENT_NAMES),
    "aws.dynamodb": (dynamodb.SOURCE, dynamodb.EVENT_NAMES),
    "aws.ecs": (ecs.SOURCE, ecs.EVENT_NAMES),
    "aws.ssm": (ssm.SOURCE, ssm.EVENT_NAMES),
    "aws.appconfig": (appconfig.SOURCE, appconfig.EVENT_NAMES),
}
"""EventBridge ``source`` → CloudTrail ``eventSource`` and the actions the ledger's rule matches
(``tests/functional/test_changes_template.py`` holds the template's rule to this table)."""
SERVICE_EVENTS: dict[tuple[str, str], Callable[[Mapping[str, object], Mapping[str, object], datetime], Change]] = {
    ("aws.cloudformation", cloudformation.STATUS_EVENT): cloudformation.status_event,
    ("aws.ecs", ecs.DEPLOYMENT_EVENT): ecs.deployment_event,
    **{("aws.appconfig", kind): appconfig.deployment_event for kind in appconfig.DEPLOYMENT_EVENTS},
}
"""The services' own events the rule matches: (``source``, ``detail-type``) → reader."""


def parse_event(event: object) -> Change | Ignored:
    """An EventBridge event of the ledger's rule as a change. Raises ``UnknownChange``."""
    if not isinstance(event, dict):
        raise UnknownChange(f"an EventBridge event is a JSON object, not {type(event).__name__}")
    source, kind = coerce.text(event.get("source")), coerce.text(event.get("detail-type"))
    detail = event.get("detail")
    if not source or not kind or not isinstance(detail, dict):
        raise UnknownChange("not an EventBridge event: it lacks source, detail-type or a detail object")
    if kind == API_CALL:
        return parse_record(
            detail, region=coerce.text(event.get("region")), account=coerce.text(event.get("account"))
        )
    reader = SERVICE_EVENTS.get((source, kind))
    if reader is None:
        raise UnknownChange(
            f"no reader for {source} events of detail-type {kind!r}: the ledger's rule should not match them"
        )
    at = coerce.moment(event.get("time"))
    if at is None:
        raise UnknownChange(f"the {kind!r} event's time {event.get('time')!r} is not a time")
    return reader(event, detail, at)


def parse_record(record: object, *, region: str = "", account: str = "") -> Change | Ignored:
    """A CloudTrail record (EventBridge's ``detail``, or LookupEvents' ``CloudTrailEvent`` decoded) as a change.
    Raises ``UnknownChange``."""
    if not isinstance(record, dict):
        raise UnknownChange(f"a CloudTrail record is a JSON object, not {type(record).__name__}")
    call = cloudtrail.read(record, region=region, account=account)
    reader = CALL_READERS.get(call.source)
    if reader is None:
        raise UnknownChange(f"no reader for CloudTrail events of {call.source} ({call.name})")
    return reader(call)


def parse_lookup_event(found: Mapping[str, object]) -> Change | Ignored:
    """One event of a LookupEvents answer: its ``CloudTrailEvent`` JSON string, read by ``parse_record``."""
    raw = found.get("CloudTrailEvent")
    try:
        record = json.loads(raw) if isinstance(raw, str) else None
    except ValueError as exc:
        raise UnknownChange(
            f"LookupEvents' CloudTrailEvent of {found.get('EventId')!r} is not JSON: {exc}"
        ) from exc
    return parse_record(record)
