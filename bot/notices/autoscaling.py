"""EC2 Auto Scaling: the group, the instance, the status and its cause — from EventBridge events and from the
notifications a group publishes to SNS itself (``"Service": "AWS Auto Scaling"``, ``"Event": "autoscaling:…"``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import regions
from bot.coerce import items, mapping, text
from bot.notices.model import Notice
from bot.notices.reading import account_fact, detail_of, fact, facts, field

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = (
    "EC2 Instance Launch Successful",
    "EC2 Instance Launch Unsuccessful",
    "EC2 Instance Terminate Successful",
    "EC2 Instance Terminate Unsuccessful",
    "EC2 Instance-launch Lifecycle Action",
    "EC2 Instance-terminate Lifecycle Action",
)


def read(payload: Mapping[str, object]) -> Notice:
    kind = text(payload.get("detail-type"))
    detail = detail_of(payload)
    group = text(field(detail, "AutoScalingGroupName"))
    zone = text(mapping(field(detail, "Details")).get("Availability Zone"))
    return Notice(
        kind="Auto Scaling",
        headline=f"{group} · {kind.removeprefix('EC2 ')}" if group else kind,
        level="bad" if "Unsuccessful" in kind else "info",
        facts=facts(
            fact("Group", group),
            fact("Instance", field(detail, "EC2InstanceId")),
            fact("Status", field(detail, "StatusCode")),
            fact("Transition", field(detail, "LifecycleTransition")),
            fact("Zone", zone),
            fact("Region", payload.get("region")),
        ),
        details="\n".join(t for t in (text(field(detail, "StatusMessage")), text(field(detail, "Cause"))) if t),
        time=text(payload.get("time")),
    )


_EVENTS = {
    "autoscaling:EC2_INSTANCE_LAUNCH": "instance launch",
    "autoscaling:EC2_INSTANCE_LAUNCH_ERROR": "instance launch failed",
    "autoscaling:EC2_INSTANCE_TERMINATE": "instance terminate",
    "autoscaling:EC2_INSTANCE_TERMINATE_ERROR": "instance terminate failed",
    "autoscaling:TEST_NOTIFICATION": "test notification",
}


def is_notification(payload: Mapping[str, object]) -> bool:
    """A group's own SNS notification (not an EventBridge event)."""
    service, event = text(payload.get("Service")), text(payload.get("Event"))
    return service == "AWS Auto Scaling" and event.startswith("autoscaling:")


def read_notification(payload: Mapping[str, object]) -> Notice:
    event = text(payload.get("Event"))
    status = text(payload.get("StatusCode"))
    group = text(payload.get("AutoScalingGroupName"))
    what = _EVENTS.get(event, event.removeprefix("autoscaling:"))
    details = mapping(payload.get("Details"))
    alarms = [text(mapping(a).get("AlarmName")) for a in items(details.get("InvokingAlarms"))]
    where = regions.parse_arn(text(payload.get("AutoScalingGroupARN")))
    failed = event.endswith("_ERROR") or status.upper() in {"FAILED", "CANCELLED"}
    return Notice(
        kind="Auto Scaling",
        headline=f"{group} · {what}" if group else what,
        level="bad" if failed else "info",
        facts=facts(
            fact("Group", group),
            fact("Instance", payload.get("EC2InstanceId")),
            fact("Activity", payload.get("Description")),
            fact("Status", status),
            fact("Alarm", ", ".join(a for a in alarms if a)),
            fact("Zone", details.get("Availability Zone")),
            fact("Region", where.region if where else ""),
            account_fact(payload.get("AccountId") or (where.account if where else "")),
        ),
        details="\n".join(t for t in (text(payload.get("StatusMessage")), text(payload.get("Cause"))) if t),
        time=text(payload.get("Time")),
    )
