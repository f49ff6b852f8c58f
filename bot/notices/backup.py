"""AWS Backup jobs: the job, its state, the resource and the vault — from EventBridge job state changes and from
the text a backup vault's notifications send to SNS ("An AWS Backup job failed. Resource ARN : … BackupJob ID :
…"), whose state is only in the ``State`` message attribute."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.coerce import mapping, text
from bot.notices.model import Notice, state_level
from bot.notices.reading import account_fact, detail_of, fact, facts, field, joined

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = ("Backup Job State Change", "Copy Job State Change", "Restore Job State Change")


def read(payload: Mapping[str, object]) -> Notice:
    kind = text(payload.get("detail-type")).removesuffix(" State Change")
    detail = detail_of(payload)
    state = text(field(detail, "state", "status"))
    resource = text(field(detail, "resourceArn"))
    return Notice(
        kind="AWS Backup",
        headline=joined((kind, field(detail, "resourceType"), state)),
        level=state_level(state),
        facts=facts(
            fact("Job", field(detail, "backupJobId", "copyJobId", "restoreJobId")),
            fact("State", state),
            fact("Resource", resource),
            fact("Vault", field(detail, "backupVaultName", "destinationBackupVaultArn")),
            fact("Region", payload.get("region")),
        ),
        details=text(field(detail, "statusMessage")).strip('"'),
        time=text(payload.get("time")),
    )


_SENTENCE = re.compile(r"^\s*An AWS (Backup|Copy|Restore) job\b")
_VALUE = re.compile(
    r"(Recovery point ARN|Resource ARN|BackupJob ID|Copy Job Id|Restore Job ID)\s*:\s*(\S+?)\.?(?=\s|$)"
)
_JOBS = {"BACKUP_JOB": "Backup job", "COPY_JOB": "Copy job", "RESTORE_JOB": "Restore job"}


def attribute(attributes: Mapping[str, object], name: str) -> str:
    """An SNS message attribute's value (``{"Type": "String", "Value": …}``), or ""."""
    return text(mapping(field(attributes, name)).get("Value")).strip()


def read_text(content: str, attributes: Mapping[str, object]) -> Notice | None:
    """The notice in a backup vault's SNS text, or None when the text is not one."""
    sentence = _SENTENCE.match(content)
    if sentence is None:
        return None
    values = {name.lower(): value for name, value in _VALUE.findall(content)}
    job_kind = _JOBS.get(attribute(attributes, "EventType"), f"{sentence.group(1)} job")
    state = attribute(attributes, "State") or _state_in(content)
    resource = values.get("resource arn", "")
    return Notice(
        kind="AWS Backup",
        headline=joined((job_kind, resource.rsplit("/", 1)[-1].rsplit(":", 1)[-1], state)),
        level=state_level(state),
        facts=facts(
            fact("Job", values.get("backupjob id") or values.get("copy job id") or values.get("restore job id")),
            fact("State", state),
            fact("Resource", resource),
            fact("Recovery point", values.get("recovery point arn")),
            fact("Started", attribute(attributes, "StartTime")),
            account_fact(attribute(attributes, "AccountId")),
        ),
        details=content.split(". ", 1)[0].strip().rstrip(".") + ".",
    )


def _state_in(content: str) -> str:
    """The state a vault's sentence states, for a delivery that lost its attributes."""
    lowered = content.lower()
    if "failed" in lowered or "aborted" in lowered:
        return "FAILED"
    return "COMPLETED" if "completed successfully" in lowered else ""
