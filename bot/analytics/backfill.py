"""The configuration table's current items into the snapshot, once, when the normalizer is switched on.

A DynamoDB stream carries changes only: an item last written before the stream existed would never reach
the snapshots (``settings_snapshot``, and a mapping's ``<name>_snapshot``), and "popular settings" would count
only what changed since. ``lookout backfill-config`` reads the table's key schema (DescribeTable), scans it
(consistent reads, page by page) and writes each item as ``BACKFILL`` snapshot rows, made as the normalizer
makes them (the long form, and the mapping's rows when one is configured). Each page's rows carry the moment
just before the page was read, so a change the stream delivers later — or one that happened before the read,
whose effect the scan already saw — orders correctly against them (the queries take each item's newest version
by ``at``, then sequence number; backfill rows have none, so on a tie the stream's row wins). Running it again
writes the same objects again (named by table and page), never a second copy of a page.

Not for: the stream itself (``bot.analytics.stream``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.analytics.long_form import normalized_rows
from bot.analytics.mapping import Mapping, Normalization
from bot.analytics.normalize import BACKFILL_SOURCE, Malformed, record_label
from bot.analytics.sink import write_rows

if TYPE_CHECKING:
    from collections.abc import Callable
    from collections.abc import Mapping as Fields

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

    from bot.analytics.normalize import StreamRecord
    from bot.analytics.sink import Row


@dataclass(frozen=True)
class BackfillReport:
    items: int
    rows: int
    malformed: list[tuple[str, str]]
    keys: list[str]


def backfill(
    dynamodb: DynamoDBClient,
    table: str,
    normalization: Normalization | Mapping,
    s3: S3Client,
    bucket: str,
    prefix: str = "",
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> BackfillReport:
    """Every item of ``table`` into the snapshots. A ``Mapping`` alone stands for the long form's defaults plus
    that mapping; ``rows`` counts the rows of every snapshot written."""
    if isinstance(normalization, Mapping):
        normalization = Normalization(mapping=normalization)
    schema = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
    key = [str(k["AttributeName"]) for k in sorted(schema, key=lambda k: k["KeyType"] != "HASH")]
    normalization = normalization.with_partition_key(key[0])
    snapshots = [name for name in normalization.tables if name.endswith("_snapshot")]
    items = rows = 0
    malformed: list[tuple[str, str]] = []
    keys: list[str] = []
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    moment = now()
    for page_number, page in enumerate(pages):
        found: dict[str, list[Row]] = {name: [] for name in snapshots}
        for item in page["Items"]:
            record = _record(item, key, moment)
            try:
                tables = normalized_rows(record, normalization)
            except Malformed as why:
                malformed.append((record_label(record), str(why)))
                continue
            for name in snapshots:
                found[name] += tables[name]
        batch = f"backfill-{table}-{page_number:06d}"
        for name, written in found.items():
            keys += write_rows(s3, bucket, prefix, name, written, batch)
            rows += len(written)
        items += len(page["Items"])
        moment = now()  # the next page is read after this moment
    return BackfillReport(items, rows, malformed, keys)


def _record(item: Fields[str, object], key: list[str], moment: datetime) -> StreamRecord:
    """An item as an INSERT-shaped stream record (Keys from the table's key schema) marked as backfill."""
    return {
        "eventName": "INSERT",
        "eventSource": BACKFILL_SOURCE,
        "dynamodb": {
            "ApproximateCreationDateTime": moment.timestamp(),
            "Keys": {k: item[k] for k in key if k in item},
            "NewImage": item,
            "SequenceNumber": "",
        },
    }
