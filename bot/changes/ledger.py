"""The change ledger in the incidents table: each change filed under each of its resources, by the hour it
happened in (``change#<resource>#<hour>``, ``bot.table_keys``), read back for a window newest first.

The table has one hash key and no sort key, so an hour's changes to a resource are one item: a list appended to
(``list_append``), a string set of the event ids it holds — EventBridge delivers at least once and Lambda retries,
and the same event is kept once — and at most ``PER_HOUR`` changes (beyond them only counted: ``dropped``), so an
item stays far below DynamoDB's 400 KB whatever a deploy storm sends. A window of an hour is two or three items
per resource; ``read`` fetches the alarmed resource's and its neighbours' in one ``BatchGetItem``, together with
the marker that says since when the ledger has been recording (``change#ledger``): a window that starts earlier is
not covered, and the card searches CloudTrail for the rest (``bot.changes.finder``).

Where an event names only the new value (Lambda's configuration, an alias's version), the old one is the value the
ledger last recorded for the resource (``change-state#<resource>``): one ``UpdateItem`` that sets the new settings
and returns the old ones, only when the event is newer than the last recorded — a late or repeated event names no
old value rather than a wrong one.

Not for: reading events (``bot.changes.parse``), CloudTrail (``bot.changes.lookup``) or what an item holds
(``bot.changes.ledger_items``: a change as a map and back, the old values merged into its diffs).
"""

from __future__ import annotations

import time
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot import coerce, table_keys
from bot.changes.ledger_items import from_item, to_item, with_previous
from bot.table_keys import CHANGE_LEDGER, CHANGE_STATE_TTL_S, CHANGE_TTL_S, HOUR

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from mypy_boto3_dynamodb import DynamoDBClient

    from bot.changes.model import Change
    from bot.delivery import Deadline

PER_HOUR = 50
"""Changes one resource's hour keeps (each under 2 KB: ``bot.changes.cloudtrail.VALUE_CHARS``)."""
MARK_EVERY_S = 600
"""How often a container refreshes the ledger's marker (its TTL counts from the last refresh)."""
UNPROCESSED_TRIES = 3
"""BatchGetItem calls a hundred keys get on a read: DynamoDB may leave keys unprocessed under load."""
SETTING = "s:"
"""Prefix of a setting's attribute in a ``change-state#`` item."""


@dataclass(frozen=True)
class Recorded:
    change: Change
    """The change as filed: with the old values the ledger knew."""
    filed: tuple[str, ...] = ()
    """The resources it was filed under now."""
    duplicate: tuple[str, ...] = ()
    """The resources that already held it (a repeated delivery)."""
    full: tuple[str, ...] = ()
    """The resources whose hour was full: counted as dropped there, not kept."""


@dataclass(frozen=True)
class Window:
    """What the ledger holds for some resources between two moments."""

    items: tuple[Change, ...]
    """Newest first, each change once."""
    recording_since: datetime | None
    """Since when the ledger has been recording (None: no live marker — not deployed, or silent for its TTL)."""
    dropped: int = 0
    """Changes the window's hours counted but did not keep (their hour was full): at least this many."""

    def covers(self, since: datetime) -> bool:
        return self.recording_since is not None and self.recording_since <= since


