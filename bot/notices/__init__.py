"""Typed cards for what else arrives on the topic: one module per kind, chosen by EventBridge ``detail-type`` (or a
CodeStar notification rule's ``detailType``), by the shape of a service's own SNS message (RDS, DMS,
ElastiCache, Config, Run Command, S3, CodeDeploy triggers, approvals, Cost Anomaly Detection, Auto Scaling), or
— for the kinds SNS delivers as plain text (AWS Budgets, Elastic Beanstalk, AWS Backup) — by the text's own
shape.

Each module reads a payload into a ``Notice`` (facts on-call needs, in order); a kind nobody registered gets
``None`` here and ``generic.read_generic`` when its card is drawn. Domain only: rendering lives in
``bot.slack.blocks``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.coerce import mapping, text
from bot.notices import (
    alarmconfig,
    approval,
    autoscaling,
    awsconfig,
    backup,
    beanstalk,
    budgets,
    costanomaly,
    dbevents,
    ecs,
    findings,
    guardduty,
    health,
    pipelines,
    s3,
    ssm,
    trustedadvisor,
)
from bot.notices.generic import read_generic
from bot.notices.model import Notice

Reader = Callable[[Mapping[str, object]], Notice]
READERS: dict[str, Reader] = {
    detail_type: module.read
    for module in (
        health,
        guardduty,
        pipelines,
        autoscaling,
        backup,
        ssm,
        ecs,
        s3,
        awsconfig,
        trustedadvisor,
        costanomaly,
        alarmconfig,
    )
    for detail_type in module.DETAIL_TYPES
}
READERS.update(
    dict.fromkeys(findings.SECURITY_HUB, findings.read_security_hub)
    | dict.fromkeys(findings.INSPECTOR, findings.read_inspector)
    | dict.fromkeys(findings.SCANS, findings.read_scan)
    | dict.fromkeys(dbevents.DETAIL_TYPES, dbevents.read_eventbridge)
)

SHAPES: tuple[tuple[Callable[[Mapping[str, object]], bool], Reader], ...] = (
    (autoscaling.is_notification, autoscaling.read_notification),
    (pipelines.is_trigger, pipelines.read_trigger),
    (approval.is_approval, approval.read),
    (dbevents.is_subscription_event, dbevents.read_subscription_event),
    (dbevents.is_elasticache, dbevents.read_elasticache),
    (awsconfig.is_config, awsconfig.read),
    (ssm.is_run_command, ssm.read_run_command),
    (s3.is_notification, s3.read_notification),
    (costanomaly.is_anomaly, costanomaly.read),
)
"""A service's own SNS message, recognised by its fields; the first predicate that holds reads it."""


def typed_notice(payload: Mapping[str, object]) -> Notice | None:
    """The typed reading of a JSON payload, or None for a kind without a card of its own. A reader that trips over
    a malformed payload gives None too: the generic card still shows everything."""
    kind = text(payload.get("detail-type"))
    if not kind and isinstance(payload.get("detailType"), str) and isinstance(payload.get("detail"), Mapping):
        kind = text(payload.get("detailType"))  # a CodeStar notification rule's delivery: the same event
        payload = {**payload, "detail-type": kind}
    reader = READERS.get(kind)
    if reader is None:
        reader = next((read for is_kind, read in SHAPES if _holds(is_kind, payload)), None)
    if reader is None:
        return None
    try:
        return reader(payload)
    except Exception:  # noqa: BLE001 - a typed card is a nicety; the generic card never loses the event
        return None


def _holds(is_kind: Callable[[Mapping[str, object]], bool], payload: Mapping[str, object]) -> bool:
    try:
        return is_kind(payload)
    except Exception:  # noqa: BLE001 - an odd payload is simply not of this kind
        return False


TextReader = Callable[[str, Mapping[str, object]], Notice | None]
TEXT_READERS: tuple[TextReader, ...] = (
    lambda content, _: budgets.read_text(content),
    lambda content, _: beanstalk.read_text(content),
    backup.read_text,
)


def text_notice(content: str, attributes: object = None) -> Notice | None:
    """The typed reading of a plain-text notification (AWS Budgets', Elastic Beanstalk's, a backup vault's — whose
    state is in the SNS message ``attributes``), or None."""
    for reader in TEXT_READERS:
        try:
            notice = reader(content, mapping(attributes))
        except Exception:  # noqa: BLE001 - the generic card shows the text either way
            notice = None
        if notice is not None:
            return notice
    return None


__all__ = ["Notice", "read_generic", "text_notice", "typed_notice"]
