"""Storm records in the incidents table, flat at any size: a small head item per storm (its counter, what has
been shown, who flushes it), one item per entry, and one summary item the flusher keeps.

``storm#<channel>#<window>``            head: ``openings`` (each opening alarm's rank in the window), ``count``
                                        (the sequence number of every entry), ``shown`` (every entry up to it
                                        is in Slack or was given up),
                                        ``lease_owner``/``lease_until``, the summary's ts and channel id, and
                                        ``flushing`` (the range a flusher is posting: a successor looks first)
``storm#<channel>#<window>#<seq>``      one entry (an alarm's state change), or a tombstone for a sequence
                                        number whose writer died before writing it
``storm#<channel>#<window>#summary``    what the summary shows: counts, severity, mentions, the first alarms

Each alarm writes a few small items whatever the storm's size; a flusher reads at most ``PAGE`` entries a round.
The keys and their TTL are ``bot.table_keys``'s.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot import aws, coerce, table_keys
from bot.table_keys import STORM_TTL_S

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import UpdateItemInputTypeDef

    from bot.lifecycle.decisions import StormEntry

PAGE = 100
"""Entries a flush round reads (one BatchGetItem) and posts."""


class LeaseLost(Exception):
    """Another flusher holds the storm now."""


@dataclass(frozen=True)
class Head:
    key: str
    channel: str = ""
    openings: int = 0
    count: int = 0
    shown: int = 0
    lease_owner: str = ""
    lease_until: float = 0.0
    summary_ts: str = ""
    summary_channel: str = ""
    flushing: tuple[int, int] | None = None
    joined: str = ""
    """The storm this window's openings joined (the window before's, still going)."""
    announce: tuple[str, ...] = ()
    """The mentions the round being posted calls (part of what it posts)."""

    @property
    def pending(self) -> bool:
        return self.count > self.shown


@dataclass
class Summary:
    """What the storm's summary message shows, folded from its entries in order (``through``: the last one)."""

    through: int = 0
    alarms: int = 0
    firing: int = 0
    severity: str = ""
    mentions: list[str] = field(default_factory=list)
    top: list[StormEntry] = field(default_factory=list)


