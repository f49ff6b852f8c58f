"""Each error kind's tally in the incidents table (``logerr#<digest>``) and the decision a new batch makes:
a kind seen for the first time is announced; a known kind is counted, and announced again — its card edited
with the new count, a note in its thread — at most once per ``note_every_s`` for that kind and at most
``notes_per_minute`` times a minute in the channel. Everything else is only counted: 10,000 lines of one
kind are one number, not 10,000 messages. New kinds are announced up to ``new_per_minute`` a minute per log
group (bursts of them go through the storm grouping): each distinct kind takes one of the minute's places, once,
whichever delivery shows it, so concurrent deliveries of the same kinds never use up the share between them.
Beyond that they are counted and stay new, and the forwarder names them in one card for the group's minute
(``hold``: every delivery adds its own, the card shows them all) — lines that differ in what a user typed
cannot flood a channel.

Not for: folding lines into kinds (``bot.logerrors.kinds``) or the card (``bot.logerrors.alarm``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.logerrors.kinds import Kind

TTL_S = 30 * 86400
BATCH_TTL_S = 7 * 3600
"""How long a delivery's counted kinds are remembered: beyond Lambda's longest asynchronous retry (6 hours)."""
Why = Literal["new", "repeat"]
NAME_CHARS = 150
"""A kind's name as an overflow card lists it (its fingerprint's head), kept with its tally."""
LISTED = 10
"""Held kinds an overflow card names (a card shows at most 12 facts: the group, these, and how many more)."""
HELD_MAX, HELD_AT_ONCE = 2000, 500
"""Held kinds a group's minute remembers one by one (≈ 60 KB), and one delivery adds at most (so the item stays
far below DynamoDB's 400 KB); beyond that they are only counted."""


@dataclass(frozen=True)
class Tally:
    count: int
    first_ms: int
    last_ms: int


@dataclass(frozen=True)
class Held:
    """A group's new kinds held back this minute, across every delivery: how many, how many lines of them
    were delivered, and the names of the first ``LISTED`` (in a stable order, so every card lists the same)."""

    count: int
    lines: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    kind: Kind
    why: Why | None
    """Announce as new, again as a repeat, or None: counted only."""
    tally: Tally


