"""API Gateway access-log lines → ``access_events`` rows: the Firehose record transformation.

The stage logs in the JSON format below (paste it as the stage's access-log format); a CloudWatch Logs
subscription sends the group to Amazon Data Firehose. CloudWatch Logs puts a batch of log events in one
Firehose record, and Firehose's decompression and message extraction turn it into the events' messages, one per
line (Firehose Developer Guide, "Writing with CloudWatch Logs" and "Message extraction"): a record holds one
access-log line or many. Each line becomes a row of the table's columns, attributed to a customer from a
configured field, and the record gets the ``day`` partition key (dynamic partitioning writes
``access_events/day=YYYY-MM-DD/``).

Firehose's contract: one answer per ``recordId`` — ``Ok`` with the new data, ``Dropped`` (CloudWatch Logs
control messages), or ``ProcessingFailed`` (Firehose keeps the record under its error prefix: nothing is lost).
A record is ``Ok`` only when every line is in Lookout's format: a record cannot be split, so one foreign line
(another format, another API's stage) sends its whole record to the error prefix rather than into the table.
A record has one partition: the day of its latest line (a batch that spans midnight puts its first seconds in
the next day's partition, where every query window that ends now still finds them). A record that still holds
a gzip'd subscription payload (decompression off) is read the same way.

Not for: the DynamoDB path (``bot.analytics.normalize``).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict

from bot.coerce import items, mapping
from bot.config.model import load_lookout

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseDataTransformationRecord as Answer

    from bot.analytics.sink import Row

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTimeEpoch": "$context.requestTimeEpoch",
        "httpMethod": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "resourcePath": "$context.resourcePath",
        "path": "$context.path",
        "status": "$context.status",
        "responseLatency": "$context.responseLatency",
        "responseLength": "$context.responseLength",
        "sourceIp": "$context.identity.sourceIp",
        "apiKeyId": "$context.identity.apiKeyId",
        "principalId": "$context.authorizer.principalId",
        "clientKey": "$context.authorizer.clientKey",
    },
    separators=(",", ":"),
)
"""The stage's access-log format (REST and HTTP APIs; a variable a stage does not have is logged as "-")."""
ABSENT = ("", "-", None)
REQUIRED = ("requestId", "requestTimeEpoch", "httpMethod", "status", "responseLatency", "responseLength")
"""Keys every line in the format has (API Gateway writes each variable of the format, "-" when it has no value);
a route key (``routeKey``, ``resourcePath`` or ``path``) and the attribution's own field are required too."""


class PartitionKeys(TypedDict):
    partitionKeys: dict[str, str]


class TransformedRecord(TypedDict):
    """One record of Firehose's transformation answer (Firehose Developer Guide, "Data transformation")."""

    recordId: str
    result: Literal["Ok", "Dropped", "ProcessingFailed"]
    data: str
    metadata: NotRequired[PartitionKeys]


class NotInFormat(ValueError):
    """A line that is not an access-log line in Lookout's format (``ACCESS_LOG_FORMAT``)."""


@dataclass(frozen=True)
class Attribution:
    """Who a request belongs to: a field of the access-log line (``clientKey``, ``apiKeyId``, ``principalId``)
    or a segment of its path (``/tenants/{id}/…`` → ``path_segment: 2``)."""

    field: str = "clientKey"
    path_segment: int | None = None

    @property
    def source(self) -> str:
        """The key of the line the customer is read from."""
        return "path" if self.path_segment is not None else self.field

    def customer(self, line: Mapping[str, object]) -> str | None:
        if self.path_segment is not None:
            parts = [p for p in str(line.get("path") or "").split("/") if p]
            value: object = parts[self.path_segment - 1] if 0 < self.path_segment <= len(parts) else None
        else:
            value = line.get(self.field)
        return None if value in ABSENT else str(value)


def transform(
    event: Mapping[str, object], attribution: Attribution
) -> tuple[dict[str, list[TransformedRecord]], list[tuple[str, str]]]:
    """Firehose's transformation event → (its answer, one entry per input record in order — Powertools'
    ``KinesisFirehoseDataTransformationResponse``; the failed records' ids and reasons, for the log: Firehose's
    answer has no room for them)."""
    from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseDataTransformationResponse

    response, failures = KinesisFirehoseDataTransformationResponse(), []
    for record in map(mapping, items(event.get("records"))):
        answer, why = _record(record, attribution)
        response.add_record(answer)
        if why:
            failures.append((str(record.get("recordId")), why))
    return response.asdict(), failures  # {"records": [...]}


