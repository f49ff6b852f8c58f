"""Pipelines and jobs: CodePipeline, CodeBuild, CodeDeploy and Glue job state changes — name, stage or job,
and a state such as FAILED."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.coerce import mapping, text
from bot.notices.model import Notice, detail_of, fact, facts, field, state_level

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


def read(payload: Mapping[str, Any]) -> Notice:
    kind = text(payload.get("detail-type"))
    detail = detail_of(payload)
    if kind.startswith("CodePipeline"):
        return _codepipeline(payload, detail)
    if kind.startswith("CodeBuild"):
        return _codebuild(payload, detail)
    if kind.startswith("CodeDeploy"):
        return _codedeploy(payload, detail)
    return _glue(payload, detail)


def _codepipeline(payload: Mapping[str, Any], detail: Mapping[str, Any]) -> Notice:
    state = text(detail.get("state"))
    where = " / ".join(
        p for p in (text(detail.get("pipeline")), text(detail.get("stage")), text(detail.get("action"))) if p
    )
    return Notice(
        kind="CodePipeline",
        headline=f"{where} · {state}" if state else where,
        level=state_level(state),
        facts=facts(
            fact("Pipeline", detail.get("pipeline")),
            fact("Stage", detail.get("stage")),
            fact("Action", detail.get("action")),
            fact("State", state),
            fact("Execution", detail.get("execution-id")),
            fact("Region", payload.get("region")),
        ),
    )


def _codebuild(payload: Mapping[str, Any], detail: Mapping[str, Any]) -> Notice:
    info = mapping(detail.get("additional-information"))
    state = text(detail.get("build-status") or detail.get("completed-phase-status"))
    phase = text(detail.get("completed-phase"))
    project = text(detail.get("project-name"))
    return Notice(
        kind="CodeBuild",
        headline=" · ".join(p for p in (project, phase, state) if p),
        level=state_level(state),
        facts=facts(
            fact("Project", project),
            fact("Phase", phase),
            fact("Status", state),
            fact("Build", detail.get("build-id")),
            fact("Initiator", info.get("initiator")),
            fact("Logs", mapping(info.get("logs")).get("group-name")),
            fact("Region", payload.get("region")),
        ),
    )


def _codedeploy(payload: Mapping[str, Any], detail: Mapping[str, Any]) -> Notice:
    state = text(detail.get("state"))
    group = " / ".join(p for p in (text(detail.get("application")), text(detail.get("deploymentGroup"))) if p)
    return Notice(
        kind="CodeDeploy",
        headline=f"{group} · {state}" if state else group,
        level=state_level(state),
        facts=facts(
            fact("Application", detail.get("application")),
            fact("Deployment group", detail.get("deploymentGroup")),
            fact("Deployment", detail.get("deploymentId")),
            fact("Instance", detail.get("instanceId")),
            fact("State", state),
            fact("Region", detail.get("region") or payload.get("region")),
        ),
    )


def _glue(payload: Mapping[str, Any], detail: Mapping[str, Any]) -> Notice:
    state = text(field(detail, "state"))
    job = text(field(detail, "jobName"))
    return Notice(
        kind="Glue",
        headline=f"{job} · {state}" if state else job,
        level=state_level(state),
        facts=facts(
            fact("Job", job),
            fact("State", state),
            fact("Run", field(detail, "jobRunId")),
            fact("Severity", field(detail, "severity")),
            fact("Region", payload.get("region")),
        ),
        details=text(field(detail, "message")),
    )
