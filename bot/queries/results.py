"""Query outcomes shared by both engines: progress, results, cost, and failures worded for users; and how a
started query is polled until it is done, failed or stopped on timeout."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_Answer = TypeVar("_Answer")

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


@dataclass(frozen=True)
class Polling:
    """How a started query is polled: waits from ``poll_waits(interval)``, stopped after ``timeout``."""

    timeout: timedelta
    interval: float = 1.0
    sleep: Callable[[float], None] = time.sleep

    def until_done(
        self,
        check: Callable[[float], tuple[Progress, _Answer | None]],
        stop: Callable[[], object],
        on_progress: Callable[[Progress], None] | None,
    ) -> _Answer:
        """``check(started)`` (``started``: ``time.monotonic()`` when polling began) until it gives the answer,
        reporting progress between checks; ``check`` raises when the query failed. Past the timeout, ``stop()``
        the query and raise ``QueryTimeout``."""
        started = time.monotonic()
        deadline = started + self.timeout.total_seconds()
        waits = poll_waits(self.interval)
        while True:
            progress, answer = check(started)
            if answer is not None:
                return answer
            if time.monotonic() >= deadline:
                stop()
                raise QueryTimeout(
                    f"the query ran longer than {int(self.timeout.total_seconds())} s and was stopped; "
                    "try a shorter window"
                )
            if on_progress:
                on_progress(progress)
            self.sleep(next(waits))


@dataclass(kw_only=True)
class PolledRunner:
    """A query runner's polling settings: a query still running after ``timeout`` is stopped; ``poll_s`` is the
    longest wait between status polls; ``sleep`` waits (tests make it instant)."""

    timeout: timedelta = timedelta(seconds=60)
    poll_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep

    @property
    def polling(self) -> Polling:
        return Polling(self.timeout, self.poll_s, self.sleep)


def estimated_cost(engine: str, bytes_scanned: int) -> float:
    if engine == "athena":
        return max(bytes_scanned, ATHENA_MIN_BYTES) / 1024**4 * ATHENA_USD_PER_TB
    return bytes_scanned / 1024**3 * INSIGHTS_USD_PER_GB
