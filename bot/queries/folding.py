"""Fold raw error messages into kinds: what varies from line to line replaced — URLs, e-mail addresses,
quoted values, ``key=value`` values, timestamps, UUIDs, trace ids, hex and numbers — and JSON lines reduced to
their level, message and error fields; counts summed, first/last seen kept, one sample request id each."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bot.queries.results import QueryResult
from bot.text import redact, window

_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = (
    # what a user typed or a caller chose varies from line to line: it is no part of the kind
    (re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}://[^\s\"'<>]{1,2000}"), "<url>"),
    (re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b"), "<email>"),
    (re.compile(r"\"[^\"\n]{0,400}\"|'[^'\n]{0,400}'|`[^`\n]{0,400}`"), "<q>"),
    (re.compile(r"(?<=\w)=(?!<)[^\s,;)\]}]{1,400}"), "=<v>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<uuid>"),
    (re.compile(r"\b1-[0-9a-f]{8}-[0-9a-f]{24}\b"), "<trace>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<id>"),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b"), "<id>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
)
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_REQUEST_KEYS = ("requestId", "request_id", "awsRequestId", "aws_request_id", "RequestId", "requestID")
_SUMMARY_KEYS = ("level", "msg", "message", "error", "errorType", "errorMessage", "exception")
COLUMNS = ("error", "count", "first_seen", "last_seen", "sample_request_id")


@dataclass
class _Kind:
    count: int
    first: str
    last: str
    sample: str


def _json_object(text: str) -> dict[str, object] | None:
    if not text.startswith("{"):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


KIND_CHARS = 2_000
"""What of a message decides its kind (the kind itself is cut to 300 characters after folding): a 256 KB
line is redacted and folded in its first few KB, not whole (``bench/redaction.py``)."""


def normalise(message: str) -> str:
    """The kind of an error message: what stays the same across its occurrences (secrets redacted first,
    so that folding can never break a token into pieces the redactor would miss)."""
    return kind_of(kind_text(message))


def kind_text(message: str) -> str:
    """What a message's kind is made of, redacted: a JSON record's summary fields, else the message's first
    ``KIND_CHARS`` (one windowed redaction, whatever the line's length)."""
    text = message.strip()
    record = _json_object(text)
    if record is not None:
        text = " ".join(str(record[k]) for k in _SUMMARY_KEYS if isinstance(record.get(k), str | int | float))
    return redact(window(text, KIND_CHARS))


def kind_of(text: str) -> str:
    """``kind_text``'s result folded: ids, numbers, times, URLs, e-mails and quoted values made alike."""
    for pattern, token in _FOLDS:
        text = pattern.sub(token, text)
    return " ".join(text.split())[:300]


def request_id_in(message: str) -> str:
    text = message.strip()
    record = _json_object(text)
    if record is not None:
        for key in _REQUEST_KEYS:
            if record.get(key):
                return str(record[key])
    found = _UUID.search(window(text, KIND_CHARS))
    return found.group(0) if found else ""


def fold_errors(result: QueryResult) -> tuple[QueryResult, int]:
    """Rows of (@message, count, first_seen, last_seen) folded by kind; and the total error count."""
    index = {name: i for i, name in enumerate(result.columns)}
    kinds: dict[str, _Kind] = {}
    total = 0
    for row in result.rows:
        message = row[index["@message"]] if "@message" in index else ""
        count = int(float(row[index["count"]] or 0)) if "count" in index else 1
        first = row[index["first_seen"]] if "first_seen" in index else ""
        last = row[index["last_seen"]] if "last_seen" in index else ""
        total += count
        kind = kinds.setdefault(normalise(message), _Kind(0, first, last, ""))
        kind.count += count
        kind.first = min(kind.first, first) if kind.first and first else (kind.first or first)
        kind.last = max(kind.last, last)
        kind.sample = kind.sample or request_id_in(message)
    ordered = sorted(kinds.items(), key=lambda item: (-item[1].count, item[0]))
    rows = tuple((text, str(k.count), k.first, k.last, k.sample or "–") for text, k in ordered)
    total = max(total, result.records_matched or 0)
    folded = QueryResult(
        engine=result.engine,
        columns=COLUMNS,
        rows=rows,
        seconds=result.seconds,
        bytes_scanned=result.bytes_scanned,
        records_matched=result.records_matched,
        query_id=result.query_id,
    )
    return folded, total


def merge_traffic(requests: QueryResult, errors: QueryResult, group_field: str, label: str) -> QueryResult:
    """The Insights ``/traffic`` answer: request stats per group with the error counts of the second query."""
    errors_by_group = {row[0]: row[errors.columns.index("errors")] for row in errors.rows} if errors.rows else {}
    index = {name: i for i, name in enumerate(requests.columns)}
    rows = []
    for row in requests.rows:
        group = row[index[group_field]] if group_field in index else ""
        count = int(float(row[index["requests"]] or 0)) if "requests" in index else 0
        failed = int(float(errors_by_group.get(group, "0") or 0))
        rate = f"{100 * failed / count:.2f}" if count else "0"
        rows.append(
            (
                group,
                str(count),
                rate,
                row[index["p95_ms"]] if "p95_ms" in index else "",
                row[index["bytes"]] if "bytes" in index else "",
            )
        )
    return QueryResult(
        engine="insights",
        columns=(label, "requests", "error_rate_pct", "p95_ms", "bytes"),
        rows=tuple(rows),
        seconds=max(requests.seconds, errors.seconds),
        bytes_scanned=requests.bytes_scanned + errors.bytes_scanned,
        records_matched=requests.records_matched,
        query_id=requests.query_id,
    )
