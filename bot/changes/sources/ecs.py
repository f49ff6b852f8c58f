"""ECS's changes: ``UpdateService`` from CloudTrail — the answer's ``deployments`` list the new (``PRIMARY``) and
the one it replaces (``ACTIVE``), so the event says old → new task definition — and ECS's own "ECS Deployment
State Change" events (in progress, completed, failed: ECS Developer Guide, "Service deployment state change
events")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import coerce
from bot.changes import links, resources
from bot.changes.cloudtrail import request_diffs, value
from bot.changes.model import Diff, UnknownChange

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bot.changes.cloudtrail import Call
    from bot.changes.model import Change, ServiceEvent

SOURCE = "ecs.amazonaws.com"
EVENT_NAMES = ("UpdateService",)
DEPLOYMENT_EVENT = "ECS Deployment State Change"
REQUEST_NAMES = {
    "capacityProviderStrategy": "capacity providers",
    "deploymentConfiguration": "deployment configuration",
    "networkConfiguration": "network",
    "platformVersion": "platform version",
    "loadBalancers": "load balancers",
    "serviceConnectConfiguration": "Service Connect",
    "enableExecuteCommand": "ECS Exec",
    "healthCheckGracePeriodSeconds": "health check grace period",
}


def last_part(arn_or_name: object) -> str:
    """``arn:aws:ecs:…:cluster/prod`` → ``prod``; a task definition ARN → ``family:revision``."""
    return coerce.text(arn_or_name).rsplit("/", 1)[-1]


def read(call: Call) -> Change:
    service_after = call.response.get("service")
    after: Mapping[str, object] = service_after if isinstance(service_after, dict) else {}
    service = last_part(call.request.get("service") or after.get("serviceName"))
    cluster = last_part(call.request.get("cluster") or after.get("clusterArn")) or "default"
    if not service:
        raise UnknownChange(f"{call.name} names no service (requestParameters.service)")
    diffs: list[Diff] = []
    deployments = [d for d in coerce.items(after.get("deployments")) if isinstance(d, dict)]
    if "taskDefinition" in call.request:  # the request may name the family alone; the deployment its revision
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), {})
        previous = next((d for d in deployments if d.get("status") == "ACTIVE"), {})
        new = last_part(primary.get("taskDefinition") or call.request["taskDefinition"])
        diffs.append(Diff("task definition", new, last_part(previous.get("taskDefinition")) or None))
    if "desiredCount" in call.request:
        diffs.append(Diff("desired count", value(call.request["desiredCount"])))
    if call.request.get("forceNewDeployment"):
        diffs.append(Diff("new deployment forced", None))
    diffs += request_diffs(call.request, REQUEST_NAMES)
    return call.change(
        service=resources.ECS,
        resource=f"{cluster}/{service}",
        resources=(resources.key(resources.ECS, service),),
        diffs=diffs,
        link=links.ecs_service(call.region, cluster, service),
    )


def deployment_event(event: ServiceEvent) -> Change:
    service_arn = next((r for r in event.resources if ":service/" in r), "")
    if not service_arn:
        raise UnknownChange("an ECS Deployment State Change event names no service in resources")
    path = service_arn.split(":service/", 1)[1].split("/")
    cluster, service = (path[0], path[-1]) if len(path) > 1 else ("default", path[0])
    diffs = [Diff("deployment", value(event.detail.get("deploymentId")))]
    reason = value(event.detail.get("reason"))
    if reason:
        diffs.append(Diff("reason", reason))
    return event.change(
        service=resources.ECS,
        action=coerce.text(event.detail.get("eventName")),  # else the detail-type: DEPLOYMENT_EVENT
        resource=f"{cluster}/{service}",
        resources=(resources.key(resources.ECS, service),),
        diffs=(d for d in diffs if d.new),
        link=links.ecs_service(event.region, cluster, service),
    )
