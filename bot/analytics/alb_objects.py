"""An ALB access-log object, announced by S3's "Object Created" EventBridge event, into ``alb_events`` rows
in the data bucket (``bot.analytics.alb_logs`` reads the entries, ``bot.analytics.sink`` writes them).

The rows of one log object are written to ``alb_events/day=…/<log object name>.json`` (one object per day the
entries fall on), so a redelivered event or a retried invocation overwrites instead of duplicating. Lines
that are not entries are written verbatim to ``alb_events_errors/<log object name>.log`` and counted
(``AlbLinesUnreadable``): nothing is dropped silently. A log object that cannot be read (gone, not gzip) fails
the invocation, so EventBridge's retries and then its dead-letter queue keep the event.

Not for: parsing entries (``bot.analytics.alb_logs``).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.analytics.alb_logs import rows_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bot.analytics.access_logs import Attribution
    from bot.analytics.sink import DataBucket
    from bot.observability import Telemetry

TABLE = "alb_events"


class NotAnAlbLogEvent(ValueError):
    """The event is not S3's "Object Created" for an object: nothing to read."""


@dataclass
class AlbLogObjects:
    data: DataBucket
    """Where the rows go (the S3 client reads the log objects too)."""
    attribution: Attribution
    telemetry: Telemetry

    def handle(self, event: Mapping[str, object]) -> dict[str, object]:
        source_bucket, key = _object_of(event)
        body = self.data.s3.get_object(Bucket=source_bucket, Key=key)["Body"].read()
        text = (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body).decode("utf-8", errors="replace")
        rows, failed = rows_of(text, self.attribution)
        name = key.rsplit("/", 1)[-1].removesuffix(".gz").removesuffix(".log")
        written = self.data.write(TABLE, rows, name)
        if failed:
            errors = self.data.key(f"{TABLE}_errors/{name}.log")
            lines = "".join(f"{line}\n" for line, _ in failed)
            self.data.s3.put_object(
                Bucket=self.data.name, Key=errors, Body=lines.encode(), ContentType="text/plain"
            )
            self.telemetry.count("AlbLinesUnreadable", len(failed))
            self.telemetry.logger.warning(
                "ALB log lines that are not entries were kept",
                extra={"object": f"s3://{source_bucket}/{key}", "errors": errors, "first_reason": failed[0][1]},
            )
        self.telemetry.count("AlbRows", len(rows))
        return {
            "object": f"s3://{source_bucket}/{key}",
            "rows": len(rows),
            "unreadable": len(failed),
            "written": written,
        }


def _object_of(event: Mapping[str, object]) -> tuple[str, str]:
    found = event.get("detail")
    detail = found if isinstance(found, dict) else None
    if event.get("source") != "aws.s3" or event.get("detail-type") != "Object Created" or detail is None:
        raise NotAnAlbLogEvent(f"expected S3's Object Created event, got {event.get('detail-type')!r}")
    bucket = str((detail.get("bucket") or {}).get("name") or "")
    key = str((detail.get("object") or {}).get("key") or "")
    if not bucket or not key:
        raise NotAnAlbLogEvent("the event names no bucket and key")
    return bucket, key
