"""Run a parsed Logs Insights query over the records of log events (``local.insights.fields`` discovers their
fields): each command in order, ``stats`` aggregates, and the rows in GetQueryResults' shape."""

from __future__ import annotations

import math
from functools import cmp_to_key
from typing import TYPE_CHECKING, Any

from local.insights.evaluation import arithmetic, evaluate, number, render, truthy
from local.insights.fields import Stamp, discover
from local.insights.lang import Command, Expr, MalformedQuery
from local.insights.sort import compare, sort_rows

if TYPE_CHECKING:
    from collections.abc import Iterable

DEFAULT_LIMIT = 10_000
"""Insights returns at most 10,000 rows unless ``limit`` says otherwise (up to 100,000)."""

__all__ = ["DEFAULT_LIMIT", "Stamp", "discover", "evaluate", "render", "result_rows", "run"]


def run(
    commands: list[Command], records: list[dict[str, Any]], limit: int | None = None
) -> tuple[list[str], list[dict[str, Any]], int]:
    """(columns, rows, records matched) for ``commands`` over ``records`` (oldest first)."""
    rows = [dict(r) for r in records]
    shown: list[str] = []
    display: list[str] | None = None
    aggregated = False
    matched: int | None = None
    row_limit = limit or DEFAULT_LIMIT
    ordered = False
    for command in commands:
        if command.name in ("fields", "display"):
            for row in rows:
                for expr, name in command.exprs:
                    if expr.kind != "field" or name != expr.value:
                        row[name] = evaluate(expr, row)
            names = [name for _, name in command.exprs]
            if command.name == "display":
                display = names
            else:
                shown += [n for n in names if n not in shown]
        elif command.name == "filter":
            rows = [row for row in rows if truthy(evaluate(command.exprs[0][0], row))]
        elif command.name == "parse":
            for row in rows:
                found = command.pattern.search(str(row.get(command.source, "")))
                if found:
                    values = (
                        found.groupdict()
                        if found.re.groupindex
                        else dict(zip(command.names, found.groups(), strict=False))
                    )
                    row.update({k: v for k, v in values.items() if v is not None})
        elif command.name == "stats":
            matched = len(rows)
            rows, shown = _stats(command, rows), [n for _, n in command.by] + [n for _, n in command.exprs]
            aggregated, display = True, None
        elif command.name == "sort":
            for name, descending in reversed(command.order):
                rows = sort_rows(rows, name, descending)
            ordered = True
        elif command.name == "limit":
            row_limit = min(row_limit, command.count) if limit else command.count
            if not ordered and not aggregated:
                rows, ordered = _newest_first(rows), True
            rows = rows[: command.count]
        elif command.name == "dedup":
            rows = _dedup(rows, command.names, ordered)
    if not ordered and not aggregated:
        rows = _newest_first(rows)
    columns = display or shown or ["@timestamp", "@message"]
    if not aggregated and "@ptr" not in columns:
        columns = [*columns, "@ptr"]
    return columns, rows[:row_limit], matched if matched is not None else len(rows)