class Ledger:
    def __init__(
        self,
        dynamodb: Any,
        table: str,
        *,
        note_every_s: int = 300,
        notes_per_minute: int = 10,
        new_per_minute: int = 20,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.note_every_s = note_every_s
        self.notes_per_minute = notes_per_minute
        self.new_per_minute = new_per_minute
        self.clock = clock

    def record(self, kind: Kind, channel: str, *, counted: bool = False) -> Decision:
        """Count ``kind``'s lines (not again when ``counted``: an earlier try of this delivery counted them) and
        decide what to announce. The tally's first and last sightings are the earliest and the latest line
        ever counted, whatever order the deliveries arrive in."""
        now = self.clock()
        values = {
            ":n": {"N": "0" if counted else str(kind.count)},
            ":first": {"N": str(kind.first_ms)},
            ":last": {"N": str(kind.last_ms)},
            ":group": {"S": kind.group},
            ":ttl": {"N": str(int(now) + TTL_S)},
            ":name": {"S": kind.fingerprint[:NAME_CHARS]},
        }
        update = (
            "ADD #count :n SET first_ms = if_not_exists(first_ms, :first), log_group = :group, expiration = :ttl, "
            "kind_name = if_not_exists(kind_name, :name)"
        )
        try:  # the usual case, newer lines than any counted: one call
            response = self.dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": kind.key}},
                UpdateExpression=update + ", last_ms = :last",
                ConditionExpression="attribute_not_exists(last_ms) OR last_ms <= :last",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:  # a late delivery: last_ms stays
            response = self.dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": kind.key}},
                UpdateExpression=update,
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={k: v for k, v in values.items() if k != ":last"},
                ReturnValues="ALL_NEW",
            )
        if int(response["Attributes"]["first_ms"]["N"]) > kind.first_ms:  # lines older than the first counted
            response["Attributes"]["first_ms"] = self._earlier(kind)
        item = response["Attributes"]
        tally = Tally(int(item["count"]["N"]), int(item["first_ms"]["N"]), int(item["last_ms"]["N"]))
        if "announced_at" not in item:  # never announced: new, until its card was delivered (mark_announced)
            return Decision(kind, "new", tally)
        announced = float(item["announced_at"]["N"])
        if now - announced < self.note_every_s or not self._channel_allows(channel, now):
            return Decision(kind, None, tally)
        if not self._claim_note(kind.key, item["announced_at"]["N"], now):
            return Decision(kind, None, tally)  # another invocation announced it just now
        return Decision(kind, "repeat", tally)

    def _earlier(self, kind: Kind) -> dict[str, str]:
        """Move the tally's first sighting back to ``kind``'s first line, unless another delivery moved it
        further back meanwhile; the first sighting now."""
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": kind.key}},
                UpdateExpression="SET first_ms = :first",
                ConditionExpression="first_ms > :first",
                ExpressionAttributeValues={":first": {"N": str(kind.first_ms)}},
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            item = self.dynamodb.get_item(TableName=self.table, Key={"pk": {"S": kind.key}}, ConsistentRead=True)
            return dict(item["Item"]["first_ms"])
        return {"N": str(kind.first_ms)}

    def counted_before(self, batch: str) -> frozenset[str]:
        """The kinds an earlier try of delivery ``batch`` counted (Lambda retries a failed invocation with the
        same payload): their lines are not counted again."""
        item = self.dynamodb.get_item(
            TableName=self.table, Key={"pk": {"S": f"logerr-batch#{batch}"}}, ConsistentRead=True
        ).get("Item", {})
        return frozenset(item.get("kinds", {}).get("SS", []))

    def mark_counted(self, batch: str, keys: list[str]) -> None:
        """Remember that delivery ``batch`` counted ``keys`` (for as long as Lambda may retry it: 6 hours)."""
        if keys:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": f"logerr-batch#{batch}"}},
                UpdateExpression="ADD kinds :kinds SET expiration = :ttl",
                ExpressionAttributeValues={
                    ":kinds": {"SS": sorted(set(keys))},
                    ":ttl": {"N": str(int(self.clock()) + BATCH_TTL_S)},
                },
            )

    def mark_announced(self, key: str) -> None:
        """A new kind's card was delivered: from now on it is a repeat. Until then every batch announces it
        again (the alert lifecycle posts it once: its change key is the kind and its first sighting)."""
        self.dynamodb.update_item(
            TableName=self.table,
            Key={"pk": {"S": key}},
            UpdateExpression="SET announced_at = if_not_exists(announced_at, :now)",
            ExpressionAttributeValues={":now": {"N": f"{self.clock():.3f}"}},
        )

    def _claim_note(self, key: str, seen: str, now: float) -> bool:
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": key}},
                UpdateExpression="SET announced_at = :now",
                ConditionExpression="announced_at = :seen",
                ExpressionAttributeValues={":now": {"N": f"{now:.3f}"}, ":seen": {"N": seen}},
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def new_kind_allowed(self, kind: Kind) -> bool:
        """A place among ``kind``'s group's ``new_per_minute`` new kinds this minute: taken for it now if one is
        left, or already its own (another delivery of the same kind took it: both build the same card, which
        the alert lifecycle posts once). False: the minute is full, the kind is held (``hold``)."""
        now = self.clock()
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": self._minute_key(kind.group, now)}},
                UpdateExpression="ADD kinds :kinds SET expiration = :ttl",
                ConditionExpression=(
                    "attribute_not_exists(kinds) OR contains(kinds, :kind) OR size(kinds) < :share"
                ),
                ExpressionAttributeValues={
                    ":kinds": {"SS": [kind.key]},
                    ":kind": {"S": kind.key},
                    ":share": {"N": str(self.new_per_minute)},
                    ":ttl": {"N": str(int(now) + 3600)},
                },
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def hold(self, kinds: list[Kind]) -> Held:
        """``kinds`` (new, of one group) held back this minute: added to the group's minute, each kind once
        however many deliveries hold it; what the minute holds now, with the names its card lists."""
        now = self.clock()
        key = {"pk": {"S": self._minute_key(kinds[0].group, now)}}
        ttl, lines = {"N": str(int(now) + 3600)}, {"N": str(sum(k.count for k in kinds))}
        mine = {k.key: k.fingerprint[:NAME_CHARS] for k in kinds}
        try:
            item = self.dynamodb.update_item(
                TableName=self.table,
                Key=key,
                UpdateExpression="ADD held :held, held_lines :lines, held_beyond :beyond SET expiration = :ttl",
                ConditionExpression="attribute_not_exists(held) OR size(held) < :max",
                ExpressionAttributeValues={
                    ":held": {"SS": sorted(mine)[:HELD_AT_ONCE]},
                    ":beyond": {"N": str(max(0, len(mine) - HELD_AT_ONCE))},
                    ":lines": lines,
                    ":max": {"N": str(HELD_MAX)},
                    ":ttl": ttl,
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except self.dynamodb.exceptions.ConditionalCheckFailedException:  # too many to remember: counted only
            item = self.dynamodb.update_item(
                TableName=self.table,
                Key=key,
                UpdateExpression="ADD held_beyond :n, held_lines :lines SET expiration = :ttl",
                ExpressionAttributeValues={":n": {"N": str(len(mine))}, ":lines": lines, ":ttl": ttl},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        held = sorted(item.get("held", {}).get("SS", []))
        count = len(held) + int(item.get("held_beyond", {}).get("N", "0"))
        listed = held[:LISTED]
        names = {**self._names([k for k in listed if k not in mine]), **mine}
        return Held(count, int(item["held_lines"]["N"]), tuple(names[k] for k in listed if k in names))

    def _names(self, keys: list[str]) -> dict[str, str]:
        """The names of kinds other deliveries held (kept with their tallies)."""
        found: dict[str, str] = {}
        request = {self.table: {"Keys": [{"pk": {"S": k}} for k in keys], "ConsistentRead": True}} if keys else {}
        while request:
            response = self.dynamodb.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self.table, []):
                if "kind_name" in item:
                    found[item["pk"]["S"]] = item["kind_name"]["S"]
            request = response.get("UnprocessedKeys") or {}
        return found

    @staticmethod
    def _minute_key(group: str, now: float) -> str:
        digest = hashlib.sha256(group.encode()).hexdigest()[:24]
        return f"logerr-new#{digest}#{int(now // 60)}"

    def _channel_allows(self, channel: str, now: float) -> bool:
        return self._counted(f"logerr-notes#{channel}", now) <= self.notes_per_minute

    def _counted(self, prefix: str, now: float) -> int:
        response = self.dynamodb.update_item(
            TableName=self.table,
            Key={"pk": {"S": f"{prefix}#{int(now // 60)}"}},
            UpdateExpression="ADD #count :one SET expiration = :ttl",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(int(now) + 3600)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["count"]["N"])
