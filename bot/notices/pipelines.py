"""Pipelines and jobs: CodePipeline, CodeBuild, CodeDeploy and Glue job state changes — name, stage or job, and a
state such as FAILED — as EventBridge delivers them and as a CodeStar notification rule does (the same event with
``detailType``), plus CodeDeploy's own trigger notifications (``eventTriggerName``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coerce import items, mapping, text
from bot.notices.model import Notice, state_level
from bot.notices.reading import (
    account_fact,
    detail_of,
    epoch_time,
    fact,
    facts,
    facts_from,
    field,
    joined,
    link,
    links,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = (
    "CodePipeline Pipeline Execution State Change",
    "CodePipeline Stage Execution State Change",
    "CodePipeline Action Execution State Change",
    "CodeBuild Build State Change",
    "CodeBuild Build Phase Change",
    "CodeDeploy Deployment State-change Notification",
    "CodeDeploy Instance State-change Notification",
    "Glue Job State Change",
)
_PIPELINE = {"Pipeline": "pipeline", "Stage": "stage", "Action": "action"}
_DEPLOYMENT = {
    "Application": "application",
    "Deployment group": "deploymentGroup",
    "Deployment": "deploymentId",
    "Instance": "instanceId",
}
_TRIGGER = {
    "Application": "applicationName",
    "Deployment group": "deploymentGroupName",
    "Deployment": "deploymentId",
    "Instance": "instanceId",
}
"""The facts a CodePipeline event, a CodeDeploy event and a CodeDeploy trigger give as they are: label → key."""


def read(payload: Mapping[str, object]) -> Notice:
    kind = text(payload.get("detail-type") or payload.get("detailType"))
    detail = detail_of(payload)
    if kind.startswith("CodePipeline"):
        return _codepipeline(payload, detail)
    if kind.startswith("CodeBuild"):
        return _codebuild(payload, detail)
    if kind.startswith("CodeDeploy"):
        return _codedeploy(payload, detail)
    return _glue(payload, detail)


def _rule(payload: Mapping[str, object]) -> tuple[str, str] | None:
    """The CodeStar notification rule that sent it, when one did."""
    return fact("Notification rule", text(payload.get("notificationRuleArn")).rsplit("/", 1)[-1])


def _state_change(
    payload: Mapping[str, object],
    kind: str,
    name: str,
    state: str,
    shown: tuple[tuple[str, str], ...],
    *,
    details: str = "",
    urls: tuple[tuple[str, str], ...] = (),
) -> Notice:
    """A pipeline's, a deployment's or a job's card: "name · state", as bad as the state, at the event's time."""
    return Notice(
        kind=kind,
        headline=f"{name} · {state}" if state else name,
        level=state_level(state),
        facts=shown,
        details=details,
        time=text(payload.get("time")),
        links=urls,
    )


def _codepipeline(payload: Mapping[str, object], detail: Mapping[str, object]) -> Notice:
    state = text(detail.get("state"))
    where = joined((detail.get("pipeline"), detail.get("stage"), detail.get("action")), " / ")
    result = mapping(detail.get("execution-result"))
    kind = mapping(detail.get("type"))
    summary = text(result.get("external-execution-summary")) or text(
        mapping(payload.get("additionalAttributes")).get("additionalInformation")
    )
    shown = facts(
        *facts_from(detail, _PIPELINE, exact=True),
        fact("Provider", joined((kind.get("category"), kind.get("provider")), " / ")),
        fact("State", state),
        fact("Error", result.get("error-code")),
        fact("Execution", detail.get("execution-id")),
        fact("Region", payload.get("region")),
        _rule(payload),
    )
    execution = links(link("Execution", result.get("external-execution-url")))
    return _state_change(payload, "CodePipeline", where, state, shown, details=summary, urls=execution)


def _codebuild(payload: Mapping[str, object], detail: Mapping[str, object]) -> Notice:
    info = mapping(detail.get("additional-information"))
    logs = mapping(info.get("logs"))
    state = text(detail.get("build-status") or detail.get("completed-phase-status"))
    phase = text(detail.get("completed-phase"))
    project = text(detail.get("project-name"))
    shown = facts(
        fact("Project", project),
        fact("Phase", phase),
        fact("Status", state),
        fact("Build", detail.get("build-id")),
        fact("Initiator", info.get("initiator")),
        fact("Logs", logs.get("group-name")),
        fact("Region", payload.get("region")),
        _rule(payload),
    )
    return Notice(
        kind="CodeBuild",
        headline=joined((project, phase, state)),
        level=state_level(state),
        facts=shown,
        time=text(payload.get("time")),
        links=links(link("Build logs", logs.get("deep-link"))),
    )


def _codedeploy(payload: Mapping[str, object], detail: Mapping[str, object]) -> Notice:
    state = text(detail.get("state"))
    group = joined((detail.get("application"), detail.get("deploymentGroup")), " / ")
    shown = facts(
        *facts_from(detail, _DEPLOYMENT, exact=True),
        fact("State", state),
        fact("Region", detail.get("region") or payload.get("region")),
        _rule(payload),
    )
    return _state_change(payload, "CodeDeploy", group, state, shown)


def _glue(payload: Mapping[str, object], detail: Mapping[str, object]) -> Notice:
    state = text(field(detail, "state"))
    job = text(field(detail, "jobName"))
    shown = facts(
        fact("Job", job),
        fact("State", state),
        fact("Run", field(detail, "jobRunId")),
        fact("Severity", field(detail, "severity")),
        fact("Region", payload.get("region")),
    )
    return _state_change(payload, "Glue", job, state, shown, details=text(field(detail, "message")))


def is_trigger(payload: Mapping[str, object]) -> bool:
    """A CodeDeploy trigger's own notification (deployment- or instance-based), not an EventBridge event."""
    return bool(payload.get("eventTriggerName")) and bool(payload.get("deploymentId"))


def read_trigger(payload: Mapping[str, object]) -> Notice:
    status = text(payload.get("status") or payload.get("instanceStatus"))
    group = joined((payload.get("applicationName"), payload.get("deploymentGroupName")), " / ")
    instance = text(payload.get("instanceId")).rsplit("/", 1)[-1]
    error = mapping(payload.get("errorInformation"))
    overview = mapping(payload.get("deploymentOverview"))
    steps = [mapping(e) for e in items(payload.get("lifecycleEvents"))]
    return Notice(
        kind="CodeDeploy",
        headline=joined((group or text(payload.get("deploymentId")), instance, status)),
        level=state_level(status),
        facts=facts(
            *facts_from(payload, _TRIGGER, exact=True),
            fact("Status", status),
            fact("Error", error.get("ErrorCode")),
            fact("Instances", ", ".join(f"{k} {v}" for k, v in overview.items() if text(v) not in ("", "0"))),
            fact(
                "Lifecycle",
                ", ".join(joined((s.get("LifecycleEvent"), s.get("LifecycleEventStatus")), " ") for s in steps),
            ),
            fact("Trigger", payload.get("eventTriggerName")),
            fact("Region", payload.get("region")),
            account_fact(payload.get("accountId")),
        ),
        details=text(error.get("ErrorMessage")),
        time=epoch_time(payload.get("completeTime") or payload.get("lastUpdatedAt") or payload.get("createTime")),
    )