def _newest_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Log events as Insights returns them when no ``sort`` says otherwise: newest first (the dedup page's
    "default descending sort order using @timestamp"; ``limit`` without a sort keeps the newest events)."""
    return sorted(rows, key=lambda row: int(row.get("@timestamp") or 0), reverse=True)


def _dedup(rows: list[dict[str, Any]], names: list[str], ordered: bool) -> list[dict[str, Any]]:
    """The first row per value of ``names`` — the newest when no ``sort`` came before — and every row that
    lacks one of the fields (Insights does not deduplicate missing values)."""
    seen: set[tuple[str, ...]] = set()
    keep: set[int] = set()
    candidates = list(enumerate(rows))
    if not ordered:
        candidates.sort(key=lambda item: int(item[1].get("@timestamp") or 0), reverse=True)
    for index, row in candidates:
        values = [row.get(n) for n in names]
        if any(v is None for v in values):
            keep.add(index)
            continue
        key = tuple(str(v) for v in values)
        if key not in seen:
            seen.add(key)
            keep.add(index)
    return [row for index, row in enumerate(rows) if index in keep]


def _stats(command: Command, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        key = tuple(evaluate(expr, row) for expr, _ in command.by)
        if command.by and all(value is None for value in key):
            continue  # a record without any of the by-fields is in no group
        groups.setdefault(key, []).append(row)
    if not command.by and not groups:
        groups[()] = []
    out = []
    for key, members in groups.items():
        result = {name: value for (_, name), value in zip(command.by, key, strict=True)}
        for expr, name in command.exprs:
            result[name] = _aggregate_expr(expr, members, result)
        out.append(result)
    return out


def _aggregate_expr(expr: Expr, rows: list[dict[str, Any]], so_far: dict[str, Any]) -> Any:
    """An aggregate, or arithmetic on aggregates and on the names of earlier ones (``max(a) / 1000``,
    ``provisioned - used``)."""
    if expr.kind == "call":
        return _aggregate(expr, rows)
    if expr.kind == "field":
        return so_far.get(expr.value)
    if expr.kind == "literal":
        return expr.value
    left, right = (_aggregate_expr(arg, rows, so_far) for arg in expr.args)
    return arithmetic(expr.value, left, right)


def _aggregate(expr: Expr, rows: list[dict[str, Any]]) -> Any:
    function = expr.value
    if function in ("earliest", "latest"):
        stamped = [(int(r.get("@timestamp") or 0), evaluate(expr.args[0], r)) for r in rows]
        stamped = [(t, v) for t, v in stamped if v is not None]
        if not stamped:
            return None
        return (min if function == "earliest" else max)(stamped, key=lambda item: item[0])[1]
    if function == "count":
        if not expr.args or (expr.args[0].kind == "literal" and expr.args[0].value == "*"):
            return len(rows)
        return sum(1 for r in rows if evaluate(expr.args[0], r) is not None)
    values = [evaluate(expr.args[0], r) for r in rows] if expr.args else []
    values = [v for v in values if v is not None]
    if function == "count_distinct":
        return len({str(v) for v in values})
    if function in ("min", "max"):
        if not values:
            return None
        numbers = [v for v in values if number(v) is not None]
        if len(numbers) == len(values):
            chosen = (min if function == "min" else max)(numbers, key=lambda v: float(number(v) or 0))
            return chosen
        return (min if function == "min" else max)(str(v) for v in values)
    numbers = [n for n in (number(v) for v in values) if n is not None]
    if function == "sum":
        return sum(numbers) if numbers else None
    if function == "avg":
        return sum(numbers) / len(numbers) if numbers else None
    if function == "stddev":
        if len(numbers) < 2:
            return 0.0 if numbers else None
        mean = sum(numbers) / len(numbers)
        return math.sqrt(sum((n - mean) ** 2 for n in numbers) / (len(numbers) - 1))  # sample deviation
    if function in ("pct", "percentile"):
        if not numbers:
            return None
        share = min(max(float(evaluate(expr.args[1], {})), 0.0), 100.0)  # the parser allows 0 to 100 only
        ordered = sorted(numbers)
        return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]
    if function in ("sortsfirst", "sortslast"):
        # "the value of fieldName that sorts first (last)": the order of `sort … asc` (local.insights.sort)
        if not values:
            return None
        ordered_values = sorted(values, key=cmp_to_key(compare))
        return ordered_values[0] if function == "sortsfirst" else ordered_values[-1]
    raise MalformedQuery(f"unsupported aggregate: {function}()")


def result_rows(columns: Iterable[str], rows: list[dict[str, Any]]) -> list[list[dict[str, str]]]:
    """Rows in GetQueryResults' shape; a field a row lacks is left out, as Insights does."""
    return [[{"field": c, "value": render(row[c])} for c in columns if row.get(c) is not None] for row in rows]
