"""Slash command text → a ``QueryPlan``: the exact query, its parameters, what it reads and its window.

Pure and fast (no network): the Slack app builds the plan before ``ack()`` so that bad input is refused at
once, and ``lookout slash --dry-run`` prints the same plan. Command words and enums choose among fixed query
texts; the only user values that reach a query are typed parameters (see ``bot.queries.params``). ``/errors``
and ``/traffic`` are planned here, ``/query NAME`` by ``bot.queries.saved_plan``; the plan itself is
``bot.queries.query_plan``.
"""

from __future__ import annotations

import math
import shlex
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.queries.params import ParameterError, format_duration
from bot.queries.query_plan import QueryPlan, athena_plan, iso_day, iso_time, since_parameter
from bot.queries.saved_plan import saved_query_plan

if TYPE_CHECKING:
    from bot.queries.catalog import QueryConfig

TRAFFIC_GROUPS = ("customer", "endpoint", "status", "hour")
ERRORS_QUERY = """# lookout /errors
fields @timestamp, @message
| filter @message like /(?i)(error|exception|fatal|panic|traceback|timed out)/
| stats count(*) as count, min(@timestamp) as first_seen, max(@timestamp) as last_seen by @message
| sort count desc
| limit 1000"""
_ATHENA_GROUP = {
    "customer": "client_key",
    "endpoint": "concat(method, ' ', route)",
    "status": "CAST(status AS varchar)",
    "hour": "date_format(date_trunc('hour', ts), '%Y-%m-%d %H:00')",
}
_INSIGHTS_FIELDS = {
    "customer": "clientKey",
    "endpoint": "routeKey",
    "status": "status",
    "latency": "responseLatency",
    "bytes": "responseLength",
}
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})


class HelpRequested(Exception):
    """The user asked for help (``help`` as the argument)."""


def split_command(text: str) -> tuple[str, list[str]]:
    """``"/errors orders-api 2h"`` → ("/errors", ["orders-api", "2h"]), undoing Slack's escaping."""
    cleaned = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").translate(_SMART_QUOTES)
    try:
        words = shlex.split(cleaned)
    except ValueError as exc:
        raise ParameterError(f"could not read the arguments: {exc} (check your quotes)") from None
    if not words or not words[0].startswith("/"):
        raise ParameterError("start with the command, e.g. /errors orders-api 2h")
    return words[0].lower(), words[1:]


def plan(command: str, args: list[str], config: QueryConfig, now: datetime | None = None) -> QueryPlan:
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if any(a.lower() == "help" for a in args[:1]):
        raise HelpRequested(command)
    if command == "/errors":
        return errors_plan(args, config, now)
    if command == "/traffic":
        return traffic_plan(args, config, now)
    if command == "/query":
        if not args or args[0].lower() == "list":
            raise HelpRequested("/query")
        return saved_query_plan(args[0].lower(), args[1:], config, now)
    raise ParameterError(f"unknown command {command}; try /lookout help")


def errors_plan(args: list[str], config: QueryConfig, now: datetime) -> QueryPlan:
    service, since = config.default_service, config.window.default
    window = since_parameter(config.window.maximum)
    for arg in args:
        if arg in config.services:
            service = arg
        elif arg[:1].isdigit():
            since = window.validate(arg)  # type: ignore[assignment]
        else:
            known = ", ".join(sorted(config.services))
            raise ParameterError(f"unknown service {arg!r}: /errors knows {known}")
    return QueryPlan(
        command="/errors",
        title=f"Top errors in {service}, last {format_duration(since)}",
        engine="insights",
        query=ERRORS_QUERY,
        start=now - since,
        end=now,
        log_groups=config.services[service],
        kind="errors",
        row_limit=1000,
        additive=True,
    )


def traffic_plan(args: list[str], config: QueryConfig, now: datetime) -> QueryPlan:
    since, group = config.window.default, "customer"
    window = since_parameter(config.window.maximum)
    words = [a.lower() for a in args]
    for i, word in enumerate(words):
        if word == "by" or word.startswith("by="):
            continue
        if word[:1].isdigit():
            since = window.validate(word)  # type: ignore[assignment]
        elif word in TRAFFIC_GROUPS:
            group = word
        else:
            after_by = i > 0 and words[i - 1] == "by"
            what = f"by {word!r}" if after_by else repr(word)
            raise ParameterError(f"{what} is not understood: /traffic [since] [by {'|'.join(TRAFFIC_GROUPS)}]")
    start = now - since
    title = f"Traffic by {group}, last {format_duration(since)}"
    # by hour, every hour of the window (oldest first; H hours span at most H + 1 buckets, so a full answer
    # stays under the LIMIT and reads as complete); by anything else, the 100 busiest
    limit = max(100, math.ceil(since.total_seconds() / 3600) + 2) if group == "hour" else 100
    traffic = config.traffic
    if traffic.backend == "athena":
        table = f"{traffic.database}.{traffic.table}" if traffic.database else traffic.table
        query = f"""-- lookout /traffic by {group}
SELECT {_ATHENA_GROUP[group]} AS {group},
       count(*) AS requests,
       round(100 * CAST(count_if(status >= 500) AS double) / count(*), 2) AS error_rate_pct,
       round(100 * CAST(count_if(status >= 400 AND status < 500) AS double) / count(*), 2) AS client_error_pct,
       round(approx_percentile(latency_ms, 0.95), 1) AS p95_ms,
       sum(bytes) AS bytes
FROM {table}
WHERE day BETWEEN ? AND ?
  AND ts >= from_iso8601_timestamp(?) AND ts < from_iso8601_timestamp(?)
GROUP BY 1
ORDER BY {"1" if group == "hour" else "requests DESC"}
LIMIT {limit}"""
        values = (iso_day(start), iso_day(now), iso_time(start), iso_time(now))
        return athena_plan(
            "/traffic", title, query, values, start, now, table=table, row_limit=limit, additive=True
        )
    fields = {**_INSIGHTS_FIELDS, **traffic.fields}
    by = "bin(1h)" if group == "hour" else fields[group]
    query = (
        f"# lookout /traffic by {group}\n"
        f"stats count(*) as requests, pct({fields['latency']}, 95) as p95_ms,"
        f" sum({fields['bytes']}) as bytes by {by}\n"
        f"| sort requests desc\n| limit {limit}"
    )
    companion = f"# lookout /traffic errors\nfilter {fields['status']} >= 500\n| stats count(*) as errors by {by}"
    return QueryPlan(
        "/traffic",
        title,
        "insights",
        query,
        start,
        now,
        log_groups=traffic.log_groups,
        kind="traffic",
        companion=companion,
        labels={by: group},
        row_limit=limit,
        additive=True,
    )
