"""The weekly digest: a configured set of slash commands run for this week and the week before, as one value —
the tables, the week-over-week change, and what the queries cost. A failing query is one section that says
why; the digest itself never goes missing.

``infra/lookout.yaml`` (validated by ``bot.config.model.Digest``)::

    digest:
      channel: "#product-analytics"
      queries:                       # any /traffic, /errors or /query line; "7d" windows compare best
        - /traffic 7d by customer
        - /query popular-fields since=7d

When it posts is the template's (``DigestDay``, ``DigestHour``, ``DigestTimezone``: ``bot.analytics.schedule``).
Not for: drawing it (``bot.slack.blocks.digest_message``) or posting it (``handlers/digest.py``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.config.model import load_lookout
from bot.queries.results import QueryError

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.queries.query_plan import QueryPlan
    from bot.queries.results import QueryResult

WEEK = timedelta(days=7)
CHANGE_COLUMN = "vs last week"


@dataclass(frozen=True)
class DigestConfig:
    channel: str
    queries: tuple[str, ...]


@dataclass(frozen=True)
class DigestSection:
    line: str
    title: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    measure: str = ""
    """The column compared week over week (the first numeric one), "" when there is none."""
    total: float | None = None
    """The measure summed over the rows, when that is a total: the command's measure adds up (/traffic
    requests, /errors counts; a saved query's columns are not known to) and no row was cut by its LIMIT."""
    previous_total: float | None = None
    bytes_scanned: int = 0
    cost_usd: float = 0.0
    error: str = ""

    @property
    def change(self) -> float | None:
        if self.total is None or not self.previous_total:
            return None
        return (self.total - self.previous_total) / self.previous_total


@dataclass(frozen=True)
class Digest:
    start: datetime
    end: datetime
    channel: str
    sections: tuple[DigestSection, ...]

    @property
    def cost_usd(self) -> float:
        return sum(s.cost_usd for s in self.sections)


def load_digest_config(config_file: str) -> DigestConfig | None:
    """The ``digest`` section of the configuration file, None when it has none; ``ConfigError`` names the field."""
    spec = load_lookout(config_file).digest
    return None if spec is None else DigestConfig(spec.channel, tuple(spec.queries))


def build_digest(
    config: DigestConfig,
    plan_line: Callable[[str, datetime], QueryPlan],
    run: Callable[[QueryPlan, str], QueryResult],
    now: datetime,
) -> Digest:
    """Every configured query for the week up to ``now`` and the week before."""

    def week(line: str, until: datetime) -> tuple[QueryPlan, QueryResult]:
        plan = plan_line(line, until)
        return plan, run(plan, _token(line, until))

    sections = tuple(_section(line, week, now) for line in config.queries)
    return Digest(start=now - WEEK, end=now, channel=config.channel, sections=sections)


def _section(
    line: str, week: Callable[[str, datetime], tuple[QueryPlan, QueryResult]], now: datetime
) -> DigestSection:
    """One query's section: ``week(line, until)`` plans and runs it for the week up to ``until``."""
    try:
        this_plan, this_week = week(line, now)
        _, last_week = week(line, now - WEEK)
    except QueryError as error:
        return DigestSection(line, error=str(error))
    except Exception as error:  # noqa: BLE001 - a broken query costs its section, never the digest
        return DigestSection(line, error=f"could not run ({type(error).__name__}); the details are in the logs")
    measure = _measure(this_week.columns, this_week.rows)
    rows, total, previous = this_week.rows, None, None
    columns = this_week.columns
    if measure is not None:
        if not _time_keyed(this_week.rows):  # an hour of this week has no twin last week: totals only
            before = {row[0]: _number(row[measure]) for row in last_week.rows if row}
            rows = tuple((*row, _change(_number(row[measure]), before.get(row[0]))) for row in this_week.rows)
            columns = (*columns, CHANGE_COLUMN)
        if this_plan.additive and all(_complete(r, this_plan.row_limit) for r in (this_week, last_week)):
            total = sum(_number(r[measure]) or 0.0 for r in this_week.rows)
            previous = sum(_number(r[measure]) or 0.0 for r in last_week.rows)
    return DigestSection(
        line,
        title=this_plan.title,
        columns=columns,
        rows=rows,
        measure=this_week.columns[measure] if measure is not None else "",
        total=total,
        previous_total=previous,
        bytes_scanned=this_week.bytes_scanned + last_week.bytes_scanned,
        cost_usd=this_week.cost_usd + last_week.cost_usd,
    )


def _measure(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> int | None:
    """The first column after the key whose values are all numbers."""
    for index in range(1, len(columns)):
        values = [r[index] for r in rows if index < len(r) and r[index] not in ("", "–")]
        if values and all(_number(v) is not None for v in values):
            return index
    return None


def _complete(result: QueryResult, row_limit: int | None) -> bool:
    """No row was cut by the query's LIMIT: a total of what is shown is the total."""
    return row_limit is None or result.row_count < row_limit


def _time_keyed(rows: tuple[tuple[str, ...], ...]) -> bool:
    return bool(rows) and all(re.match(r"\d{4}-\d{2}-\d{2}", str(row[0])) for row in rows if row)


def _change(now: float | None, before: float | None) -> str:
    if now is None:
        return "–"
    if before is None:
        return "new"
    if before == 0:
        return "–" if now == 0 else "new"
    return f"{(now - before) / before * 100:+.0f}%"


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _token(line: str, now: datetime) -> str:
    """Athena's ClientRequestToken: the same digest run (a retried schedule) starts each query once."""
    return hashlib.sha256(f"digest|{line}|{now:%Y-%m-%dT%H}".encode()).hexdigest()[:64]
