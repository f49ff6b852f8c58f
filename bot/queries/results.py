"""Query outcomes shared by both engines: progress, results, cost, and failures worded for users."""

from __future__ import annotations

from dataclasses import dataclass

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


def estimated_cost(engine: str, bytes_scanned: int) -> float:
    if engine == "athena":
        return max(bytes_scanned, ATHENA_MIN_BYTES) / 1024**4 * ATHENA_USD_PER_TB
    return bytes_scanned / 1024**3 * INSIGHTS_USD_PER_GB