@dataclass(eq=False)
class ChangeLedger:
    dynamodb: DynamoDBClient
    table: str
    _: KW_ONLY
    per_hour: int = PER_HOUR
    clock: Callable[[], float] = time.time
    _marked_at: float | None = field(default=None, init=False)

    # --- writing ------------------------------------------------------------------------------------------

    def record(self, change: Change) -> Recorded:
        """File ``change`` under each of its resources (once each, however often it is delivered)."""
        self._mark()
        change = self._with_old_values(change)
        hour = int(change.at.timestamp()) // HOUR
        ttl = (hour + 1) * HOUR + CHANGE_TTL_S
        entry = to_item(change)
        filed: list[str] = []
        duplicate: list[str] = []
        full: list[str] = []
        for resource in change.resources:
            outcome = self._append(table_keys.change(resource, hour), change.id, entry, ttl)
            {"filed": filed, "duplicate": duplicate, "full": full}[outcome].append(resource)
        return Recorded(change, tuple(filed), tuple(duplicate), tuple(full))

    def _append(self, key: str, change_id: str, entry: dict[str, object], ttl: int) -> str:
        serialized = table_keys.values(one=[entry], empty=[], ttl=ttl, idv=change_id, cap=self.per_hour)
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key=table_keys.key(key),
                UpdateExpression=(
                    "SET changes = list_append(if_not_exists(changes, :empty), :one), expiration = :ttl "
                    "ADD ids :ids"
                ),
                ConditionExpression=(
                    "(attribute_not_exists(ids) OR NOT contains(ids, :idv)) "
                    "AND (attribute_not_exists(changes) OR size(changes) < :cap)"
                ),
                ExpressionAttributeValues={**serialized, ":ids": {"SS": [change_id]}},
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return self._count_dropped(key, change_id, ttl)
        return "filed"

    def _count_dropped(self, key: str, change_id: str, ttl: int) -> str:
        """The hour is full, or already holds the change: count it in the first case."""
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key=table_keys.key(key),
                UpdateExpression="ADD dropped :one SET expiration = :ttl",
                ConditionExpression="NOT contains(ids, :idv)",
                ExpressionAttributeValues=table_keys.values(one=1, ttl=ttl, idv=change_id),
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return "duplicate"
        return "full"

    def _mark(self) -> None:
        """Refresh the marker: since when the ledger has been recording (kept while changes keep coming)."""
        now = self.clock()
        if self._marked_at is not None and now - self._marked_at < MARK_EVERY_S:
            return
        ttl = table_keys.expires(CHANGE_TTL_S, now)
        try:  # a live marker keeps its start
            self.dynamodb.update_item(
                TableName=self.table,
                Key=table_keys.key(CHANGE_LEDGER),
                UpdateExpression="SET since = if_not_exists(since, :now), expiration = :ttl",
                ConditionExpression="attribute_not_exists(expiration) OR expiration > :now",
                ExpressionAttributeValues=table_keys.values(now=int(now), ttl=ttl),
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:  # expired, not yet deleted: start again
            self.dynamodb.update_item(
                TableName=self.table,
                Key=table_keys.key(CHANGE_LEDGER),
                UpdateExpression="SET since = :now, expiration = :ttl",
                ExpressionAttributeValues=table_keys.values(now=int(now), ttl=ttl),
            )
        self._marked_at = now

    def _with_old_values(self, change: Change) -> Change:
        """``change`` with the old value of each setting the ledger last recorded for its resource, and the
        resource's recorded settings moved on to the change's (only if the change is newer than the last)."""
        if not change.settings or not change.resources:
            return change
        names = {f"#s{i}": SETTING + name for i, (name, _) in enumerate(change.settings)}
        new = {f"s{i}": shown for i, (_, shown) in enumerate(change.settings)}
        at = change.at.timestamp()
        try:
            response = self.dynamodb.update_item(
                TableName=self.table,
                Key=table_keys.key(table_keys.change_state(change.resources[0])),
                UpdateExpression="SET "
                + ", ".join(f"#s{i} = :s{i}" for i in range(len(names)))
                + ", changed_at = :at, expiration = :ttl",
                ConditionExpression="attribute_not_exists(changed_at) OR changed_at <= :at",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=table_keys.values(
                    at=at, ttl=table_keys.expires(CHANGE_STATE_TTL_S, max(at, self.clock())), **new
                ),
                ReturnValues="UPDATED_OLD",
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:  # older than the last recorded
            return change
        old = table_keys.attributes(response.get("Attributes") or {})
        previous = {k.removeprefix(SETTING): coerce.text(v) for k, v in old.items() if k.startswith(SETTING)}
        return with_previous(change, previous)

    # --- reading ------------------------------------------------------------------------------------------

    def read(
        self, resources: Iterable[str], since: datetime, until: datetime, deadline: Deadline | None = None
    ) -> Window:
        """The changes to ``resources`` between ``since`` and ``until``, newest first, and since when the ledger
        has been recording. One BatchGetItem for up to 100 items (an hour's window of 33 resources)."""
        first, last = int(since.timestamp()) // HOUR, int(until.timestamp()) // HOUR
        keys = [table_keys.change(r, h) for r in dict.fromkeys(resources) for h in range(first, last + 1)]
        found = self._get([CHANGE_LEDGER, *dict.fromkeys(keys)], deadline)
        marker = found.pop(CHANGE_LEDGER, None)
        now = self.clock()
        recording_since = None
        since_marked = coerce.number(marker.get("since")) if marker else None
        if marker and (coerce.number(marker.get("expiration")) or 0) > now and since_marked is not None:
            recording_since = datetime.fromtimestamp(since_marked, UTC)
        changes: dict[str, Change] = {}
        dropped = 0
        for item in found.values():
            dropped += coerce.whole(item.get("dropped")) or 0
            for entry in coerce.items(item.get("changes")):
                change = from_item(coerce.mapping(entry))
                if change is not None and since <= change.at <= until:
                    changes.setdefault(change.id, change)
        items = tuple(sorted(changes.values(), key=lambda c: c.at, reverse=True))
        return Window(items, recording_since, dropped)

    def recent(self, resources: Iterable[str], since: datetime, until: datetime) -> tuple[Change, ...]:
        """The changes to ``resources`` between ``since`` and ``until``, newest first (``read``'s items)."""
        return self.read(resources, since, until).items

    def _get(self, keys: list[str], deadline: Deadline | None) -> dict[str, dict[str, object]]:
        items = table_keys.batch_get(
            self.dynamodb,
            self.table,
            keys,
            consistent=False,
            tries=UNPROCESSED_TRIES,
            go_on=lambda: deadline is None or deadline.remaining() >= 1.0,
        )
        return {str(item[table_keys.KEY]): item for item in items}
