"""Systems Manager: Run Command (its own SNS notifications — ``commandId``, ``documentName``, ``status`` — and the
EventBridge command and invocation status changes), Automation executions and steps, and configuration compliance
(patch or association NON_COMPLIANT)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coerce import items, text
from bot.notices.model import Notice, state_level, worst
from bot.notices.reading import detail_of, fact, facts, facts_from, field, first_time, joined, origin

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = (
    "EC2 Command Status-change Notification",
    "EC2 Command Invocation Status-change Notification",
    "EC2 Automation Execution Status-change Notification",
    "EC2 Automation Step Status-change Notification",
    "Configuration Compliance State Change",
)
_EXECUTION = {"Execution": "ExecutionId", "Started": "StartTime", "Ended": "EndTime", "By": "ExecutedBy"}
"""What an Automation event says of its execution: label → key in its ``detail``."""


def is_run_command(payload: Mapping[str, object]) -> bool:
    """Run Command's own SNS notification (a command summary or one instance's invocation)."""
    return bool(payload.get("commandId")) and bool(payload.get("documentName")) and "status" in payload


def read_run_command(payload: Mapping[str, object]) -> Notice:
    status = text(payload.get("status"))
    detailed = text(payload.get("detailedStatus"))
    instances = [text(i) for i in items(payload.get("instanceIds"))]
    target = text(payload.get("instanceId")) or ", ".join(instances)
    return Notice(
        kind="Run Command",
        headline=joined((payload.get("documentName"), target, status)),
        level=worst(state_level(status), state_level(detailed)),
        facts=facts(
            fact("Document", payload.get("documentName")),
            fact("Status", status if detailed in ("", status) else f"{status} ({detailed})"),
            fact("Instance", payload.get("instanceId")),
            fact("Instances", ", ".join(instances)),
            fact("Command", payload.get("commandId")),
            fact("Requested", payload.get("requestedDateTime")),
            fact("Output", joined((payload.get("outputS3BucketName"), payload.get("outputS3KeyPrefix")), "/")),
        ),
        time=first_time(payload.get("eventTime"), payload.get("requestedDateTime")),
    )


def read(payload: Mapping[str, object]) -> Notice:
    kind = text(payload.get("detail-type"))
    detail = detail_of(payload)
    if kind == "Configuration Compliance State Change":
        return _compliance(payload, detail)
    if "Automation" in kind:
        return _automation(payload, detail, step="Step" in kind)
    status = text(field(detail, "status"))
    instance = text(field(detail, "instance-id")) or ", ".join(
        text(r).rsplit("/", 1)[-1] for r in items(payload.get("resources"))
    )
    return Notice(
        kind="Run Command",
        headline=joined((field(detail, "document-name"), instance, status)),
        level=state_level(status),
        facts=facts(
            fact("Document", field(detail, "document-name")),
            fact("Status", status),
            fact("Instance", instance),
            *facts_from(detail, {"Command": "command-id", "Requested": "requested-date-time"}),
            *origin(payload),
        ),
        time=text(payload.get("time")),
    )


def _automation(payload: Mapping[str, object], detail: Mapping[str, object], *, step: bool) -> Notice:
    status = text(field(detail, "Status"))
    name = text(field(detail, "Definition"))
    return Notice(
        kind="SSM Automation",
        headline=joined((name, field(detail, "StepName") if step else "", status)),
        level=state_level(status),
        facts=facts(
            fact("Runbook", joined((name, field(detail, "DefinitionVersion")), " v")),
            *facts_from(detail, {"Step": "StepName", "Action": "Action"}),
            fact("Status", status),
            *facts_from(detail, _EXECUTION),
            fact("Region", payload.get("region")),
        ),
        details=text(field(detail, "FailureMessage", "Outputs")),
        time=text(payload.get("time")),
    )


def _compliance(payload: Mapping[str, object], detail: Mapping[str, object]) -> Notice:
    status = text(field(detail, "compliance-status")).upper()
    severity = text(field(detail, "severity"))
    resource = text(field(detail, "resource-id"))
    compliance_type = field(detail, "compliance-type")
    return Notice(
        kind="Systems Manager",
        headline=joined((resource, compliance_type, status)),
        level=state_level(status),
        facts=facts(
            fact("Compliance", status),
            fact("Type", compliance_type),
            fact("Severity", severity),
            fact("Resource", joined((field(detail, "resource-type"), resource), " ")),
            fact("Patch baseline", field(detail, "patch-baseline-id")),
            fact("Association", field(detail, "association-id")),
            *origin(payload),
        ),
        time=text(payload.get("time")),
    )
