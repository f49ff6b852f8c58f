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

Its keys and their TTLs are ``bot.table_keys``'s (``logerr#``, ``logerr-batch#``, ``logerr-new#``,
``logerr-notes#``). Not for: folding lines into kinds (``bot.logerrors.kinds``) or the card
(``bot.logerrors.alarm``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import KW_ONLY, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from bot import table_keys
from bot.table_keys import LOG_BATCH_TTL_S, LOG_KIND_TTL_S, LOG_NEW_KINDS_TTL_S, LOG_NOTES_TTL_S

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

    from bot.logerrors.kinds import Kind

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


@dataclass(eq=False)
class Ledger:
    dynamodb: DynamoDBClient
    table: str
    _: KW_ONLY
    note_every_s: int = 300
    notes_per_minute: int = 10
    new_per_minute: int = 20
    clock: Callable[[], float] = time.time

    def record(self, kind: Kind, channel: str, *, counted: bool = False) -> Decision:
        """Count ``kind``'s lines (not again when ``counted``: an earlier try of this delivery counted them) and
        decide what to announce. The tally's first and last sightings are the earliest and the latest line
        ever counted, whatever order the deliveries arrive in."""
        now = self.clock()
        values = table_keys.values(
            n=0 if counted else kind.count,
            first=kind.first_ms,
            last=kind.last_ms,
            group=kind.group,
            ttl=table_keys.expires(LOG_KIND_TTL_S, now),
            name=kind.fingerprint[:NAME_CHARS],
        )
        update = (
            "ADD #count :n SET first_ms = if_not_exists(first_ms, :first), log_group = :group, expiration = :ttl, "
            "kind_name = if_not_exists(kind_name, :name)"
        )
        try:  # the usual case, newer lines than any counted: one call
            response = self.dynamodb.update_item(
                TableName=self.table,
                Key=table_keys.key(kind.key),
                UpdateExpression=update + ", last_ms = :last",
                ConditionExpression="attribute_not_exists(last_ms) OR last_ms <= :last",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:  # a late delivery: last_ms stays
            response = self.dynamodb.update_item(
                TableName=self.table,
                Key=table_keys.key(kind.key),
                UpdateExpression=update,
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={k: v for k, v in values.items() if k != ":last"},
                ReturnValues="ALL_NEW",
            )
        item = table_keys.attributes(response["Attributes"])
        if item["first_ms"] > kind.first_ms:  # lines older than the first counted
            item["first_ms"] = self._earlier(kind)
        tally = Tally(int(item["count"]), int(item["first_ms"]), int(item["last_ms"]))
        if "announced_at" not in item:  # never announced: new, until its card was delivered (mark_announced)
            return Decision(kind, "new", tally)
        if now - float(item["announced_at"]) < self.note_every_s or not self._channel_allows(channel, now):
            return Decision(kind, None, tally)
        if not self._claim_note(kind.key, item["announced_at"], now):
            return Decision(kind, None, tally)  # another invocation announced it just now
        return Decision(kind, "repeat", tally)

    def _earlier(self, kind: Kind) -> int:
        """Move the tally's first sighting back to ``kind``'s first line, unless another delivery moved it
        further back meanwhile; the first sighting now."""
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key=table_keys.key(kind.key),
                UpdateExpression="SET first_ms = :first",
                ConditionExpression="first_ms > :first",
                ExpressionAttributeValues=table_keys.values(first=kind.first_ms),
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            found = self.dynamodb.get_item(TableName=self.table, Key=table_keys.key(kind.key), ConsistentRead=True)
            return int(table_keys.attributes(found["Item"])["first_ms"])
        return kind.first_ms

    def counted_before(self, batch: str) -> frozenset[str]:
        """The kinds an earlier try of delivery ``batch`` counted (Lambda retries a failed invocation with the
        same payload): their lines are not counted again."""
        found = self.dynamodb.get_item(
            TableName=self.table, Key=table_keys.key(table_keys.log_batch(batch)), ConsistentRead=True
        )
        return frozenset(table_keys.attributes(found.get("Item", {})).get("kinds", ()))

    def mark_counted(self, batch: str, keys: list[str]) -> None:
        """Remember that delivery ``batch`` counted ``keys`` (for as long as Lambda may retry it: 6 hours)."""
        if keys:
            self.dynamodb.update_item(
                TableName=self.table,
                Key=table_keys.key(table_keys.log_batch(batch)),
                UpdateExpression="ADD kinds :kinds SET expiration = :ttl",
                ExpressionAttributeValues={
                    ":kinds": {"SS": sorted(set(keys))},  # sorted: the same request on every try
                    **table_keys.values(ttl=table_keys.expires(LOG_BATCH_TTL_S, self.clock())),
                },
            )

    def mark_announced(self, key: str) -> None:
        """A new kind's card was delivered: from now on it is a repeat. Until then every batch announces it
        again (the alert lifecycle posts it once: its change key is the kind and its first sighting)."""
        self.dynamodb.update_item(
            TableName=self.table,
            Key=table_keys.key(key),
            UpdateExpression="SET announced_at = if_not_exists(announced_at, :now)",
            ExpressionAttributeValues=table_keys.values(now=_milliseconds(self.clock())),
        )

    def _claim_note(self, key: str, seen: Decimal, now: float) -> bool:
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key=table_keys.key(key),
                UpdateExpression="SET announced_at = :now",
                ConditionExpression="announced_at = :seen",
                ExpressionAttributeValues=table_keys.values(now=_milliseconds(now), seen=seen),
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
                Key=table_keys.key(_new_kinds_key(kind.group, now)),
                UpdateExpression="ADD kinds :kinds SET expiration = :ttl",
                ConditionExpression=(
                    "attribute_not_exists(kinds) OR contains(kinds, :kind) OR size(kinds) < :share"
                ),
                ExpressionAttributeValues=table_keys.values(
                    kinds={kind.key},
                    kind=kind.key,
                    share=self.new_per_minute,
                    ttl=table_keys.expires(LOG_NEW_KINDS_TTL_S, now),
                ),
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def places(self, kinds: list[Kind]) -> dict[str, bool]:
        """For ``kinds`` (new, of one group): whether each has a place among the group's minute
        (``new_kind_allowed``), in two calls however many there are — the minute's set read, then the places
        left taken at once, on condition that the set still has room for all of them. A kind another delivery
        placed keeps its place. When a concurrent delivery took places in between, one kind at a time."""
        if len(kinds) <= 1:
            return self._places_one_by_one(kinds)
        minute = table_keys.key(_new_kinds_key(kinds[0].group, self.clock()))
        found = self.dynamodb.get_item(TableName=self.table, Key=minute, ConsistentRead=True).get("Item", {})
        taken = set(table_keys.attributes(found).get("kinds", set()))
        wanted = [k for k in kinds if k.key not in taken][: max(0, self.new_per_minute - len(taken))]
        if wanted:
            try:
                self.dynamodb.update_item(
                    TableName=self.table,
                    Key=minute,
                    UpdateExpression="ADD kinds :kinds SET expiration = :ttl",
                    ConditionExpression="attribute_not_exists(kinds) OR size(kinds) <= :room",
                    ExpressionAttributeValues=table_keys.values(
                        kinds={k.key for k in wanted},
                        room=self.new_per_minute - len(wanted),
                        ttl=table_keys.expires(LOG_NEW_KINDS_TTL_S, self.clock()),
                    ),
                )
            except self.dynamodb.exceptions.ConditionalCheckFailedException:
                return self._places_one_by_one(kinds)
        placed = taken | {k.key for k in wanted}
        return {k.key: k.key in placed for k in kinds}

    def _places_one_by_one(self, kinds: list[Kind]) -> dict[str, bool]:
        """``places``, one conditional write a kind until the minute is full; the rest by one read of its set."""
        allowed: dict[str, bool] = {}
        for i, kind in enumerate(kinds):
            if self.new_kind_allowed(kind):
                allowed[kind.key] = True
                continue
            minute = table_keys.key(_new_kinds_key(kind.group, self.clock()))
            found = self.dynamodb.get_item(TableName=self.table, Key=minute, ConsistentRead=True).get("Item", {})
            taken = set(table_keys.attributes(found).get("kinds", set()))
            allowed.update({rest.key: rest.key in taken for rest in kinds[i:]})
            break
        return allowed

    def hold(self, kinds: list[Kind]) -> Held:
        """``kinds`` (new, of one group) held back this minute: added to the group's minute, each kind once
        however many deliveries hold it; what the minute holds now, with the names its card lists."""
        now = self.clock()
        key = table_keys.key(_new_kinds_key(kinds[0].group, now))
        ttl, lines = table_keys.expires(LOG_NEW_KINDS_TTL_S, now), sum(k.count for k in kinds)
        mine = {k.key: k.fingerprint[:NAME_CHARS] for k in kinds}
        try:
            item = self.dynamodb.update_item(
                TableName=self.table,
                Key=key,
                UpdateExpression="ADD held :held, held_lines :lines, held_beyond :beyond SET expiration = :ttl",
                ConditionExpression="attribute_not_exists(held) OR size(held) < :max",
                ExpressionAttributeValues={
                    ":held": {"SS": sorted(mine)[:HELD_AT_ONCE]},  # sorted: always the same first ones
                    **table_keys.values(
                        beyond=max(0, len(mine) - HELD_AT_ONCE), lines=lines, max=HELD_MAX, ttl=ttl
                    ),
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except self.dynamodb.exceptions.ConditionalCheckFailedException:  # too many to remember: counted only
            item = self.dynamodb.update_item(
                TableName=self.table,
                Key=key,
                UpdateExpression="ADD held_beyond :n, held_lines :lines SET expiration = :ttl",
                ExpressionAttributeValues=table_keys.values(n=len(mine), lines=lines, ttl=ttl),
                ReturnValues="ALL_NEW",
            )["Attributes"]
        minute = table_keys.attributes(item)
        held = sorted(minute.get("held", ()))
        count = len(held) + int(minute.get("held_beyond", 0))
        listed = held[:LISTED]
        names = {**self._names([k for k in listed if k not in mine]), **mine}
        return Held(count, int(minute["held_lines"]), tuple(names[k] for k in listed if k in names))

    def _names(self, keys: list[str]) -> dict[str, str]:
        """The names of kinds other deliveries held (kept with their tallies)."""
        found: dict[str, str] = {}
        for item in table_keys.batch_get(self.dynamodb, self.table, keys):
            if "kind_name" in item:
                found[item[table_keys.KEY]] = item["kind_name"]
        return found

    def _channel_allows(self, channel: str, now: float) -> bool:
        """Whether ``channel`` may have one more repeat note this minute (counted now)."""
        response = self.dynamodb.update_item(
            TableName=self.table,
            Key=table_keys.key(table_keys.log_notes(channel, int(now // 60))),
            UpdateExpression="ADD #count :one SET expiration = :ttl",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues=table_keys.values(one=1, ttl=table_keys.expires(LOG_NOTES_TTL_S, now)),
            ReturnValues="UPDATED_NEW",
        )
        return int(table_keys.attributes(response["Attributes"])["count"]) <= self.notes_per_minute


def _new_kinds_key(group: str, now: float) -> str:
    """``group``'s minute of new kinds."""
    return table_keys.log_new_kinds(hashlib.sha256(group.encode()).hexdigest()[:24], int(now // 60))


def _milliseconds(at: float) -> Decimal:
    """When a kind was announced, to the millisecond (as it was always written)."""
    return Decimal(f"{at:.3f}")
