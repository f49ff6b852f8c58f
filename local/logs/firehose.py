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

The app-events stream (``AppEventsStream`` in template.yaml: Direct PUT, no Lambda) gets the same treatment in
``deliver_app_events``: its *MetadataExtraction* processor (the JQ query of the template, evaluated by
``jq_partition_keys``), its *AppendDelimiterToRecord* processor, and dynamic partitioning into its ``Prefix``,
with the records whose keys cannot be extracted written whole, in error documents, to its
``ErrorOutputPrefix`` ("Troubleshoot dynamic partitioning errors", Firehose Developer Guide).
"""

from __future__ import annotations

import base64
import codecs
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.analytics.access_logs import Attribution, transform
from local.logs.subscription import subscription_payloads

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

__all__ = [
    "PARTITIONING_FAILED",
    "Sent",
    "deliver",
    "deliver_app_events",
    "jq_partition_keys",
    "subscription_payloads",
    "to_parquet",
]

PARTITIONING_FAILED = "partitioning-failed"
"""What ``!{firehose:error-output-type}`` evaluates to for a record whose partition keys could not be extracted
(the error folder Firehose writes for dynamic partitioning, as aws-cdk's integration test of it observes)."""
EXTRACTION_FAILED = "DynamicPartitioning.MetadataExtractionFailed"
"""The ``errorCode`` Firehose writes in the error document of such a record."""


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

    from local.athena.tables import duckdb_type

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


# --- the app-events stream: Direct PUT → JQ metadata extraction → dynamic partitioning → S3 -----------------


@dataclass(frozen=True)
class Sent:
    """One record as the app hands it to ``PutRecordBatch``: when Firehose received it, and its bytes."""

    arrived: datetime
    data: bytes


class JqError(ValueError):
    """The JQ query failed on a record (Firehose: the record fails partitioning)."""


def deliver_app_events(records: Sequence[Sent], firehose: Any, destination: dict[str, Any]) -> dict[str, int]:
    """Run Direct PUT ``records`` through the template's ``ExtendedS3DestinationConfiguration`` (``destination``,
    its bucket ARN resolved): each record's partition keys from the MetadataExtraction query, the delimiter
    appended, delivery to ``Prefix`` with the keys filled in; a record whose keys cannot be extracted goes,
    as an error document with its raw data, to ``ErrorOutputPrefix``. The count of records by where they went
    (``Ok``, or the error output type)."""
    if not destination.get("DynamicPartitioningConfiguration", {}).get("Enabled"):
        raise ValueError(
            "the stand-in delivers app events with dynamic partitioning only, as the template deploys"
        )
    if destination.get("CompressionFormat", "UNCOMPRESSED") != "UNCOMPRESSED":
        raise ValueError(f"compression {destination['CompressionFormat']} is not what the stand-in writes")
    processors = {p["Type"]: _parameters(p) for p in destination["ProcessingConfiguration"]["Processors"]}
    unknown = set(processors) - {"MetadataExtraction", "AppendDelimiterToRecord"}
    if unknown:
        raise ValueError(f"the stand-in does not run the processor(s) {sorted(unknown)}")
    extraction = processors["MetadataExtraction"]
    if extraction.get("JsonParsingEngine") != "JQ-1.6":
        raise ValueError(f"JSON parsing engine {extraction.get('JsonParsingEngine')!r} is not JQ-1.6")
    query = extraction["MetadataExtractionQuery"]
    delimiter = b""
    if "AppendDelimiterToRecord" in processors:  # the API's default delimiter is a newline; CloudFormation's "\\n"
        written = processors["AppendDelimiterToRecord"].get("Delimiter", "\\n")
        delimiter = codecs.decode(written, "unicode_escape").encode()
    counts: dict[str, int] = {}
    buffers: dict[str, list[bytes]] = {}
    for record in records:
        try:
            prefix = _prefix(destination["Prefix"], jq_partition_keys(query, record.data), record.arrived)
            data, outcome = record.data + delimiter, "Ok"
        except JqError as failure:
            outcome = PARTITIONING_FAILED
            prefix = _prefix(destination["ErrorOutputPrefix"], {}, record.arrived, error_output_type=outcome)
            data = _error_document(record, str(failure))
        counts[outcome] = counts.get(outcome, 0) + 1
        buffers.setdefault(prefix, []).append(data)
    existing = set(firehose.list_delivery_streams(Limit=10000)["DeliveryStreamNames"])
    # one buffer per partition, as for access events: Firehose would flush a partition every IntervalInSeconds,
    # but how many objects hold the records changes no answer, and each PutRecordBatch through moto takes ~50 ms
    for prefix, buffered in sorted(buffers.items()):
        name = "lookout-app-events-" + hashlib.sha256(prefix.encode()).hexdigest()[:16]  # one stream per prefix
        if name not in existing:
            firehose.create_delivery_stream(
                DeliveryStreamName=name,
                DeliveryStreamType="DirectPut",
                ExtendedS3DestinationConfiguration={
                    "BucketARN": destination["BucketARN"],
                    "RoleARN": "arn:aws:iam::123456789012:role/lookout-app-events",
                    "Prefix": prefix,
                },
            )
            existing.add(name)
        for start in range(0, len(buffered), 500):  # PutRecordBatch takes up to 500 records
            firehose.put_record_batch(
                DeliveryStreamName=name, Records=[{"Data": d} for d in buffered[start : start + 500]]
            )
    return counts


def jq_partition_keys(query: str, data: bytes) -> dict[str, str]:
    """The partition keys a MetadataExtraction query yields for one record, or ``JqError``.

    No JQ library is installed with the demo, so this evaluates the one form dynamic partitioning's examples and
    the template use — an object of field paths, each optionally sliced: ``{day: .at[0:10], customer: .customer}``
    — with JQ 1.6's semantics: a missing field is ``null``, a slice of ``null`` is ``null``, indexing or slicing
    any other type fails. Firehose then refuses a key that is ``null`` or empty. Any other query raises
    ``ValueError``: a template change the stand-in cannot follow must not pass unnoticed."""
    entries = _parse_query(query)
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JqError(f"the record is not JSON: {exc}") from None
    keys = {}
    for key, path, window in entries:
        value: Any = document
        for field in path:
            if value is None:
                break
            if not isinstance(value, dict):
                raise JqError(f'Cannot index {_jq_type(value)} with "{field}"')
            value = value.get(field)
        if window is not None and value is not None:
            if not isinstance(value, str | list):
                raise JqError(f"Cannot index {_jq_type(value)} with object")
            value = value[window[0] : window[1]]
        if value is None or value == "" or isinstance(value, list | dict):
            raise JqError(f"partitionKeys values must not be null or empty: {key} is {json.dumps(value)}")
        keys[key] = value if isinstance(value, str) else json.dumps(value)
    return keys


_ENTRY = re.compile(r"\s*([A-Za-z_]\w*)\s*:\s*((?:\.[A-Za-z_]\w*)+)\s*(?:\[\s*(-?\d*)\s*:\s*(-?\d*)\s*\])?\s*")


def _parse_query(query: str) -> list[tuple[str, list[str], tuple[int | None, int | None] | None]]:
    text = query.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise ValueError(f"the stand-in evaluates JQ object constructions only, not {query!r}")
    entries = []
    for part in text[1:-1].split(","):
        match = _ENTRY.fullmatch(part)
        if match is None:
            raise ValueError(f"the stand-in evaluates `key: .field[a:b]` entries only, not {part.strip()!r}")
        key, path, start, end = match.groups()
        window = None if start is None else (int(start) if start else None, int(end) if end else None)
        entries.append((key, path.split(".")[1:], window))
    return entries


def _jq_type(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}[
        type(value)
    ]


_EXPRESSION = re.compile(r"!\{([\w-]+):([^}]*)\}")
_JAVA_DATE = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


def _prefix(template: str, keys: dict[str, str], arrived: datetime, error_output_type: str = "") -> str:
    """An S3 prefix with its ``!{namespace:value}`` expressions evaluated ("Custom prefixes for Amazon S3
    objects"): partition keys, the error output type, and the arrival time (UTC) in a Java date pattern."""

    def value(match: re.Match[str]) -> str:
        namespace, name = match.groups()
        if namespace == "partitionKeyFromQuery":
            if name not in keys:
                raise JqError(f"the query yields no partition key {name!r}")
            return keys[name]
        if namespace == "firehose" and name == "error-output-type" and error_output_type:
            return error_output_type
        if namespace == "timestamp":
            pattern = re.sub("|".join(_JAVA_DATE), lambda m: _JAVA_DATE[m.group(0)], name)
            if re.search(r"[A-Za-z]", re.sub(r"%[YmdHMS]", "", pattern)):
                raise ValueError(f"the stand-in formats yyyy MM dd HH mm ss only, not {name!r}")
            return arrived.strftime(pattern)
        raise ValueError(f"the stand-in does not evaluate !{{{namespace}:{name}}}")

    return _EXPRESSION.sub(value, template)


def _parameters(processor: dict[str, Any]) -> dict[str, str]:
    return {p["ParameterName"]: p["ParameterValue"] for p in processor.get("Parameters", [])}


def _error_document(record: Sent, message: str) -> bytes:
    """What Firehose writes under the error prefix for a record it could not partition: one JSON document per
    record with its raw data in base64 (the shape of the Developer Guide's processing-failure documents)."""
    at = int(record.arrived.timestamp() * 1000)
    document = {
        "attemptsMade": 1,
        "arrivalTimestamp": at,
        "errorCode": EXTRACTION_FAILED,
        "errorMessage": message,
        "attemptEndingTimestamp": at,
        "rawData": base64.b64encode(record.data).decode(),
    }
    return json.dumps(document).encode() + b"\n"
