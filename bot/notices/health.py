"""AWS Health events (``aws.health``): service, event type code and category, status, affected resources."""

from __future__ import annotations

from collections.abc import Mapping

from bot.coerce import items, mapping, text
from bot.notices.model import Notice
from bot.notices.reading import account_fact, detail_of, fact, facts, field, link, links, urls_in

DETAIL_TYPES = ("AWS Health Event", "AWS Health Abuse Event")
MAX_ENTITIES = 5


def read(payload: Mapping[str, object]) -> Notice:
    detail = detail_of(payload)
    category = text(field(detail, "eventTypeCategory"))
    status = text(field(detail, "statusCode"))
    entities = [
        text(mapping(e).get("entityValue"))
        for e in items(detail.get("affectedEntities"))
        if isinstance(e, Mapping)
    ] or [text(r) for r in items(payload.get("resources"))]
    entities = [e for e in entities if e]
    shown = ", ".join(entities[:MAX_ENTITIES]) + (
        f" and {len(entities) - MAX_ENTITIES} more" if len(entities) > MAX_ENTITIES else ""
    )
    description = next(
        (text(mapping(d).get("latestDescription")) for d in items(detail.get("eventDescription"))), ""
    )
    description = description.replace("\\r\\n", "\n").replace("\\n", "\n")  # some deliveries escape them twice
    level = "good" if status == "closed" else {"issue": "bad", "scheduledChange": "warn"}.get(category, "info")
    code = text(field(detail, "eventTypeCode"))
    return Notice(
        kind="AWS Health",
        headline=" · ".join(p for p in (text(field(detail, "service")), code, status) if p),
        level=level,
        facts=facts(
            fact("Service", field(detail, "service")),
            fact("Event type", code),
            fact("Category", category),
            fact("Status", status),
            fact("Region", field(detail, "eventRegion") or payload.get("region")),
            fact("Start", field(detail, "startTime")),
            fact("End", field(detail, "endTime")),
            fact("Affected", shown),
            account_fact(field(detail, "affectedAccount") or payload.get("account")),
        ),
        details=description,
        time=text(payload.get("time")),
        links=links(*(link("Reference", url) for url in urls_in(description)[:3])),
    )
