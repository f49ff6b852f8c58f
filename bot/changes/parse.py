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
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from bot import coerce
from bot.changes import cloudtrail
from bot.changes.model import Change, Ignored, ServiceEvent, UnknownChange
from bot.changes.sources import (
    apigateway,
    appconfig,
    cloudformation,
    dynamodb,
    ecs,
    lambda_functions,
    lambda_states,
    ssm,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

API_CALL = "AWS API Call via CloudTrail"
CALL_SOURCES: dict[str, tuple[str, tuple[str, ...], Callable[[cloudtrail.Call], Change]]] = {
    "aws.lambda": (lambda_functions.SOURCE, lambda_functions.EVENT_NAMES, lambda_functions.read),
    "aws.apigateway": (apigateway.SOURCE, apigateway.EVENT_NAMES, apigateway.read),
    "aws.dynamodb": (dynamodb.SOURCE, dynamodb.EVENT_NAMES, dynamodb.read),
    "aws.ecs": (ecs.SOURCE, ecs.EVENT_NAMES, ecs.read),
    "aws.ssm": (ssm.SOURCE, ssm.EVENT_NAMES, ssm.read),
    "aws.appconfig": (appconfig.SOURCE, appconfig.EVENT_NAMES, appconfig.read),
}
"""EventBridge ``source`` → CloudTrail ``eventSource``, the actions the ledger keeps, and their reader."""
RULE_SOURCES = {source: (event_source, names) for source, (event_source, names, _) in CALL_SOURCES.items()}
"""EventBridge ``source`` → CloudTrail ``eventSource`` and the actions the ledger's rule matches
(``tests/functional/test_changes_template.py`` holds the template's rule to this table)."""
CALL_READERS = {event_source: (names, read) for event_source, names, read in CALL_SOURCES.values()}
"""CloudTrail ``eventSource`` → the actions the ledger keeps and their reader."""
SERVICE_EVENTS: dict[tuple[str, str], Callable[[ServiceEvent], Change]] = {
    ("aws.cloudformation", cloudformation.STATUS_EVENT): cloudformation.status_event,
    ("aws.ecs", ecs.DEPLOYMENT_EVENT): ecs.deployment_event,
    **{("aws.appconfig", kind): appconfig.deployment_event for kind in appconfig.DEPLOYMENT_EVENTS},
}
"""The services' own events the rule matches: (``source``, ``detail-type``) → reader."""
SERVICE_EVENT_WILDCARDS: dict[str, tuple[str, Callable[[ServiceEvent], Change]]] = {
    "aws.lambda": (lambda_states.RULE_DETAIL_TYPE, lambda_states.state_event),
}
"""The services' own events the rule matches by a ``detail-type`` wildcard: ``source`` → the wildcard (the
template's, read as EventBridge reads it) and the reader."""


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
    if reader is None and source in SERVICE_EVENT_WILDCARDS:
        wildcard, by_wildcard = SERVICE_EVENT_WILDCARDS[source]
        reader = by_wildcard if fnmatchcase(kind, wildcard) else None  # EventBridge's "*": any run, case kept
    if reader is None:
        raise UnknownChange(
            f"no reader for {source} events of detail-type {kind!r}: the ledger's rule should not match them"
        )
    at = coerce.moment(event.get("time"))
    if at is None:
        raise UnknownChange(f"the {kind!r} event's time {event.get('time')!r} is not a time")
    return reader(
        ServiceEvent(
            id=coerce.text(event.get("id")),
            at=at,
            action=kind,
            region=coerce.text(event.get("region")),
            account=coerce.text(event.get("account")),
            via=f"{source.removeprefix('aws.')}.amazonaws.com",  # aws.ecs → ecs.amazonaws.com
            detail=detail,
            resources=tuple(coerce.text(r) for r in coerce.items(event.get("resources"))),
        )
    )


def parse_record(record: object, *, region: str = "", account: str = "") -> Change | Ignored:
    """A CloudTrail record (EventBridge's ``detail``, or LookupEvents' ``CloudTrailEvent`` decoded) as a change:
    ``Ignored`` when it is no action the ledger keeps, or a call that failed. Raises ``UnknownChange``."""
    if not isinstance(record, dict):
        raise UnknownChange(f"a CloudTrail record is a JSON object, not {type(record).__name__}")
    call = cloudtrail.read(record, region=region, account=account)
    found = CALL_READERS.get(call.source)
    if found is None:
        raise UnknownChange(f"no reader for CloudTrail events of {call.source} ({call.name})")
    names, reader = found
    if call.action not in names:
        return Ignored(f"{call.name} is not a change the ledger keeps")
    if call.error:
        return Ignored(f"{call.action} failed ({call.error}): nothing changed")
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
