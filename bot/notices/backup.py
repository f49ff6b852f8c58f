"""AWS Backup job events: the job, its state, the resource and the vault, and the status message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.coerce import text
from bot.notices.model import Notice, detail_of, fact, facts, field, state_level

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = ("Backup Job State Change", "Copy Job State Change", "Restore Job State Change")


def read(payload: Mapping[str, Any]) -> Notice:
    kind = text(payload.get("detail-type")).removesuffix(" State Change")
    detail = detail_of(payload)
    state = text(field(detail, "state", "status"))
    resource = text(field(detail, "resourceArn"))
    return Notice(
        kind="AWS Backup",
        headline=" · ".join(p for p in (kind, text(field(detail, "resourceType")), state) if p),
        level=state_level(state),
        facts=facts(
            fact("Job", field(detail, "backupJobId", "copyJobId", "restoreJobId")),
            fact("State", state),
            fact("Resource", resource),
            fact("Vault", field(detail, "backupVaultName", "destinationBackupVaultArn")),
            fact("Region", payload.get("region")),
        ),
        details=text(field(detail, "statusMessage")).strip('"'),
    )
