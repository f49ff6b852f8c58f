"""GuardDuty (``aws.guardduty``): findings — title, severity in GuardDuty's bands, finding type, the resource and
what the finding is about (for a port probe: remote IP, port, how often, first and last seen) — and Malware
Protection's S3 object scan results (THREATS_FOUND or not)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coerce import items, mapping, number, text
from bot.notices.model import Notice, state_level
from bot.notices.reading import (
    account_fact,
    detail_of,
    dig,
    fact,
    facts,
    facts_from,
    field,
    first_time,
    joined,
    origin,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = ("GuardDuty Finding", "GuardDuty Malware Protection Object Scan Result")


def severity_label(value: float | None) -> str:
    """GuardDuty's bands: 9.0+ Critical, 7.0–8.9 High, 4.0–6.9 Medium, 1.0–3.9 Low."""
    if value is None:
        return ""
    band = "Critical" if value >= 9 else "High" if value >= 7 else "Medium" if value >= 4 else "Low"
    return f"{value:g} ({band})"


def _resource(detail: Mapping[str, object]) -> str:
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


def _remote(details: object) -> str:
    """ "198.51.100.23 (Country, Organisation)" from a ``remoteIpDetails`` object."""
    ip = text(field(mapping(details), "ipAddressV4", "ipAddressV6"))
    where = joined((dig(details, "country", "countryName"), dig(details, "organization", "asnOrg")), ", ")
    return f"{ip} ({where})" if ip and where else ip


def _action(service: Mapping[str, object]) -> tuple[tuple[str, str] | None, ...]:
    """What the finding is about, by its action type: who probed or connected, on which port, which API."""
    action = mapping(field(service, "action"))
    probe = mapping(field(action, "portProbeAction"))
    connection = mapping(field(action, "networkConnectionAction"))
    call = mapping(field(action, "awsApiCallAction"))
    dns = mapping(field(action, "dnsRequestAction"))
    if probe:
        details = [mapping(d) for d in items(field(probe, "portProbeDetails"))]
        remotes = [_remote(field(d, "remoteIpDetails")) for d in details]
        ports = [
            joined((dig(d, "localPortDetails", "port"), dig(d, "localPortDetails", "portName")), " ")
            for d in details
        ]
        return (
            fact("Remote IP", ", ".join(dict.fromkeys(r for r in remotes if r))),
            fact("Port", ", ".join(dict.fromkeys(p for p in ports if p))),
            fact("Blocked", field(probe, "blocked")),
        )
    if connection:
        return (
            fact("Remote IP", _remote(field(connection, "remoteIpDetails"))),
            fact(
                "Port",
                joined(
                    (dig(connection, "localPortDetails", "port"), dig(connection, "localPortDetails", "portName")),
                    " ",
                ),
            ),
            fact("Direction", field(connection, "connectionDirection")),
        )
    if call:
        return (
            fact("API", joined((field(call, "serviceName"), field(call, "api")), " ")),
            fact("Caller IP", _remote(field(call, "remoteIpDetails"))),
        )
    return (fact("Domain", field(dns, "domain")),)


def read(payload: Mapping[str, object]) -> Notice:
    if text(payload.get("detail-type")).startswith("GuardDuty Malware Protection"):
        return _malware_scan(payload)
    detail = detail_of(payload)
    severity = number(field(detail, "severity"))
    title = text(field(detail, "title")) or text(field(detail, "type")) or "finding"
    service = mapping(field(detail, "service"))
    return Notice(
        kind="GuardDuty",
        headline=title,
        level="bad"
        if severity is not None and severity >= 7
        else "info"
        if severity is not None and severity < 4
        else "warn",
        facts=facts(
            fact("Severity", severity_label(severity)),
            fact("Type", field(detail, "type")),
            fact("Resource", _resource(detail)),
            *_action(service),
            *facts_from(service, {"Count": "count", "First seen": "eventFirstSeen", "Last seen": "eventLastSeen"}),
            account_fact(field(detail, "accountId") or payload.get("account")),
            fact("Region", field(detail, "region") or payload.get("region")),
            fact("Finding", field(detail, "id")),
        ),
        details=text(field(detail, "description")),
        time=first_time(payload.get("time"), field(detail, "updatedAt"), field(service, "eventLastSeen")),
    )


def _malware_scan(payload: Mapping[str, object]) -> Notice:
    detail = detail_of(payload)
    obj = mapping(field(detail, "s3ObjectDetails"))
    result = text(dig(detail, "scanResultDetails", "scanResultStatus"))
    threats = [text(field(mapping(t), "name")) for t in items(dig(detail, "scanResultDetails", "threats"))]
    where = "s3://" + joined((field(obj, "bucketName"), field(obj, "objectKey")), "/") if obj else ""
    return Notice(
        kind="GuardDuty Malware Protection",
        headline=joined((where or field(detail, "resourceType"), result or field(detail, "scanStatus"))),
        level=state_level(result or text(field(detail, "scanStatus"))),
        facts=facts(
            fact("Result", result),
            fact("Threats", ", ".join(t for t in threats if t)),
            *facts_from(obj, {"Bucket": "bucketName", "Object": "objectKey", "Version": "versionId"}),
            fact("Scan", field(detail, "scanStatus")),
            *origin(payload),
        ),
        time=text(payload.get("time")),
    )
