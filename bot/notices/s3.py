"""Amazon S3 events that reach the topic: bucket event notifications (``{"Records": [{"eventSource": "aws:s3",
…}]}`` — object created or removed, restores, replication failures with their reason), the ``s3:TestEvent`` a
new notification configuration sends, and S3's EventBridge events ("Object Created", "Object Deleted", …)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from bot.coerce import items, mapping, text
from bot.notices.model import Notice
from bot.notices.reading import detail_of, dig, fact, facts, facts_from, field, joined, origin

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = (
    "Object Created",
    "Object Deleted",
    "Object Restore Initiated",
    "Object Restore Completed",
    "Object Restore Expired",
    "Object Tags Added",
    "Object Tags Deleted",
    "Object ACL Updated",
    "Object Storage Class Changed",
    "Object Access Tier Changed",
)
_REPLICATION = {
    "Failure": "failureReason",
    "Destination": "destinationBucket",
    "Operation": "s3Operation",
    "Replication rule": "replicationRuleId",
}
"""What a replication event's ``replicationEventData`` says: label → key."""


def _records(payload: Mapping[str, object]) -> list[Mapping[str, object]]:
    return [mapping(r) for r in items(payload.get("Records")) if text(mapping(r).get("eventSource")) == "aws:s3"]


def is_notification(payload: Mapping[str, object]) -> bool:
    """A bucket's event notification, or the test event S3 sends when one is configured."""
    return bool(_records(payload)) or text(payload.get("Event")) == "s3:TestEvent"


def _level(event: str) -> str:
    lowered = event.lower()
    if "failed" in lowered or "lostobject" in lowered:
        return "bad"
    return "warn" if "missedthreshold" in lowered else "info"


def _address(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}" if bucket else key


def _object(event: str, bucket: str, key: str, obj: Mapping[str, object]) -> tuple[tuple[str, str] | None, ...]:
    """The facts both kinds of object event open with: what happened to which object, and its size."""
    size = obj.get("size")
    return (
        fact("Event", event),
        fact("Bucket", bucket),
        fact("Object", key),
        fact("Size", f"{size} bytes" if size is not None else ""),
    )


def read_notification(payload: Mapping[str, object]) -> Notice:
    records = _records(payload)
    if not records:  # s3:TestEvent
        return Notice(
            kind="Amazon S3",
            headline=joined((payload.get("Bucket"), "test event")),
            facts=facts(fact("Bucket", payload.get("Bucket")), fact("Event", payload.get("Event"))),
            time=text(payload.get("Time")),
        )
    record = records[0]
    s3 = mapping(record.get("s3"))
    bucket = text(dig(s3, "bucket", "name"))
    obj = mapping(s3.get("object"))
    key = text(obj.get("urlDecodedKey")) or unquote_plus(text(obj.get("key")))
    event = text(record.get("eventName")).removeprefix("s3:")
    replication = mapping(record.get("replicationEventData"))
    restore = mapping(record.get("restoreEventData"))
    return Notice(
        kind="Amazon S3",
        headline=joined((_address(bucket, key), event)),
        level=_level(event),
        facts=facts(
            *_object(event, bucket, key, obj),
            fact("Version", obj.get("versionId")),
            *facts_from(replication, _REPLICATION, exact=True),
            fact("Restored until", restore.get("lifecycleRestorationExpiryTime")),
            fact("Storage class", restore.get("lifecycleRestoreStorageClass")),
            fact("By", dig(record, "userIdentity", "principalId")),
            fact("Source IP", dig(record, "requestParameters", "sourceIPAddress")),
            fact("Region", record.get("awsRegion")),
            fact("More events", f"{len(records) - 1} more in this notification" if len(records) > 1 else ""),
        ),
        time=text(record.get("eventTime")),
    )


def read(payload: Mapping[str, object]) -> Notice:
    detail = detail_of(payload)
    bucket = text(dig(detail, "bucket", "name"))
    obj = mapping(detail.get("object"))
    key = text(obj.get("key"))
    kind = text(payload.get("detail-type"))
    return Notice(
        kind="Amazon S3",
        headline=joined((_address(bucket, key), kind, field(detail, "reason", "deletion-type"))),
        facts=facts(
            *_object(kind, bucket, key, obj),
            fact("Reason", detail.get("reason")),
            fact("Deletion", detail.get("deletion-type")),
            fact("Restored until", detail.get("restore-expiry-time")),
            fact("Storage class", detail.get("source-storage-class") or detail.get("destination-storage-class")),
            fact("By", detail.get("requester")),
            fact("Source IP", detail.get("source-ip-address")),
            *origin(payload),
        ),
        time=text(payload.get("time")),
    )
