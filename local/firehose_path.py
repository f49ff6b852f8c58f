"""The access-events pipeline on the embedded stack: CloudWatch Logs subscription payloads (base64 gzip) →
what Amazon Data Firehose's processors do with them → the real transform (``bot.analytics.access_logs``) →
moto's Firehose → S3.

moto's Firehose delivers to S3 but runs no processors, has no dynamic partitioning and no record format
conversion, so this module does those four documented steps, and only those: *decompression* (gunzip the
subscription payload), *message extraction* (a ``DATA_MESSAGE``'s events are one record, their messages one per
line — Firehose Developer Guide, "Message extraction"; control messages dropped), *dynamic partitioning*
(records are routed by the transform's ``partitionKeys`` to ``access_events/day=<day>/``, one moto delivery
stream per partition prefix) and *record format conversion* (JSON → Parquet with the Glue table's schema,
``to_parquet``). The transform itself is the production code, unchanged.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

from bot.analytics.access_logs import Attribution, transform
from local.log_subscription import subscription_payloads

__all__ = ["deliver", "subscription_payloads", "to_parquet"]


def deliver(
    payloads: list[str], firehose: Any, bucket_arn: str, attribution: Attribution, columns: list[tuple[str, str]]
) -> dict[str, int]:
    """Run the payloads through decompression, extraction, the transform, format conversion to Parquet with the
    Glue table's ``columns`` (name, type), and partitioned delivery; the count of log lines by the result of
    the record that carried them (Ok, ProcessingFailed)."""
    records: list[dict[str, str]] = []
    lines: list[int] = []
    for payload in payloads:
        document = json.loads(gzip.decompress(base64.b64decode(payload)))
        if document.get("messageType") != "DATA_MESSAGE":
            continue  # Firehose's message extraction drops control messages
        text = "".join(f"{event['message']}\n" for event in document["logEvents"])
        records.append({"recordId": str(len(records)), "data": base64.b64encode(text.encode()).decode()})
        lines.append(len(document["logEvents"]))
    answer, _failures = transform({"records": records}, attribution)
    counts: dict[str, int] = {}
    by_prefix: dict[str, list[bytes]] = {}
    for record, carried in zip(answer["records"], lines, strict=True):
        counts[record["result"]] = counts.get(record["result"], 0) + carried
        if record["result"] == "Ok":
            day = record["metadata"]["partitionKeys"]["day"]
            by_prefix.setdefault(f"access_events/day={day}/", []).append(base64.b64decode(record["data"]))
    existing = set(firehose.list_delivery_streams()["DeliveryStreamNames"])
    for prefix, data in sorted(by_prefix.items()):
        name = "lookout-access-events-" + prefix.split("day=")[1].strip("/")
        if name not in existing:
            firehose.create_delivery_stream(
                DeliveryStreamName=name,
                DeliveryStreamType="DirectPut",
                ExtendedS3DestinationConfiguration={
                    "BucketARN": bucket_arn,
                    "RoleARN": "arn:aws:iam::123456789012:role/lookout-access-events",
                    "Prefix": prefix,
                },
            )
        # one buffer per partition: converted to one Parquet file, delivered as one record, so the object moto
        # writes is that file (as Firehose writes one file per partition and buffer flush)
        firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": to_parquet(data, columns)}])
    return counts


def to_parquet(rows: list[bytes], columns: list[tuple[str, str]]) -> bytes:
    """Firehose's record format conversion: JSON rows (HiveJsonSerDe: timestamps as
    ``java.sql.Timestamp.valueOf`` reads them) to a Snappy Parquet file with the Glue table's columns and types.
    A key missing from a row is NULL; a key the table lacks is not written, as Firehose drops it."""
    import tempfile
    from pathlib import Path

    import duckdb

    from local.athena_tables import duckdb_type

    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "rows.json", Path(folder) / "rows.parquet"
        source.write_bytes(b"".join(row.rstrip(b"\n") + b"\n" for row in rows))
        types = ", ".join(f"{_quote(name)}: {_quote(duckdb_type(kind))}" for name, kind in columns)
        read = f"read_json({_quote(str(source))}, format='newline_delimited', columns={{{types}}})"
        duckdb.connect().execute(
            f"COPY (SELECT * FROM {read}) TO {_quote(str(target))} (FORMAT PARQUET, COMPRESSION SNAPPY)"
        )
        return target.read_bytes()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
