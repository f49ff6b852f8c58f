"""The configuration table's current items into the snapshot, once, when the normalizer is switched on.

A DynamoDB stream carries changes only: an item last written before the stream existed would never reach
``<name>_snapshot``, and "popular fields" would count only what changed since. ``lookout backfill-config``
scans the table (consistent reads, page by page) and writes each item as a ``BACKFILL`` snapshot row through
the normalizer's own mapping. Each page's rows carry the moment just before the page was read, so a change the
stream delivers later — or one that happened before the read, whose effect the scan already saw — orders
correctly against them (the queries take each item's newest version by ``at``, then sequence number; backfill
rows have none, so on a tie the stream's row wins). Running it again writes the same objects again (named by
table and page), never a second copy of a page.

Not for: the stream itself (``bot.analytics.stream``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.analytics.normalize import BACKFILL_SOURCE, normalize
from bot.analytics.sink import write_rows

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.analytics.mapping import Mapping


@dataclass(frozen=True)
class BackfillReport:
    items: int
    rows: int
    malformed: list[tuple[str, str]]
    keys: list[str]


def backfill(
    dynamodb: Any,
    table: str,
    mapping: Mapping,
    s3: Any,
    bucket: str,
    prefix: str = "",
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> BackfillReport:
    items = rows = 0
    malformed: list[tuple[str, str]] = []
    keys: list[str] = []
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    moment = now()
    for page_number, page in enumerate(pages):
        records = [_record(item, mapping, moment) for item in page["Items"]]
        result = normalize(records, mapping)
        malformed.extend(result.malformed)
        batch = f"backfill-{table}-{page_number:06d}"
        keys += write_rows(s3, bucket, prefix, f"{mapping.name}_snapshot", result.snapshot, batch)
        items += len(records)
        rows += len(result.snapshot)
        moment = now()  # the next page is read after this moment
    return BackfillReport(items, rows, malformed, keys)


def _record(item: dict[str, Any], mapping: Mapping, moment: datetime) -> dict[str, Any]:
    """An item as an INSERT-shaped stream record (Keys from the mapping's key attributes) marked as backfill."""
    return {
        "eventName": "INSERT",
        "eventSource": BACKFILL_SOURCE,
        "dynamodb": {
            "ApproximateCreationDateTime": moment.timestamp(),
            "Keys": {k: item[k] for k in mapping.key if k in item},
            "NewImage": item,
            "SequenceNumber": "",
        },
    }
