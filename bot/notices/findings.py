"""Security findings and scans: Security Hub findings (the AWS Security Finding Format, from any product),
Inspector findings and scans, and ECR image scans — what was found, how severe, on which resource, and the link
to read more. GuardDuty's own events are in ``guardduty``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coerce import items, mapping, number, text
from bot.notices.model import Notice, state_level, worst
from bot.notices.reading import (
    account_fact,
    detail_of,
    dig,
    fact,
    facts,
    field,
    first_time,
    joined,
    link,
    links,
    origin,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

SECURITY_HUB = ("Security Hub Findings - Imported", "Security Hub Findings - Custom Action")
INSPECTOR = ("Inspector2 Finding",)
SCANS = ("Inspector2 Scan", "ECR Image Scan")
SEVERITY_LEVEL = {"CRITICAL": "bad", "HIGH": "bad", "MEDIUM": "warn", "LOW": "info", "INFORMATIONAL": "info"}


def normalized_label(score: float | None) -> str:
    """ASFF's bands for ``Severity.Normalized``: 0 informational, 1–39 low, 40–69 medium, 70–89 high, 90+
    critical."""
    if score is None:
        return ""
    bands = ((90, "CRITICAL"), (70, "HIGH"), (40, "MEDIUM"), (1, "LOW"))
    return next((label for floor, label in bands if score >= floor), "INFORMATIONAL")


def read_security_hub(payload: Mapping[str, object]) -> Notice:
    found = [mapping(f) for f in items(detail_of(payload).get("findings"))]
    finding = found[0] if found else {}
    severity = mapping(field(finding, "Severity"))
    label = text(field(severity, "Label")).upper() or normalized_label(number(field(severity, "Normalized")))
    label = label or text(dig(finding, "ProductFields", "aws/securityhub/SeverityLabel")).upper()
    compliance = text(dig(finding, "Compliance", "Status"))
    resource = mapping(next(iter(items(field(finding, "Resources"))), {}))
    product = text(field(finding, "ProductName")) or text(
        dig(finding, "ProductFields", "aws/securityhub/ProductName")
    )
    title = text(field(finding, "Title")) or "finding"
    return Notice(
        kind=joined(("Security Hub", product), " · "),
        headline=joined((title, label, compliance)),
        level=worst(SEVERITY_LEVEL.get(label, "info"), "warn" if compliance == "FAILED" else "info"),
        facts=facts(
            fact("Severity", label),
            fact("Compliance", compliance),
            fact("Resource", joined((field(resource, "Type"), field(resource, "Id")), " ")),
            fact("Type", next(iter(items(field(finding, "Types"))), "")),
            fact("Workflow", text(dig(finding, "Workflow", "Status")) or field(finding, "WorkflowState")),
            fact("Record", field(finding, "RecordState")),
            fact(
                "Control",
                dig(finding, "Compliance", "SecurityControlId") or dig(finding, "ProductFields", "ControlId"),
            ),
            fact("More findings", f"{len(found) - 1} more in this event" if len(found) > 1 else ""),
            fact("Region", field(resource, "Region") or field(finding, "Region") or payload.get("region")),
            account_fact(field(finding, "AwsAccountId") or payload.get("account")),
            fact("Finding", field(finding, "Id")),
        ),
        details=joined(
            (field(finding, "Description"), dig(finding, "Remediation", "Recommendation", "Text")), " — "
        ),
        time=first_time(payload.get("time"), field(finding, "UpdatedAt"), field(finding, "LastObservedAt")),
        links=links(
            link("Remediation", dig(finding, "Remediation", "Recommendation", "Url")),
            link("Source", field(finding, "SourceUrl")),
        ),
    )


def read_inspector(payload: Mapping[str, object]) -> Notice:
    detail = detail_of(payload)
    severity = text(field(detail, "severity")).upper()
    status = text(field(detail, "status")).upper()
    resource = mapping(next(iter(items(field(detail, "resources"))), {}))
    vulnerability = mapping(field(detail, "packageVulnerabilityDetails"))
    packages = [text(field(mapping(p), "name")) for p in items(field(vulnerability, "vulnerablePackages"))]
    reach = mapping(field(detail, "networkReachabilityDetails"))
    ports = mapping(field(reach, "openPortRange"))
    port_range = joined((field(ports, "begin"), field(ports, "end")), "–") if ports else ""
    closed = status == "CLOSED"
    return Notice(
        kind="Inspector",
        headline=joined((field(detail, "title"), severity, status)),
        level="good" if closed else SEVERITY_LEVEL.get(severity, "info"),
        facts=facts(
            fact("Severity", severity),
            fact("Status", status),
            fact("Score", field(detail, "inspectorScore")),
            fact("Resource", joined((field(resource, "type"), field(resource, "id")), " ")),
            fact("Vulnerability", field(vulnerability, "vulnerabilityId")),
            fact("Packages", ", ".join(p for p in packages if p)),
            fact("Fix available", field(detail, "fixAvailable")),
            fact("Open ports", joined((field(reach, "protocol"), port_range), " ")),
            fact("Type", field(detail, "type")),
            fact("Region", payload.get("region")),
            account_fact(field(detail, "awsAccountId") or payload.get("account")),
        ),
        details=joined(
            (field(detail, "description"), dig(detail, "remediation", "recommendation", "text")), " — "
        ),
        time=first_time(payload.get("time"), field(detail, "updatedAt")),
        links=links(link("Advisory", field(vulnerability, "sourceUrl"))),
    )


def read_scan(payload: Mapping[str, object]) -> Notice:
    detail = detail_of(payload)
    counts = {str(k).upper(): number(v) or 0 for k, v in mapping(field(detail, "finding-severity-counts")).items()}
    shown = [f"{int(n)} {k.lower()}" for k, n in counts.items() if n and k != "TOTAL"]
    status = text(field(detail, "scan-status"))
    target = text(field(detail, "repository-name")) or text(field(detail, "instance-id"))
    tags = ", ".join(text(t) for t in items(field(detail, "image-tags")))
    found = "bad" if counts.get("CRITICAL") or counts.get("HIGH") else "warn" if counts.get("MEDIUM") else "info"
    return Notice(
        kind="ECR" if text(payload.get("source")) == "aws.ecr" else "Inspector",
        headline=joined((target, f"scan {status}" if status else "scan", ", ".join(shown) or "no findings")),
        level=worst(found, "bad" if state_level(status) == "bad" else "info"),
        facts=facts(
            fact("Target", target),
            fact("Scan", status),
            fact("Findings", ", ".join(shown) or "none"),
            fact("Image tags", tags),
            fact("Image", field(detail, "image-digest")),
            *origin(payload),
        ),
        time=text(payload.get("time")),
    )
