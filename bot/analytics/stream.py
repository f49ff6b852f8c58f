"""A batch of DynamoDB stream records through the normalizer into S3, answered as a partial batch response.

Malformed records are counted (``NormalizerMalformedRecords``) and logged with their sequence number and
reason, then skipped: retrying them could never succeed and would hold the shard. A failed S3 write answers
``batchItemFailures`` with the batch's first record, so Lambda retries the batch (the objects' names are
stable, so a retry overwrites, never duplicates).

Not for: deciding rows (``bot.analytics.normalize``) or the object layout (``bot.analytics.sink``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.analytics.normalize import normalize
from bot.analytics.sink import batch_name, write_rows

if TYPE_CHECKING:
    from bot.analytics.mapping import Mapping
    from bot.observability import Telemetry


@dataclass
class StreamNormalizer:
    mapping: Mapping
    s3: Any
    bucket: str
    telemetry: Telemetry
    prefix: str = ""

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        records = [r for r in event.get("Records") or [] if isinstance(r, dict)]
        if not records:
            return {"batchItemFailures": []}
        result = normalize(records, self.mapping)
        for sequence, why in result.malformed:
            self.telemetry.logger.warning(
                "malformed stream record skipped", extra={"sequence": sequence, "why": why}
            )
        if result.malformed:
            self.telemetry.count("NormalizerMalformedRecords", len(result.malformed))
        sequences = [str((r.get("dynamodb") or {}).get("SequenceNumber") or "") for r in records]
        batch = batch_name(sequences)
        try:
            for table, rows in (
                (f"{self.mapping.name}_events", result.events),
                (f"{self.mapping.name}_snapshot", result.snapshot),
            ):
                write_rows(self.s3, self.bucket, self.prefix, table, rows, batch)
        except Exception:
            self.telemetry.logger.exception("writing normalized rows failed; the batch will be retried")
            self.telemetry.count("NormalizerWriteFailures")
            first = next((s for s in sequences if s), "")
            return {"batchItemFailures": [{"itemIdentifier": first}] if first else []}
        self.telemetry.count("NormalizerRows", len(result.events))
        return {"batchItemFailures": []}
