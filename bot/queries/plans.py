"""Slash command text → a ``QueryPlan``: the exact query, its parameters, what it reads and its window.

Pure and fast (no network): the Slack app builds the plan before ``ack()`` so that bad input is refused at
once, and ``lookout slash --dry-run`` prints the same plan. Command words and enums choose among fixed query
texts; the only user values that reach a query are typed parameters (see ``bot.queries.params``).
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict, Unpack

from bot.queries.catalog import PLACEHOLDER, Engine, QueryConfig, SavedQuery
from bot.queries.params import ParameterError, ParamSpec, athena_literal, format_duration, insights_literal

if TYPE_CHECKING:
    from collections.abc import Iterable

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


@dataclass(frozen=True)
class QueryPlan:
    command: str
    title: str
    engine: Engine
    query: str
    start: datetime
    end: datetime
    parameters: tuple[str, ...] = ()
    log_groups: tuple[str, ...] = ()
    table: str | None = None
    kind: str = "table"
    """How results are read: "errors" (normalise and fold), "traffic" (merge the error counts), "table"."""
    companion: str | None = None
    """A second Insights query run alongside (``/traffic`` error counts)."""
    labels: dict[str, str] = field(default_factory=dict)
    row_limit: int | None = None
    """The query's LIMIT: a result with this many rows may have been cut."""
    additive: bool = False
    """Whether the first measure adds up across rows to a total (requests per customer do; a saved query's
    columns are not known to)."""
    saved: str = ""
    """The saved query planned (``/query NAME``), else empty."""

    def as_json(self) -> dict[str, object]:
        scope: dict[str, object] = (
            {"log_groups": list(self.log_groups)} if self.engine == "insights" else {"table": self.table}
        )
        return {
            "engine": self.engine,
            "query": self.query,
            "parameters": list(self.parameters),
            **scope,
            "start": self.start.isoformat().replace("+00:00", "Z"),
            "end": self.end.isoformat().replace("+00:00", "Z"),
        }


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
    window = _since(config.window.maximum)
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
    window = _since(config.window.maximum)
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
        values = (_day(start), _day(now), _iso(start), _iso(now))
        return _athena_plan(
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


def saved_query_plan(name: str, args: list[str], config: QueryConfig, now: datetime) -> QueryPlan:
    saved = config.queries.get(name)
    if saved is None:
        known = ", ".join(sorted(config.queries)) or "none"
        raise ParameterError(f"there is no saved query {name!r}; saved queries: {known} (/query list)")
    values = _arguments(saved, args)
    since = values.pop("since", saved.window.default)
    assert isinstance(since, timedelta)
    start = now - since
    window: dict[str, str | int] = {
        "start": _iso(start),
        "end": _iso(now),
        "start_day": _day(start),
        "end_day": _day(now),
    }
    bound = {**window, **values}
    title = f"{saved.name}, last {format_duration(since)}"
    if saved.engine == "athena":
        ordered: list[str | int] = [bound[m.group(1)] for m in PLACEHOLDER.finditer(saved.text)]  # type: ignore[misc]
        query = PLACEHOLDER.sub("?", saved.text)
        return _athena_plan(
            "/query", title, query, ordered, start, now, table=", ".join(saved.tables), saved=saved.name
        )
    query = PLACEHOLDER.sub(lambda m: insights_literal(bound[m.group(1)]), saved.text)  # type: ignore[arg-type]
    return QueryPlan("/query", title, "insights", query, start, now, log_groups=saved.log_groups, saved=saved.name)


class _AthenaExtras(TypedDict, total=False):
    table: str | None
    row_limit: int | None
    additive: bool
    saved: str


def _athena_plan(
    command: str,
    title: str,
    query: str,
    values: Iterable[str | int],
    start: datetime,
    end: datetime,
    **more: Unpack[_AthenaExtras],
) -> QueryPlan:
    """An Athena plan: ``values`` bound, in order, to the query's ``?`` as typed parameters."""
    parameters = tuple(athena_literal(v) for v in values)
    return QueryPlan(command, title, "athena", query, start, end, parameters=parameters, **more)


def _arguments(saved: SavedQuery, args: list[str]) -> dict[str, str | int | timedelta]:
    specs = {p.name: p for p in saved.params}
    specs["since"] = _since(saved.window.maximum)
    given: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep:
            raise ParameterError(f"{arg!r}: give parameters as key=value ({saved.usage()})")
        key = key.strip().lower()
        if key not in specs:
            raise ParameterError(f"{saved.name} has no parameter {key!r}: {saved.usage()}")
        given[key] = value
    values: dict[str, str | int | timedelta] = {}
    for key, spec in specs.items():
        raw = given.get(key, spec.default)
        if raw is None:
            if key == "since":
                continue
            raise ParameterError(f"{saved.name} needs {key}: {saved.usage()}")
        values[key] = spec.validate(raw)
    return values


def _since(maximum: timedelta) -> ParamSpec:
    return ParamSpec(name="since", type="duration", max_duration=maximum)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")