def access_event(raw: object, attribution: Attribution) -> Row:
    """One access-log line as an ``access_events`` row (the day is the partition, not a column); ``NotInFormat``
    for a line in another format."""
    line = _checked(raw, attribution)
    at = datetime.fromtimestamp(int(str(line["requestTimeEpoch"])) / 1000, tz=UTC)  # digits: checked
    route = _present(line.get("routeKey")) or _present(line.get("resourcePath")) or _present(line.get("path"))
    route = route.split(" ", 1)[1] if route and " " in route else route  # HTTP APIs: "GET /orders"
    return {
        "ts": at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}",
        "request_id": _present(line.get("requestId")),
        "client_key": attribution.customer(line),
        "method": _present(line.get("httpMethod")),
        "route": route,
        "status": int(str(line["status"])),  # digits: checked
        "latency_ms": _number(line.get("responseLatency"), float),
        "bytes": _number(line.get("responseLength"), int),  # "-": not known, not zero
        "day": at.strftime("%Y-%m-%d"),
    }


def _checked(line: object, attribution: Attribution) -> Mapping[str, object]:
    """``line`` when it is one in Lookout's format, else ``NotInFormat`` saying why."""
    if not isinstance(line, dict):
        raise NotInFormat("not a JSON object")
    missing = [k for k in (*REQUIRED, attribution.source) if k not in line]
    if not any(k in line for k in ("routeKey", "resourcePath", "path")):
        missing.append("routeKey/resourcePath/path")
    if missing:
        raise NotInFormat(f"no {', '.join(missing)}: not Lookout's access-log format")
    if not str(line["requestTimeEpoch"]).isdigit():
        raise NotInFormat(f"requestTimeEpoch {line['requestTimeEpoch']!r} is not epoch milliseconds")
    status = str(line["status"])
    if not (status.isdigit() and 100 <= int(status) <= 599):
        raise NotInFormat(f"status {line['status']!r} is not an HTTP status")
    for key, kind in (("responseLatency", float), ("responseLength", int)):
        try:
            _number(line[key], kind)
        except (TypeError, ValueError):
            raise NotInFormat(f"{key} {line[key]!r} is not a number") from None
    return line


def _record(record: Mapping[str, object], attribution: Attribution) -> tuple[Answer, str]:
    from aws_lambda_powertools.utilities.data_classes import (
        KinesisFirehoseDataTransformationRecord,
        KinesisFirehoseDataTransformationRecordMetadata,
    )

    record_id, data = str(record.get("recordId")), str(record.get("data") or "")
    try:
        raw = base64.b64decode(data, validate=True)
        lines = _lines(raw)
        if lines is None:
            return KinesisFirehoseDataTransformationRecord(record_id, "Dropped", data), ""
        rows = [access_event(_json(line, number), attribution) for number, line in enumerate(lines, 1)]
    except (binascii.Error, ValueError, OSError) as error:  # NotInFormat, JSON, UTF-8 and gzip errors
        return _failed(record_id, data), f"not access-log lines in Lookout's JSON format: {error}"
    if not rows:
        return _failed(record_id, data), "no access-log line in the record"
    day = max(str(row["day"]) for row in rows)  # the latest line's day: see the module's docstring
    body = "".join(
        json.dumps({k: v for k, v in row.items() if k != "day"}, separators=(",", ":")) + "\n" for row in rows
    )
    metadata = KinesisFirehoseDataTransformationRecordMetadata(partition_keys={"day": day})
    encoded = base64.b64encode(body.encode()).decode()
    return KinesisFirehoseDataTransformationRecord(record_id, "Ok", encoded, metadata), ""


def _json(line: str, number: int) -> object:
    try:
        return json.loads(line)
    except ValueError as error:
        raise NotInFormat(f"line {number} is not JSON ({error})") from None


def _lines(raw: bytes) -> list[str] | None:
    """The access-log lines of a record: its text, one line per log event (Firehose's message extraction), or the
    events of a gzip'd subscription payload (None for a CloudWatch Logs control message)."""
    if raw[:2] != b"\x1f\x8b":
        return [line for line in raw.decode("utf-8").splitlines() if line.strip()]
    payload = json.loads(gzip.decompress(raw))
    if not isinstance(payload, dict):
        raise ValueError("a gzip'd record that is not a CloudWatch Logs subscription payload")
    if payload.get("messageType") == "CONTROL_MESSAGE":
        return None
    messages = (str(event.get("message", "")) for event in payload.get("logEvents") or [])
    return [message for message in messages if message.strip()]


def _failed(record_id: str, data: str) -> Answer:
    """Firehose writes a failed record, unchanged, under the stream's error output prefix."""
    from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseDataTransformationRecord

    return KinesisFirehoseDataTransformationRecord(record_id, "ProcessingFailed", data)


def _present(value: object) -> str | None:
    return None if value in ABSENT else str(value)


def _number(value: object, kind: type[int] | type[float]) -> int | float | None:
    return None if value in ABSENT else kind(float(str(value))) if kind is int else kind(str(value))


def load_attribution(config_file: str) -> Attribution:
    """``analytics.access_events.attribution`` of the configuration file (``bot.config.model``): ``{field:
    clientKey}`` (default) or ``{path_segment: 2}``."""
    spec = load_lookout(config_file).analytics.access_events.attribution
    return Attribution(field=spec.field, path_segment=spec.path_segment)
