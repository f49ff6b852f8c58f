"""A batch of DynamoDB stream records through the normalizer into S3, answered as a partial batch response.

Powertools' ``BatchProcessor`` (``EventType.DynamoDBStreams``) runs the normalizer on each record: a record that
cannot be read is logged with its sequence number and reason, counted (``NormalizerMalformedRecords``) and
answered in ``batchItemFailures``, so Lambda retries from it and, once its retries are spent, hands it to the
on-failure queue (whose alarm says so); the records around it are written all the same. Rows are written per run
of readable records, each object named by the run's first and last sequence numbers: Lambda retries from the
failed record, so the run after it is written again under the same name, and a redelivered batch overwrites
what it wrote before, never duplicates. A failed S3 write answers the first record of the run that failed (and
any failed record before it), so Lambda retries from there.

Every record gives rows to the generic long form's tables (``settings_events``, ``settings_snapshot``) and, when
``analytics.configuration`` maps the items, to the mapping's; a record that cannot be read gives none.

Not for: deciding rows (``bot.analytics.long_form``, ``bot.analytics.normalize``) or the object layout
(``bot.analytics.sink``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

from bot.analytics.long_form import normalized_rows
from bot.analytics.sink import Row, batch_name
from bot.coerce import items, mapping

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

    from bot.analytics.mapping import Normalization
    from bot.analytics.normalize import StreamRecord
    from bot.analytics.sink import DataBucket
    from bot.observability import Telemetry

Rows = dict[str, list[Row]]
"""A record's rows by table."""
Outcome = tuple[str, object, object]
"""Powertools' answer for one record: ("success", its ``Rows``, the record) or ("fail", why, the record)."""


@dataclass
class StreamNormalizer:
    normalization: Normalization
    data: DataBucket
    telemetry: Telemetry

    def handle(self, event: Mapping[str, object]) -> dict[str, object]:
        records: list[StreamRecord] = [r for r in items(event.get("Records")) if isinstance(r, dict)]
        if not records:
            return {"batchItemFailures": []}
        received = datetime.now(UTC)
        processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)

        def rows_of(record: DynamoDBRecord) -> Rows:
            return normalized_rows(record.raw_event, self.normalization, received)

        with processor(records=records, handler=rows_of):
            outcomes = processor.process()
        failed = [
            _sequence(record)
            for (status, _, _), record in zip(outcomes, records, strict=True)
            if status != "success"
        ]
        for (status, why, _), record in zip(outcomes, records, strict=True):
            if status != "success":
                extra = {"sequence": _sequence(record), "why": str(why).split(":", 1)[-1].strip()}
                self.telemetry.logger.warning("stream record not normalized; reported to Lambda", extra=extra)
        if failed:
            self.telemetry.count("NormalizerMalformedRecords", len(failed))
        written = 0
        for run in _runs(outcomes, records):
            try:
                self._write(run)
            except Exception:
                self.telemetry.logger.exception("writing normalized rows failed; Lambda retries from this run")
                self.telemetry.count("NormalizerWriteFailures")
                start = _sequence(run[0][1])
                retry = [s for s in failed if _before(s, start)] + [start]
                return {"batchItemFailures": [{"itemIdentifier": s} for s in retry if s]}
            written += sum(len(rows.get(table, [])) for rows, _ in run for table in self.normalization.tables)
        self.telemetry.count("NormalizerRows", written)
        return dict(processor.response())

    def _write(self, run: list[tuple[Rows, StreamRecord]]) -> None:
        batch = batch_name([_sequence(record) for _, record in run])
        for table in self.normalization.tables:
            rows = [row for tables, _ in run for row in tables.get(table, [])]
            self.data.write(table, rows, batch)


def _runs(outcomes: Sequence[Outcome], records: list[StreamRecord]) -> list[list[tuple[Rows, StreamRecord]]]:
    """The readable records' rows, in runs of consecutive records between the ones that failed."""
    runs: list[list[tuple[Rows, StreamRecord]]] = [[]]
    for (status, rows, _), record in zip(outcomes, records, strict=True):
        if status == "success" and isinstance(rows, dict):  # a success carries the record's rows
            runs[-1].append((rows, record))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _sequence(record: Mapping[str, object]) -> str:
    return str(mapping(record.get("dynamodb")).get("SequenceNumber") or "")


def _before(sequence: str, other: str) -> bool:
    """Sequence numbers are decimal strings of growing length: compare them as numbers."""
    return (len(sequence), sequence) < (len(other), other)


def stream_partition_key(streams: DynamoDBStreamsClient, stream_arn: str) -> str | None:
    """The partition key attribute of the table whose stream this is (DynamoDB Streams' DescribeStream, which
    the event source mapping's role already calls); None without a stream ARN."""
    if not stream_arn:
        return None
    schema = streams.describe_stream(StreamArn=stream_arn, Limit=1)["StreamDescription"].get("KeySchema") or []
    return next((str(k["AttributeName"]) for k in schema if k.get("KeyType") == "HASH"), None)
