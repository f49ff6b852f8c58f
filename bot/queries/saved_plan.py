"""``/query NAME key=value …`` → a ``QueryPlan``: the saved query from the catalog, its arguments validated
against its parameters (``since`` among them), and those and the window bound to its ``{{placeholders}}`` —
Athena's as ``?`` typed parameters, Insights' as escaped literals.

Not for: the other commands (``bot.queries.plans``) or the catalog itself (``bot.queries.catalog``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.queries.catalog import PLACEHOLDER
from bot.queries.params import ParameterError, format_duration, insights_literal
from bot.queries.query_plan import QueryPlan, athena_plan, iso_day, iso_time, since_parameter

if TYPE_CHECKING:
    from datetime import datetime

    from bot.queries.catalog import QueryConfig, SavedQuery


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
        "start": iso_time(start),
        "end": iso_time(now),
        "start_day": iso_day(start),
        "end_day": iso_day(now),
    }
    bound = {**window, **values}
    title = f"{saved.name}, last {format_duration(since)}"
    if saved.engine == "athena":
        ordered: list[str | int] = [bound[m.group(1)] for m in PLACEHOLDER.finditer(saved.text)]  # type: ignore[misc]
        query = PLACEHOLDER.sub("?", saved.text)
        return athena_plan(
            "/query", title, query, ordered, start, now, table=", ".join(saved.tables), saved=saved.name
        )
    query = PLACEHOLDER.sub(lambda m: insights_literal(bound[m.group(1)]), saved.text)  # type: ignore[arg-type]
    return QueryPlan("/query", title, "insights", query, start, now, log_groups=saved.log_groups, saved=saved.name)


def _arguments(saved: SavedQuery, args: list[str]) -> dict[str, str | int | timedelta]:
    specs = {p.name: p for p in saved.params}
    specs["since"] = since_parameter(saved.window.maximum)
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
