"""Database service events: RDS (and DocumentDB, Neptune) and DMS event subscriptions as SNS delivers them
(``"Event Source"``, ``"Event Message"``, ``"Identifier Link"``, …), RDS events through EventBridge, and
ElastiCache notifications (``{"ElastiCache:SnapshotFailed": "my-cluster"}`` or the guide's ``Date``/``Message``
form)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.coerce import items, text
from bot.notices.model import Notice, worst
from bot.notices.reading import detail_of, fact, facts, field, first_time, humanize, joined, link, links

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = (
    "RDS DB Instance Event",
    "RDS DB Cluster Event",
    "RDS DB Snapshot Event",
    "RDS DB Cluster Snapshot Event",
    "RDS DB Parameter Group Event",
    "RDS DB Security Group Event",
    "RDS DB Proxy Event",
)
_EVENT_ID = re.compile(r"\b((?:RDS|DMS)-EVENT-\d+)\b")
_CATEGORY_LEVEL = {"failure": "bad", "low storage": "bad", "failover": "warn", "availability": "warn"}


def is_subscription_event(payload: Mapping[str, object]) -> bool:
    """An RDS or DMS event subscription's SNS message."""
    return "Event Source" in payload and ("Event Message" in payload or "Event ID" in payload)


def _message_level(message: str) -> str:
    """How bad an event's own sentence sounds: a failure is bad, a stop or a failover needs a look."""
    lowered = message.lower()
    if re.search(r"\bfail(?:ed|ure|s)?\b|\berror\b|insufficient|low storage|incompatible", lowered):
        return "bad" if "failover" not in lowered else "warn"
    if re.search(r"\bstopped\b|\bfailover\b|\brebooted\b|\bshutdown\b|\brestarted\b", lowered):
        return "warn"
    return "info"


def read_subscription_event(payload: Mapping[str, object]) -> Notice:
    source_type = text(payload.get("Event Source"))
    service = (
        "DMS" if "dms" in text(payload.get("Event ID")).lower() or source_type.startswith("replication") else "RDS"
    )
    identifier = text(payload.get("Source ID") or payload.get("SourceId"))
    message = text(payload.get("Event Message"))
    event_id = _EVENT_ID.search(text(payload.get("Event ID")))
    return Notice(
        kind=f"Amazon {service}",
        headline=joined((identifier, message.rstrip("."))),
        level=_message_level(message),
        facts=facts(
            fact("Source", identifier),
            fact("Source type", source_type),
            fact("Event", event_id.group(1) if event_id else ""),
            fact("Source ARN", payload.get("Source ARN")),
        ),
        details=message,
        time=text(payload.get("Event Time")),
        links=links(
            link("Console", payload.get("Identifier Link")),
            link("About this event", text(payload.get("Event ID")).strip()),
        ),
    )


def read_eventbridge(payload: Mapping[str, object]) -> Notice:
    detail = detail_of(payload)
    message = text(field(detail, "Message"))
    categories = [text(c) for c in items(field(detail, "EventCategories"))]
    identifier = text(field(detail, "SourceIdentifier"))
    return Notice(
        kind="Amazon RDS",
        headline=joined((identifier, message.rstrip("."))),
        level=worst(*(_CATEGORY_LEVEL.get(c.lower(), "info") for c in categories), _message_level(message)),
        facts=facts(
            fact("Source", identifier),
            fact("Source type", field(detail, "SourceType")),
            fact("Event", field(detail, "EventID")),
            fact("Categories", ", ".join(categories)),
            fact("Source ARN", field(detail, "SourceArn")),
            fact("Region", payload.get("region")),
        ),
        details=message,
        time=first_time(field(detail, "Date"), payload.get("time")),
    )


def is_elasticache(payload: Mapping[str, object]) -> bool:
    keys = [str(k) for k in payload]
    documented = {"Message", "SourceIdentifier", "SourceType"} <= set(keys) and "cache" in text(
        payload.get("SourceType")
    )
    return any(k.startswith("ElastiCache:") for k in keys) or documented


def read_elasticache(payload: Mapping[str, object]) -> Notice:
    event_key = next((str(k) for k in payload if str(k).startswith("ElastiCache:")), "")
    event = event_key.removeprefix("ElastiCache:")
    cluster = text(payload.get(event_key)) if event_key else text(payload.get("SourceIdentifier"))
    message = text(payload.get("Message"))
    others = [
        fact(humanize((str(k),)), v)
        for k, v in payload.items()
        if str(k) not in (event_key, "Date", "Message", "SourceIdentifier")
    ]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", event)
    return Notice(
        kind="ElastiCache",
        headline=joined((cluster, words or message.rstrip("."))),
        level=_message_level(f"{words}. {message}"),
        facts=facts(fact("Cluster", cluster), fact("Event", event), *others),
        details=message,
        time=text(payload.get("Date")),
    )
