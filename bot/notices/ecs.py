"""Amazon ECS events: task state changes (why a task stopped, which container exited with what), service actions
(task start impaired, placement failure, steady state), service deployment state changes (SERVICE_DEPLOYMENT_FAILED
by the circuit breaker) and container instance state changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coerce import items, mapping, number, text
from bot.notices.model import Notice, state_level
from bot.notices.reading import detail_of, fact, facts, facts_from, field, joined, origin

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = (
    "ECS Task State Change",
    "ECS Service Action",
    "ECS Deployment State Change",
    "ECS Container Instance State Change",
)
_EVENT_LEVEL = {"ERROR": "bad", "WARN": "warn"}
_FAILED_STOPS = ("EssentialContainerExited", "TaskFailedToStart", "SpotInterruption", "TerminationNotice")


def _name(arn: object) -> str:
    """The last part of an ECS ARN: ``…:cluster/default`` → ``default``; ``…:service/default/web`` → ``web``."""
    return text(arn).rsplit("/", 1)[-1]


def _service(payload: Mapping[str, object]) -> str:
    return next((_name(r) for r in items(payload.get("resources")) if ":service/" in text(r)), "")


def read(payload: Mapping[str, object]) -> Notice:
    kind = text(payload.get("detail-type"))
    detail = detail_of(payload)
    if kind == "ECS Task State Change":
        return _task(payload, detail)
    if kind == "ECS Container Instance State Change":
        return _instance(payload, detail)
    event = text(field(detail, "eventName"))
    service = _service(payload)
    level = _EVENT_LEVEL.get(text(field(detail, "eventType")).upper(), "info")
    return Notice(
        kind="Amazon ECS",
        headline=joined((service or _name(field(detail, "clusterArn")), event)),
        level=level if level != "info" else state_level(event),
        facts=facts(
            fact("Service", service),
            fact("Cluster", _name(field(detail, "clusterArn"))),
            fact("Event", event),
            *facts_from(detail, {"Type": "eventType", "Deployment": "deploymentId"}),
            fact("Capacity providers", ", ".join(_name(c) for c in items(field(detail, "capacityProviderArns")))),
            *origin(payload),
        ),
        details=text(field(detail, "reason")),
        time=text(payload.get("time")),
    )


def _task(payload: Mapping[str, object], detail: Mapping[str, object]) -> Notice:
    status = text(field(detail, "lastStatus"))
    stop = text(field(detail, "stopCode"))
    containers = [mapping(c) for c in items(field(detail, "containers"))]
    exits = [
        joined(
            (
                field(c, "name"),
                f"exit {text(c.get('exitCode'))}" if c.get("exitCode") is not None else "",
                field(c, "reason"),
            ),
            " ",
        )
        for c in containers
        if c.get("exitCode") is not None or field(c, "reason")
    ]
    failed_exit = any((number(c.get("exitCode")) or 0) != 0 for c in containers)
    stopped = status.upper() == "STOPPED"
    level = "bad" if stopped and (stop in _FAILED_STOPS or failed_exit) else "warn" if stopped else "info"
    return Notice(
        kind="Amazon ECS",
        headline=joined(
            (joined((_name(field(detail, "clusterArn")), field(detail, "group")), " / "), status, stop)
        ),
        level=level,
        facts=facts(
            fact("Task", _name(field(detail, "taskArn"))),
            fact("Group", field(detail, "group")),
            fact(
                "Status",
                joined(
                    (
                        status,
                        f"desired {text(field(detail, 'desiredStatus'))}"
                        if field(detail, "desiredStatus")
                        else "",
                    ),
                    ", ",
                ),
            ),
            fact("Stop code", stop),
            fact("Containers", "; ".join(exits)),
            fact("Task definition", _name(field(detail, "taskDefinitionArn"))),
            *facts_from(detail, {"Launch type": "launchType", "Zone": "availabilityZone"}),
            *origin(payload),
        ),
        details=text(field(detail, "stoppedReason")),
        time=text(payload.get("time")),
    )


def _instance(payload: Mapping[str, object], detail: Mapping[str, object]) -> Notice:
    status = text(field(detail, "status"))
    connected = detail.get("agentConnected")
    return Notice(
        kind="Amazon ECS",
        headline=joined((field(detail, "ec2InstanceId"), "container instance", status)),
        level="bad" if connected is False else "warn" if status.upper() in ("DRAINING", "INACTIVE") else "info",
        facts=facts(
            fact("Instance", field(detail, "ec2InstanceId")),
            fact("Cluster", _name(field(detail, "clusterArn"))),
            fact("Status", status),
            fact("Agent connected", "yes" if connected else "no" if connected is False else ""),
            fact("Agent", text(mapping(field(detail, "versionInfo")).get("agentVersion"))),
            *origin(payload),
        ),
        time=text(payload.get("time")),
    )
