"""Application Load Balancer access logs → ``alb_events`` rows (the ``access_events`` columns).

An ALB writes its access logs to S3 itself (a gzip'd object per node every five minutes, in the documented
space-separated format; it cannot log to CloudWatch Logs), so this path starts from the object: the bucket
sends "Object Created" to EventBridge, ``handlers/alb_logs.py`` reads the object, and each entry becomes a
row. Rows are written as JSON lines under ``alb_events/day=…/`` in objects named after the log object, so a
redelivered event overwrites what it wrote before: EventBridge's at-least-once delivery stays exactly-once
in S3. (Parquet would need a Parquet writer in the Lambda package; a five-minute log object is small enough
that JSON lines cost little.) Entries that cannot be read are kept, verbatim, under ``alb_events_errors/``.

Row mapping: ``ts`` is the entry's ``time`` (when the load balancer answered); ``request_id`` the X-Ray trace
id, the ``Root`` of its ``trace_id`` (the ``X-Amzn-Trace-Id`` header: ``Root=1-…``, possibly with ``Self=``
and other parts), so it joins with X-Ray's trace ids; ``method`` and ``route`` come from the request line, with
id-like path segments folded to ``{id}`` (an ALB knows no route templates); ``status`` is ``elb_status_code``;
``latency_ms`` the three processing times together (none when any is -1: the request never completed);
``bytes`` is ``sent_bytes`` (none when the entry has "-": unknown, not zero).
The customer comes from ``analytics.access_events.attribution``: a field of the entry by its documented name
(``domain_name`` for tenant subdomains, ``client_ip``…) or a segment of the request path.

Not for: API Gateway access logs (``bot.analytics.access_logs``) or writing objects (``bot.analytics.sink``).
"""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from bot.analytics.access_logs import Attribution
    from bot.analytics.sink import Row

FIELDS = (
    "type",
    "time",
    "elb",
    "client",
    "target",
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
    "elb_status_code",
    "target_status_code",
    "received_bytes",
    "sent_bytes",
    "request",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
    "target_group_arn",
    "trace_id",
    "domain_name",
    "chosen_cert_arn",
    "matched_rule_priority",
    "request_creation_time",
    "actions_executed",
    "redirect_url",
    "error_reason",
    "target_port_list",
    "target_status_code_list",
    "classification",
    "classification_reason",
    "conn_trace_id",
)
"""The entry's fields in the order the ELB User Guide documents them; older entries stop earlier, newer ones
may add fields at the end (ignored, as the guide asks)."""
REQUIRED = 18  # up to trace_id: every entry since 2018 has them
_ID_SEGMENT = re.compile(
    r"\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{16,}|"
    r"[0-9A-HJKMNP-TV-Z]{26}"
)
"""Numbers, UUIDs, long hex strings and ULIDs: one route, many ids."""


class NotAnEntry(ValueError):
    """A line that is not an ALB access-log entry in the documented format."""


def parse_entry(line: str) -> dict[str, str]:
    """An entry's fields by their documented names (``client`` and ``target`` also split into ``*_ip``)."""
    try:
        values = shlex.split(line, posix=True)
    except ValueError as error:  # an unbalanced quote
        raise NotAnEntry(f"unreadable quoting: {error}") from None
    if len(values) < REQUIRED:
        raise NotAnEntry(f"{len(values)} fields, an ALB entry has at least {REQUIRED}")
    fields = dict(zip(FIELDS, values, strict=False))
    for side in ("client", "target"):
        host = fields.get(side, "-")
        fields[f"{side}_ip"] = host.rsplit(":", 1)[0] if host != "-" else "-"
    return fields


def access_event(fields: dict[str, str], attribution: Attribution) -> Row:
    """One parsed entry as an ``alb_events`` row, with its ``day`` (the partition)."""
    try:
        at = datetime.strptime(fields["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        raise NotAnEntry(f"time {fields['time']!r} is not ISO 8601 with microseconds") from None
    method, path = _request(fields.get("request", ""))
    times = [_float(fields.get(k)) for k in FIELDS[5:8]]
    latency = None if any(t is None or t < 0 for t in times) else round(sum(t or 0.0 for t in times) * 1000, 3)
    return {
        "ts": at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}",
        "request_id": trace_root(fields.get("trace_id", "-")),
        "client_key": attribution.customer({**fields, "path": path}),
        "method": method,
        "route": fold_path(path) if path else None,
        "status": _int(fields.get("elb_status_code")),
        "latency_ms": latency,
        "bytes": _int(fields.get("sent_bytes")),
        "day": at.strftime("%Y-%m-%d"),
    }


def rows_of(text: str, attribution: Attribution) -> tuple[list[Row], list[tuple[str, str]]]:
    """Every entry of a log object's text as a row; (the lines that are not entries, and why)."""
    rows: list[Row] = []
    failed: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            rows.append(access_event(parse_entry(line), attribution))
        except NotAnEntry as why:
            failed.append((line, str(why)))
    return rows, failed


def trace_root(header: str) -> str | None:
    """``Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1`` → ``1-5759e988-bd862e3fe1be46a994272793``."""
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "Root" and value:
            return value
    return None


def fold_path(path: str) -> str:
    return "/".join("{id}" if _ID_SEGMENT.fullmatch(part) else part for part in path.split("/")) or "/"


def _request(request: str) -> tuple[str | None, str | None]:
    """``"GET http://www.example.com:80/orders/7?x=1 HTTP/1.1"`` → ("GET", "/orders/7"); "- - -" → nothing."""
    parts = request.split(" ")
    if len(parts) < 2 or parts[0] == "-":
        return None, None
    url = urlsplit(parts[1])
    return parts[0], url.path or "/"


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "", "-") else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "", "-") else None
    except ValueError:
        return None