class StormStore:
    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self.table = table
        self.client = client

    def open(self, key: str, channel: str, joined: str | None = None) -> int:
        """Count an alarm opening in the window of storm ``key``: its rank. ``joined``: the window's openings go
        to that (still going) storm, and so will the next window's."""
        return self._add(key, channel, "openings", joined)

    def join(self, key: str, joined: str) -> None:
        """Say that the openings of ``key``'s window go to the (still going) storm ``joined`` (the first one
        said stays)."""
        self.client.update_item(
            TableName=self.table,
            Key=table_keys.key(key),
            UpdateExpression="SET joined = if_not_exists(joined, :joined)",
            ExpressionAttributeValues=table_keys.values(joined=joined),
        )

    def count(self, key: str, channel: str) -> int:
        """A sequence number for one more entry of storm ``key``."""
        return self._add(key, channel, "count", None)

    def head(self, key: str) -> Head:
        return self._head_of(key, self._get(key))

    # --- entries ---------------------------------------------------------------------------------------------

    def put_entry(self, key: str, seq: int, entry: StormEntry) -> bool:
        """Write entry ``seq``; False when the number was given up (a flusher tombstoned it: take another)."""
        return self._put_once(table_keys.storm_entry(key, seq), entry=json.dumps(entry))

    def entry(self, key: str, seq: int) -> StormEntry | None:
        """Entry ``seq``: its values, ``{"tombstone": True}``, or None when it was never written."""
        item = self._get(table_keys.storm_entry(key, seq))
        return _entry(item) if item else None

    def give_up(self, key: str, seq: int) -> bool:
        """Tombstone ``seq`` if its writer never wrote it (True), so the storm can move on; its writer's retry
        counts again. False: the entry landed after all."""
        return self._put_once(table_keys.storm_entry(key, seq), tombstone=True)

    def entries(self, key: str, first: int, last: int) -> dict[int, StormEntry]:
        """Entries ``first``..``last`` that exist (tombstones as ``{"tombstone": True}``), by sequence number."""
        wanted = {table_keys.storm_entry(key, seq): seq for seq in range(first, last + 1)}
        found: dict[int, StormEntry] = {}
        for item in table_keys.batch_get(self.client, self.table, list(wanted)):
            found[wanted[coerce.text(item[table_keys.KEY])]] = _entry(item)
        return found

    # --- the flusher's lease -----------------------------------------------------------------------------------

    def take_lease(self, key: str, owner: str, lease_s: float) -> Head | None:
        """The storm's head with the lease now ours (free, expired, or already ours); None: someone holds it."""
        now = time.time()
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key=table_keys.key(key),
                UpdateExpression="SET lease_owner = :me, lease_until = :until",
                ConditionExpression=(
                    "attribute_exists(pk) AND (attribute_not_exists(lease_until) OR lease_until < :now "
                    "OR lease_owner = :me)"
                ),
                ExpressionAttributeValues=table_keys.values(me=owner, until=now + lease_s, now=now),
                ReturnValues="ALL_NEW",
            )
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return self._head_of(key, table_keys.attributes(response["Attributes"]))

    def record(self, key: str, owner: str, lease_s: float, **changes: object) -> None:
        """Set ``changes`` on the head while the lease is ours (and renew it); ``LeaseLost`` otherwise.
        ``flushing=None`` removes the range being posted."""
        names, sets, removes = {}, ["lease_until = :until"], []
        values: dict[str, object] = {"me": owner, "until": time.time() + lease_s}
        for i, (name, value) in enumerate(changes.items()):
            if value is None:
                removes.append(f"#a{i}")
            else:
                sets.append(f"#a{i} = :v{i}")
                values[f"v{i}"] = _attribute(value)
            names[f"#a{i}"] = name
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            self.client.update_item(
                TableName=self.table,
                Key=table_keys.key(key),
                UpdateExpression=expression,
                ConditionExpression="lease_owner = :me",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=table_keys.values(**values),
            )
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                raise LeaseLost(key) from None
            raise

    def release(self, key: str, owner: str, *, if_shown: int | None = None) -> bool:
        """Give the lease back (when ``if_shown``: only if nothing was counted beyond it). False: an entry
        came in meanwhile (or the lease is no longer ours): keep flushing."""
        condition, values = "lease_owner = :me", {"me": owner, "zero": 0}
        if if_shown is not None:
            condition += " AND #count = :shown"
            values["shown"] = if_shown
        request: UpdateItemInputTypeDef = {
            "TableName": self.table,
            "Key": table_keys.key(key),
            "UpdateExpression": "SET lease_until = :zero REMOVE lease_owner",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": table_keys.values(**values),
        }
        if if_shown is not None:
            request["ExpressionAttributeNames"] = {"#count": "count"}
        try:
            self.client.update_item(**request)
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- the summary ------------------------------------------------------------------------------------------

    def summary(self, key: str) -> Summary:
        item = self._get(table_keys.storm_summary(key))
        return Summary(**json.loads(coerce.text(item["data"]))) if item else Summary()

    def save_summary(self, key: str, summary: Summary) -> None:
        """Only the lease holder writes it; ``through`` makes folding a round twice impossible."""
        self.client.put_item(
            TableName=self.table,
            Item=table_keys.item(
                table_keys.storm_summary(key),
                data=json.dumps(summary.__dict__),
                expiration=table_keys.expires(STORM_TTL_S, time.time()),
            ),
        )

    # --- plumbing --------------------------------------------------------------------------------------------

    def _add(self, key: str, channel: str, counter: str, joined: str | None) -> int:
        values: dict[str, object] = {"one": 1, "ttl": table_keys.expires(STORM_TTL_S, time.time()), "ch": channel}
        expression = "ADD #c :one SET expiration = if_not_exists(expiration, :ttl), channel = :ch"
        if joined:
            expression += ", joined = if_not_exists(joined, :joined)"
            values["joined"] = joined
        response = self.client.update_item(
            TableName=self.table,
            Key=table_keys.key(key),
            UpdateExpression=expression,
            ExpressionAttributeNames={"#c": counter},
            ExpressionAttributeValues=table_keys.values(**values),
            ReturnValues="UPDATED_NEW",
        )
        return coerce.whole(table_keys.attributes(response["Attributes"])[counter]) or 0

    def _get(self, pk: str) -> dict[str, object]:
        """Item ``pk`` as Python values; {} when there is none."""
        found = self.client.get_item(TableName=self.table, Key=table_keys.key(pk), ConsistentRead=True)
        return table_keys.attributes(found.get("Item", {}))

    def _put_once(self, pk: str, **attributes: object) -> bool:
        expiration = table_keys.expires(STORM_TTL_S, time.time())
        try:
            self.client.put_item(
                TableName=self.table,
                Item=table_keys.item(pk, **attributes, expiration=expiration),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _head_of(self, key: str, item: Mapping[str, object]) -> Head:
        """The head from its item (as Python values: its numbers are ``Decimal``)."""
        flushing = json.loads(coerce.text(item["flushing"])) if "flushing" in item else None
        return Head(
            key=key,
            channel=coerce.text(item.get("channel")),
            openings=coerce.whole(item.get("openings")) or 0,
            count=coerce.whole(item.get("count")) or 0,
            shown=coerce.whole(item.get("shown")) or 0,
            lease_owner=coerce.text(item.get("lease_owner")),
            lease_until=coerce.number(item.get("lease_until")) or 0.0,
            summary_ts=coerce.text(item.get("summary_ts")),
            summary_channel=coerce.text(item.get("summary_channel")),
            flushing=(int(flushing[0]), int(flushing[1])) if flushing else None,
            joined=coerce.text(item.get("joined")),
            announce=tuple(json.loads(coerce.text(item["announce"]))) if "announce" in item else (),
        )


def _entry(item: Mapping[str, object]) -> StormEntry:
    """An entry's values (the JSON this store wrote), or ``{"tombstone": True}``."""
    if "entry" not in item:
        return {"tombstone": True}
    entry: StormEntry = json.loads(coerce.text(item["entry"]))
    return entry


def _attribute(value: object) -> object:
    """What ``record`` stores: numbers as numbers, strings as they are, anything else as JSON text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value if isinstance(value, str) else json.dumps(value)
    return value
