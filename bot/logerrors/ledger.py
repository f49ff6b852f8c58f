"""Each error kind's tally in the incidents table (``logerr#<digest>``) and the decision a new batch makes:
a kind seen for the first time is announced; a known kind is counted, and announced again — its card edited
with the new count, a note in its thread — at most once per ``note_every_s`` for that kind and at most
``notes_per_minute`` times a minute in the channel. Everything else is only counted: 10,000 lines of one
kind are one number, not 10,000 messages. New kinds are announced up to ``new_per_minute`` a minute per log
group (bursts of them go through the storm grouping); beyond that they are counted and stay new, and the
forwarder says how many in one card — lines that differ in what a user typed cannot flood a channel.

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
Why = Literal["new", "repeat"]


@dataclass(frozen=True)
class Tally:
    count: int
    first_ms: int
    last_ms: int


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

    def record(self, kind: Kind, channel: str) -> Decision:
        now = self.clock()
        response = self.dynamodb.update_item(
            TableName=self.table,
            Key={"pk": {"S": kind.key}},
            UpdateExpression=(
                "ADD #count :n SET first_ms = if_not_exists(first_ms, :first), last_ms = :last, "
                "log_group = :group, expiration = :ttl"
            ),
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={
                ":n": {"N": str(kind.count)},
                ":first": {"N": str(kind.first_ms)},
                ":last": {"N": str(kind.last_ms)},
                ":group": {"S": kind.group},
                ":ttl": {"N": str(int(now) + TTL_S)},
            },
            ReturnValues="ALL_NEW",
        )
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

    def new_kind_allowed(self, group: str) -> bool:
        """One more new kind announced in ``group`` this minute, if under ``new_per_minute``."""
        digest = hashlib.sha256(group.encode()).hexdigest()[:24]
        return self._counted(f"logerr-new#{digest}", self.clock()) <= self.new_per_minute

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
