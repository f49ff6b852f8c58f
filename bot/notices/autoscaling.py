"""EC2 Auto Scaling events: the group, the instance, the status and its cause."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.coerce import mapping, text
from bot.notices.model import Notice, detail_of, fact, facts, field

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


def read(payload: Mapping[str, Any]) -> Notice:
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
    )
