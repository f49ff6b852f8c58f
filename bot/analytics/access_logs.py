"""API Gateway access-log lines → ``access_events`` rows: the Firehose record transformation.

The stage logs in the JSON format below (paste it as the stage's access-log format); a CloudWatch Logs
subscription sends the group to Amazon Data Firehose, whose CloudWatch Logs decompression and message
extraction hand this transform one access-log line per record. The transform maps the line to the table's
columns, attributes the request to a customer from a configured field, and sets the ``day`` partition key
(Firehose dynamic partitioning writes ``access_events/day=YYYY-MM-DD/``).

Firehose's contract: one answer per ``recordId`` — ``Ok`` with the new data, ``Dropped`` (CloudWatch Logs
control messages), or ``ProcessingFailed`` (Firehose keeps the record under its error prefix: nothing is lost).
A record that still holds a gzip'd subscription payload (decompression off) is read too, as long as its
events fall on one day — an output record has one partition.

Not for: the DynamoDB path (``bot.analytics.normalize``).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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


@dataclass(frozen=True)
class Attribution:
    """Who a request belongs to: a field of the access-log line (``clientKey``, ``apiKeyId``, ``principalId``)
    or a segment of its path (``/tenants/{id}/…`` → ``path_segment: 2``)."""

    field: str = "clientKey"
    path_segment: int | None = None

    def customer(self, line: dict[str, Any]) -> str | None:
        if self.path_segment is not None:
            parts = [p for p in str(line.get("path") or "").split("/") if p]
            value: Any = parts[self.path_segment - 1] if 0 < self.path_segment <= len(parts) else None
        else:
            value = line.get(self.field)
        return None if value in ABSENT else str(value)


def transform(event: dict[str, Any], attribution: Attribution) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Firehose's transformation event → (its answer, one entry per input record in order; the failed
    records' ids and reasons, for the log — Firehose's answer has no room for them)."""
    answers, failures = [], []
    for record in event.get("records") or []:
        answer, why = _record(record, attribution)
        answers.append(answer)
        if why:
            failures.append((str(record.get("recordId")), why))
    return {"records": answers}, failures


def access_event(line: dict[str, Any], attribution: Attribution) -> dict[str, Any]:
    """One access-log line as an ``access_events`` row (the day is the partition, not a column)."""
    at = datetime.fromtimestamp(int(str(line["requestTimeEpoch"])) / 1000, tz=UTC)
    route = _present(line.get("routeKey")) or _present(line.get("resourcePath")) or _present(line.get("path"))
    route = route.split(" ", 1)[1] if route and " " in route else route  # HTTP APIs: "GET /orders"
    return {
        "ts": at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}",
        "request_id": _present(line.get("requestId")),
        "client_key": attribution.customer(line),
        "method": _present(line.get("httpMethod")),
        "route": route,
        "status": _number(line.get("status"), int),
        "latency_ms": _number(line.get("responseLatency"), float),
        "bytes": _number(line.get("responseLength"), int) or 0,
        "day": at.strftime("%Y-%m-%d"),
    }


def _record(record: dict[str, Any], attribution: Attribution) -> tuple[dict[str, Any], str]:
    record_id = record.get("recordId")
    try:
        raw = base64.b64decode(str(record.get("data") or ""), validate=True)
        lines = _lines(raw)
        if lines is None:
            return {"recordId": record_id, "result": "Dropped", "data": record.get("data", "")}, ""
        rows = [access_event(json.loads(line), attribution) for line in lines]
    except (binascii.Error, ValueError, KeyError, TypeError, OSError, AttributeError) as error:
        return _failed(record), f"not an access-log line in the documented JSON format: {error}"
    days = {row.pop("day") for row in rows}
    if len(days) != 1:
        return _failed(record), "a gzip'd payload with events of several days: turn on Firehose's decompression"
    body = "".join(json.dumps(row, separators=(",", ":")) + "\n" for row in rows)
    answer = {
        "recordId": record_id,
        "result": "Ok",
        "data": base64.b64encode(body.encode()).decode(),
        "metadata": {"partitionKeys": {"day": days.pop()}},
    }
    return answer, ""


def _lines(raw: bytes) -> list[str] | None:
    """The access-log lines of a record: the record itself, or the events of a gzip'd subscription payload
    (None for a CloudWatch Logs control message)."""
    if raw[:2] != b"\x1f\x8b":
        return [raw.decode("utf-8").strip()]
    payload = json.loads(gzip.decompress(raw))
    if payload.get("messageType") == "CONTROL_MESSAGE":
        return None
    return [str(e["message"]).strip() for e in payload["logEvents"]]


def _failed(record: dict[str, Any]) -> dict[str, Any]:
    """Firehose writes a failed record, unchanged, under the stream's error output prefix."""
    return {"recordId": record.get("recordId"), "result": "ProcessingFailed", "data": record.get("data", "")}


def _present(value: Any) -> str | None:
    return None if value in ABSENT else str(value)


def _number(value: Any, kind: type) -> Any:
    return None if value in ABSENT else kind(float(str(value))) if kind is int else kind(str(value))


def load_attribution(config_file: str) -> Attribution:
    """``analytics.access_events.attribution`` of the configuration file: ``{field: clientKey}`` (default)
    or ``{path_segment: 2}``."""
    from pathlib import Path

    import yaml

    raw = yaml.safe_load(Path(config_file).read_text()) or {}
    spec = ((raw.get("analytics") or {}).get("access_events") or {}).get("attribution") or {}
    where = f"{config_file}: analytics.access_events.attribution"
    if not isinstance(spec, dict) or set(spec) - {"field", "path_segment"}:
        raise ValueError(f"{where}: either field: <access-log field> or path_segment: <n>")
    segment = spec.get("path_segment")
    if segment is not None and (not isinstance(segment, int) or segment < 1):
        raise ValueError(f"{where}.path_segment: a position from 1, got {segment!r}")
    return Attribution(field=str(spec.get("field") or "clientKey"), path_segment=segment)
