"""AWS Config: rule compliance changes (a resource turning NON_COMPLIANT with a rule, or back) and configuration
item changes (what changed on a resource: old → new), whether Config's own SNS topic delivers them or
EventBridge ("Config Rules Compliance Change", "Config Configuration Item Change")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coerce import items, mapping, text
from bot.notices.model import Notice, state_level
from bot.notices.reading import account_fact, change, dig, fact, facts, facts_from, field, first_time, joined

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = ("Config Rules Compliance Change", "Config Configuration Item Change")
MAX_CHANGES = 6
_DONE = {"UPDATE": "updated", "CREATE": "created", "DELETE": "deleted"}
_RESOURCE = {"Resource type": "resourceType", "Resource": "resourceId"}
"""Which resource a compliance change or a configuration item is about: label → key."""


def message_of(payload: Mapping[str, object]) -> Mapping[str, object]:
    """The Config message: the EventBridge event's detail, or the SNS message itself."""
    detail = mapping(payload.get("detail"))
    return detail if "messageType" in detail else payload


def is_config(payload: Mapping[str, object]) -> bool:
    kind = text(message_of(payload).get("messageType"))
    return kind in ("ComplianceChangeNotification", "ConfigurationItemChangeNotification")


def read(payload: Mapping[str, object]) -> Notice:
    message = message_of(payload)
    if text(message.get("messageType")) == "ComplianceChangeNotification":
        return _compliance(payload, message)
    return _item_change(payload, message)


def _compliance(payload: Mapping[str, object], message: Mapping[str, object]) -> Notice:
    new = text(dig(message, "newEvaluationResult", "complianceType"))
    old = text(dig(message, "oldEvaluationResult", "complianceType"))
    rule = text(message.get("configRuleName"))
    resource = joined((message.get("resourceType"), message.get("resourceId")), " ")
    return Notice(
        kind="AWS Config",
        headline=joined((resource, f"{new} with {rule}" if new and rule else new or rule)),
        level=state_level(new),
        facts=facts(
            fact("Rule", rule),
            fact("Compliance", new),
            fact("Previously", old),
            *facts_from(message, _RESOURCE, exact=True),
            fact("Region", message.get("awsRegion") or payload.get("region")),
            account_fact(message.get("awsAccountId") or payload.get("account")),
        ),
        details=text(dig(message, "newEvaluationResult", "annotation")),
        time=first_time(
            message.get("notificationCreationTime"),
            dig(message, "newEvaluationResult", "resultRecordedTime"),
            payload.get("time"),
        ),
    )


def _item_change(payload: Mapping[str, object], message: Mapping[str, object]) -> Notice:
    item = message.get("configurationItem")
    item = mapping(items(item)[0] if isinstance(item, list) and item else item)
    diff = mapping(message.get("configurationItemDiff"))
    kind = text(diff.get("changeType"))
    changed = list(mapping(diff.get("changedProperties")).items())
    changes = [
        fact(
            str(name),
            change(
                field(mapping(c), "previousValue"),
                field(mapping(c), "updatedValue"),
                text(mapping(c).get("changeType")),
            ),
        )
        for name, c in changed[:MAX_CHANGES]
    ]
    resource = joined((item.get("resourceType"), item.get("resourceId")), " ")
    return Notice(
        kind="AWS Config",
        headline=joined((resource or "configuration item", _DONE.get(kind.upper(), "changed"))),
        level="warn" if text(item.get("configurationItemStatus")).endswith("Deleted") else "info",
        facts=facts(
            *facts_from(item, _RESOURCE, exact=True),
            fact("Change", kind),
            *changes,
            fact("More changes", f"{len(changed) - MAX_CHANGES} more" if len(changed) > MAX_CHANGES else ""),
            fact("Status", item.get("configurationItemStatus")),
            fact("Region", item.get("awsRegion") or payload.get("region")),
            account_fact(item.get("awsAccountId") or item.get("accountId") or payload.get("account")),
        ),
        time=first_time(
            item.get("configurationItemCaptureTime"),
            message.get("notificationCreationTime") or message.get("NotificationCreateTime"),
            payload.get("time"),
        ),
    )
