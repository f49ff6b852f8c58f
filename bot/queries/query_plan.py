"""The ``QueryPlan`` every planner returns (engine, query, parameters, log groups or table, window) and what
the planners share in building one: an Athena plan's typed parameters, the window's bounds as query values and
the ``since`` parameter that sets it.

Not for: reading command text (``bot.queries.plans``) or a saved query's arguments (``bot.queries.saved_plan``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict, Unpack

from bot.queries.params import ParamSpec, athena_literal

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bot.queries.catalog import Engine


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


class _AthenaExtras(TypedDict, total=False):
    table: str | None
    row_limit: int | None
    additive: bool
    saved: str


def athena_plan(
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


def since_parameter(maximum: timedelta) -> ParamSpec:
    """The ``since`` parameter: how far back the window starts, at most ``maximum``."""
    return ParamSpec(name="since", type="duration", max_duration=maximum)


def iso_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")
