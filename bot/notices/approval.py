"""CodePipeline manual approval requests (``{"region", "consoleLink", "approval": {…}}``): which pipeline, stage
and action wait for a person, until when, and the links to review and approve."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coerce import mapping, text
from bot.notices.model import Notice
from bot.notices.reading import fact, facts, joined, link, links

if TYPE_CHECKING:
    from collections.abc import Mapping


def is_approval(payload: Mapping[str, object]) -> bool:
    approval = mapping(payload.get("approval"))
    return bool(approval.get("pipelineName")) and ("approvalReviewLink" in approval or "token" in approval)


def read(payload: Mapping[str, object]) -> Notice:
    approval = mapping(payload.get("approval"))
    pipeline = text(approval.get("pipelineName"))
    return Notice(
        kind="CodePipeline",
        headline=joined(
            (joined((pipeline, approval.get("stageName"), approval.get("actionName")), " / "), "approval needed")
        ),
        level="warn",
        facts=facts(
            fact("Pipeline", pipeline),
            fact("Stage", approval.get("stageName")),
            fact("Action", approval.get("actionName")),
            fact("Expires", approval.get("expires")),
            fact("Region", payload.get("region")),
        ),
        details=text(approval.get("customData")),
        links=links(
            link("Review", approval.get("approvalReviewLink")),
            link("Pipeline", payload.get("consoleLink")),
            link("Change to review", approval.get("externalEntityLink")),
        ),
    )
