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
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from bot import aws

STORM_TTL_S = 2 * 86400
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
    top: list[dict[str, Any]] = field(default_factory=list)


class StormStore:
    def __init__(self, table: str, client: Any) -> None:
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
            Key={"pk": {"S": key}},
            UpdateExpression="SET joined = if_not_exists(joined, :joined)",
            ExpressionAttributeValues={":joined": {"S": joined}},
        )

    def count(self, key: str, channel: str) -> int:
        """A sequence number for one more entry of storm ``key``."""
        return self._add(key, channel, "count", None)

    def head(self, key: str) -> Head:
        return self._head_of(key, self._get(key))

    # --- entries ---------------------------------------------------------------------------------------------

    def put_entry(self, key: str, seq: int, entry: dict[str, Any]) -> bool:
        """Write entry ``seq``; False when the number was given up (a flusher tombstoned it: take another)."""
        return self._put_once(f"{key}#{seq}", {"entry": {"S": json.dumps(entry)}})

    def entry(self, key: str, seq: int) -> dict[str, Any] | None:
        """Entry ``seq``: its values, ``{"tombstone": True}``, or None when it was never written."""
        item = self._get(f"{key}#{seq}")
        if not item:
            return None
        return json.loads(item["entry"]["S"]) if "entry" in item else {"tombstone": True}

    def give_up(self, key: str, seq: int) -> bool:
        """Tombstone ``seq`` if its writer never wrote it (True), so the storm can move on; its writer's retry
        counts again. False: the entry landed after all."""
        return self._put_once(f"{key}#{seq}", {"tombstone": {"BOOL": True}})

    def entries(self, key: str, first: int, last: int) -> dict[int, dict[str, Any]]:
        """Entries ``first``..``last`` that exist (tombstones as ``{"tombstone": True}``), by sequence number."""
        wanted = {f"{key}#{seq}": seq for seq in range(first, last + 1)}
        found: dict[int, dict[str, Any]] = {}
        request = {self.table: {"Keys": [{"pk": {"S": k}} for k in wanted], "ConsistentRead": True}}
        while request:
            response = self.client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self.table, []):
                seq = wanted[item["pk"]["S"]]
                found[seq] = json.loads(item["entry"]["S"]) if "entry" in item else {"tombstone": True}
            request = response.get("UnprocessedKeys") or {}
        return found

    # --- the flusher's lease -----------------------------------------------------------------------------------

    def take_lease(self, key: str, owner: str, lease_s: float) -> Head | None:
        """The storm's head with the lease now ours (free, expired, or already ours); None: someone holds it."""
        now = time.time()
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": key}},
                UpdateExpression="SET lease_owner = :me, lease_until = :until",
                ConditionExpression=(
                    "attribute_exists(pk) AND (attribute_not_exists(lease_until) OR lease_until < :now "
                    "OR lease_owner = :me)"
                ),
                ExpressionAttributeValues={
                    ":me": {"S": owner},
                    ":until": {"N": str(now + lease_s)},
                    ":now": {"N": str(now)},
                },
                ReturnValues="ALL_NEW",
            )
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return self._head_of(key, response["Attributes"])

    def record(self, key: str, owner: str, lease_s: float, **changes: Any) -> None:
        """Set ``changes`` on the head while the lease is ours (and renew it); ``LeaseLost`` otherwise.
        ``flushing=None`` removes the range being posted."""
        names, values, sets, removes = {}, {":me": {"S": owner}}, ["lease_until = :until"], []
        values[":until"] = {"N": str(time.time() + lease_s)}
        for i, (name, value) in enumerate(changes.items()):
            if value is None:
                removes.append(f"#a{i}")
            else:
                sets.append(f"#a{i} = :v{i}")
                values[f":v{i}"] = _attribute(value)
            names[f"#a{i}"] = name
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": key}},
                UpdateExpression=expression,
                ConditionExpression="lease_owner = :me",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                raise LeaseLost(key) from None
            raise

    def release(self, key: str, owner: str, *, if_shown: int | None = None) -> bool:
        """Give the lease back (when ``if_shown``: only if nothing was counted beyond it). False: an entry
        came in meanwhile (or the lease is no longer ours): keep flushing."""
        condition, values = "lease_owner = :me", {":me": {"S": owner}, ":zero": {"N": "0"}}
        if if_shown is not None:
            condition += " AND #count = :shown"
            values[":shown"] = {"N": str(if_shown)}
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": key}},
                UpdateExpression="SET lease_until = :zero REMOVE lease_owner",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                **({"ExpressionAttributeNames": {"#count": "count"}} if if_shown is not None else {}),
            )
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- the summary ------------------------------------------------------------------------------------------

    def summary(self, key: str) -> Summary:
        item = self._get(f"{key}#summary")
        return Summary(**json.loads(item["data"]["S"])) if item else Summary()

    def save_summary(self, key: str, summary: Summary) -> None:
        """Only the lease holder writes it; ``through`` makes folding a round twice impossible."""
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": f"{key}#summary"},
                "data": {"S": json.dumps(summary.__dict__)},
                "expiration": {"N": str(int(time.time()) + STORM_TTL_S)},
            },
        )

    # --- plumbing --------------------------------------------------------------------------------------------

    def _add(self, key: str, channel: str, counter: str, joined: str | None) -> int:
        values = {
            ":one": {"N": "1"},
            ":ttl": {"N": str(int(time.time()) + STORM_TTL_S)},
            ":ch": {"S": channel},
        }
        expression = "ADD #c :one SET expiration = if_not_exists(expiration, :ttl), channel = :ch"
        if joined:
            expression += ", joined = if_not_exists(joined, :joined)"
            values[":joined"] = {"S": joined}
        response = self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": key}},
            UpdateExpression=expression,
            ExpressionAttributeNames={"#c": counter},
            ExpressionAttributeValues=values,
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"][counter]["N"])

    def _get(self, pk: str) -> dict[str, Any]:
        item: dict[str, Any] = self.client.get_item(
            TableName=self.table, Key={"pk": {"S": pk}}, ConsistentRead=True
        ).get("Item", {})
        return item

    def _put_once(self, pk: str, attributes: dict[str, Any]) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item={"pk": {"S": pk}, **attributes, "expiration": {"N": str(int(time.time()) + STORM_TTL_S)}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except Exception as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _head_of(self, key: str, item: dict[str, Any]) -> Head:
        flushing = json.loads(item["flushing"]["S"]) if "flushing" in item else None
        return Head(
            key=key,
            channel=_s(item, "channel"),
            openings=_n(item, "openings"),
            count=_n(item, "count"),
            shown=_n(item, "shown"),
            lease_owner=_s(item, "lease_owner"),
            lease_until=float(item.get("lease_until", {}).get("N", "0")),
            summary_ts=_s(item, "summary_ts"),
            summary_channel=_s(item, "summary_channel"),
            flushing=(int(flushing[0]), int(flushing[1])) if flushing else None,
            joined=_s(item, "joined"),
            announce=tuple(json.loads(item["announce"]["S"])) if "announce" in item else (),
        )


def _attribute(value: Any) -> dict[str, str]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return {"S": value if isinstance(value, str) else json.dumps(value)}
    return {"N": str(value)}


def _s(item: dict[str, Any], name: str) -> str:
    return str(item.get(name, {}).get("S", ""))


def _n(item: dict[str, Any], name: str) -> int:
    return int(item.get(name, {}).get("N", "0"))
