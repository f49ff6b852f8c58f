"""GuardDuty findings (``aws.guardduty``): title, severity in GuardDuty's bands, finding type, the resource."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.coerce import items, mapping, number, text
from bot.notices.model import Notice, account_fact, detail_of, fact, facts, field

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = ("GuardDuty Finding",)


def severity_label(value: float | None) -> str:
    """GuardDuty's bands: 9.0+ Critical, 7.0–8.9 High, 4.0–6.9 Medium, 1.0–3.9 Low."""
    if value is None:
        return ""
    band = "Critical" if value >= 9 else "High" if value >= 7 else "Medium" if value >= 4 else "Low"
    return f"{value:g} ({band})"


def _resource(detail: Mapping[str, Any]) -> str:
    resource = mapping(field(detail, "resource"))
    kind = text(field(resource, "resourceType"))
    instance = mapping(field(resource, "instanceDetails"))
    key = mapping(field(resource, "accessKeyDetails"))
    buckets = [mapping(b) for b in items(field(resource, "s3BucketDetails"))]
    name = (
        text(field(instance, "instanceId"))
        or text(field(key, "userName"))
        or ", ".join(text(field(b, "name")) for b in buckets if field(b, "name"))
        or text(field(mapping(field(resource, "eksClusterDetails")), "name"))
    )
    return f"{kind} {name}".strip()


def read(payload: Mapping[str, Any]) -> Notice:
    detail = detail_of(payload)
    severity = number(field(detail, "severity"))
    title = text(field(detail, "title")) or text(field(detail, "type")) or "finding"
    return Notice(
        kind="GuardDuty",
        headline=title,
        level="bad" if severity is not None and severity >= 7 else "warn",
        facts=facts(
            fact("Severity", severity_label(severity)),
            fact("Type", field(detail, "type")),
            fact("Resource", _resource(detail)),
            account_fact(field(detail, "accountId") or payload.get("account")),
            fact("Region", field(detail, "region") or payload.get("region")),
            fact("Finding", field(detail, "id")),
        ),
        details=text(field(detail, "description")),
    )
