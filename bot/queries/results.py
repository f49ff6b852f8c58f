"""Query outcomes shared by both engines: progress, results, cost, and failures worded for users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

ATHENA_USD_PER_TB = 5.0
ATHENA_MIN_BYTES = 10 * 1024**2
INSIGHTS_USD_PER_GB = 0.005


class QueryError(Exception):
    """A query could not give an answer; ``str()`` is a sentence the user can act on."""


class QueryTimeout(QueryError):
    pass


class QueryRefused(QueryError):
    """Not run, or stopped, by a guardrail (too many running, bytes-scanned cutoff, not allowed)."""


class QueryFailed(QueryError):
    pass


@dataclass(frozen=True)
class Progress:
    state: str
    seconds: float
    bytes_scanned: int = 0
    records_matched: int | None = None


@dataclass(frozen=True)
class QueryResult:
    engine: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    seconds: float
    bytes_scanned: int
    total_rows: int | None = None
    """Rows the query produced when more than ``rows`` were read; None means ``len(rows)``."""
    records_matched: int | None = None
    query_id: str = ""

    @property
    def row_count(self) -> int:
        return self.total_rows if self.total_rows is not None else len(self.rows)

    @property
    def cost_usd(self) -> float:
        return estimated_cost(self.engine, self.bytes_scanned)


def poll_waits(longest: float, first: float = 0.25) -> Iterator[float]:
    """Seconds between status polls: a quarter second, doubling up to ``longest``. Most of our queries finish
    in one to three seconds; a fixed one-second poll adds half a second to each answer on average, and the
    status calls (GetQueryExecution, GetQueryResults) are free."""
    wait = min(first, longest)
    while True:
        yield wait
        wait = min(wait * 2, longest)


def estimated_cost(engine: str, bytes_scanned: int) -> float:
    if engine == "athena":
        return max(bytes_scanned, ATHENA_MIN_BYTES) / 1024**4 * ATHENA_USD_PER_TB
    return bytes_scanned / 1024**3 * INSIGHTS_USD_PER_GB
