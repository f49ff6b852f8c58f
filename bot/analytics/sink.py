"""Normalized rows → JSON-lines objects in S3, one per table and day, under the prefixes the Glue tables read
(``<prefix>/<table>/day=YYYY-MM-DD/``).

Object keys are derived from the first and last sequence numbers of the batch, so a redelivered batch
overwrites what it wrote before instead of adding duplicates: Lambda's at-least-once delivery stays
exactly-once in S3. JSON lines (the OpenX SerDe) rather than Parquet: a stream batch is a few hundred rows,
and a per-batch Parquet file would cost more in S3 requests and Athena file opens than it saves in bytes.

Not for: deciding rows (``bot.analytics.normalize``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

Row = dict[str, object]
"""A row of a table Lookout writes: column → JSON value, with its ``day`` (the partition)."""


def write_rows(s3: S3Client, bucket: str, prefix: str, table: str, rows: list[Row], batch: str) -> list[str]:
    """Write ``rows`` (each with a ``day``) to ``s3://bucket/prefix/table/day=…/batch.json``; the keys written.
    The ``day`` column lives in the path (the partition), not in the object."""
    by_day: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_day[str(row["day"])].append({k: v for k, v in row.items() if k != "day"})
    keys = []
    for day, members in sorted(by_day.items()):
        key = f"{prefix.strip('/')}/{table}/day={day}/{batch}.json".lstrip("/")
        body = "".join(json.dumps(m, separators=(",", ":"), sort_keys=True) + "\n" for m in members)
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode(), ContentType="application/x-ndjson")
        keys.append(key)
    return keys


@dataclass(frozen=True)
class DataBucket:
    """Where Lookout's rows go: the data bucket, under ``prefix``, through ``s3``."""

    s3: S3Client
    name: str
    prefix: str = ""

    def write(self, table: str, rows: list[Row], batch: str) -> list[str]:
        """``write_rows`` into this bucket; the keys written."""
        return write_rows(self.s3, self.name, self.prefix, table, rows, batch)

    def key(self, path: str) -> str:
        """``path`` under the prefix."""
        return f"{self.prefix.strip('/')}/{path}".lstrip("/")


def batch_name(sequences: list[str]) -> str:
    """A stable name for a batch of stream records: its first and last sequence numbers."""
    present = [s for s in sequences if s]
    return f"{present[0]}-{present[-1]}" if present else "empty"
