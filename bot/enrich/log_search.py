"""The newest matching events of one log group before a moment, found backwards in time slices, bounded.

``FilterLogEvents`` pages run oldest first, so paging a whole window forward during an error storm ends on
events from minutes before the state change. This search starts with the last minutes before ``end`` and
widens backwards (×4 each step) until it holds ``keep`` events or the window is covered; a slice with more
than a page of matches is narrowed towards its end rather than paged through, down to one second, which is
paged through as far as the budget goes. Empty pages that still carry a ``nextToken`` are documented behaviour
("this operation can return empty results while there are more log events available through the token") and
are followed. Every call counts against ``max_calls`` and the ``stop_at`` deadline. A slice that cannot finish
keeps what its pages held: the newest of them are shown, marked ``cut`` (lines newer than them, and older,
may be missing). The search publishes its progress after each page, so a caller that stops waiting — a call
still under way — keeps what came before it.

Not for: choosing groups or patterns, or trimming and redacting lines (``bot.enrich.logs``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_logs.type_defs import FilteredLogEventTypeDef, FilterLogEventsRequestTypeDef

PAGE_LIMIT = 1000
MAX_CALLS = 10
FIRST_SLICE = timedelta(minutes=2)
WIDEN = 4
NARROW = 8
MIN_SLICE = timedelta(seconds=1)
DENSE = f"more than {PAGE_LIMIT:,} matching lines a second"
OUT_OF_TIME = "out of time"
OUT_OF_CALLS = "out of calls"


@dataclass(frozen=True)
class Progress:
    """How far one group's search got: its newest events (newest first) and the oldest moment searched."""

    events: tuple[FilteredLogEventTypeDef, ...] = ()
    """Every match of [reached, end] first, then (``cut``) the newest matches of a slice that did not finish."""
    reached: datetime | None = None
    """The search covered [reached, end]; None before the first slice completes."""
    done: bool = False
    """The newest ``keep`` events of the window are known (or the whole window was searched)."""
    calls: int = 0
    cut: str = ""
    """Why ``events`` end with lines of a slice that could not finish (``DENSE``, ``OUT_OF_TIME``,
    ``OUT_OF_CALLS``); "" when every event shown is from a finished slice."""


@dataclass
class GroupSearch:
    logs: CloudWatchLogsClient
    group: str
    pattern: str
    start: datetime
    end: datetime
    keep: int
    stop_at: float
    """``clock()`` after which no further call is made."""
    max_calls: int = MAX_CALLS
    clock: Callable[[], float] = field(default=lambda: time.monotonic())  # looked up at each call (tests)
    progress: Progress = field(default_factory=Progress)
    """Replaced (never mutated) after each page: safe to read from another thread at any moment."""

    def __post_init__(self) -> None:
        self._found: list[FilteredLogEventTypeDef] = []  # every match of [hi, end], newest first
        self._partial: dict[str, FilteredLogEventTypeDef] = {}  # matches of slices that did not finish, by id
        self._taken: list[FilteredLogEventTypeDef] = []  # the events of the slice being searched
        self._hi: datetime | None = None  # the search covered [hi, end]
        self._calls = 0

    def run(self) -> Progress:
        hi, width = self.end, FIRST_SLICE
        why = ""
        while hi > self.start:
            lo = max(self.start, hi - width)
            narrowable = hi - lo > MIN_SLICE
            complete, why = self._slice(lo, hi, narrowable)
            if complete:
                self._found.extend(sorted(self._taken, key=_order, reverse=True))
                hi, width, self._hi = lo, width * WIDEN, lo
                if len(self._found) >= self.keep:
                    break
                self._publish(done=hi <= self.start, why=OUT_OF_TIME)
            elif why == DENSE and narrowable:  # look at the end of the slice only
                width = max(MIN_SLICE, (hi - lo) / NARROW)
            else:
                break  # out of calls or time, or a second denser than the budget can page through
        done = len(self._found) >= self.keep or hi <= self.start
        self._publish(done=done, why=why)
        return self.progress

    def _slice(self, lo: datetime, hi: datetime, narrowable: bool) -> tuple[bool, str]:
        """(complete, why not). Its events are in ``_taken``; the pages of a slice that does not finish are
        kept among the partial matches. A narrowable slice stops after a page's worth (``DENSE``)."""
        request: FilterLogEventsRequestTypeDef = {
            "logGroupName": self.group,
            "startTime": _ms(lo),
            "endTime": _ms(hi) - 1,  # FilterLogEvents' endTime is inclusive; the next slice starts at hi
            "limit": PAGE_LIMIT,
        }
        if self.pattern:
            request["filterPattern"] = self.pattern
        self._taken = []
        while True:
            if self._calls >= self.max_calls or self.clock() >= self.stop_at:
                return False, (DENSE if self._taken and not narrowable else "") or (
                    OUT_OF_CALLS if self._calls >= self.max_calls else OUT_OF_TIME
                )
            page = self.logs.filter_log_events(**request)
            self._calls += 1
            events = page.get("events") or []
            self._taken.extend(events)
            token = page.get("nextToken")
            if not token:  # a repeated token is followed too: empty pages can repeat one (aws-cli#3191)
                return True, ""
            self._keep_partial(events)
            self._publish(done=False, why=OUT_OF_TIME)  # what a caller that stops waiting now reads
            if narrowable and len(self._taken) >= PAGE_LIMIT:
                return False, DENSE
            request["nextToken"] = token

    def _keep_partial(self, events: list[FilteredLogEventTypeDef]) -> None:
        """Add a page of an unfinished slice to the partial matches, keeping only the newest ``keep``."""
        for event in events:
            self._partial[str(event.get("eventId") or id(event))] = event
        if len(self._partial) > self.keep:
            newest = sorted(self._partial.items(), key=lambda item: _order(item[1]), reverse=True)
            self._partial = dict(newest[: self.keep])

    def _publish(self, *, done: bool, why: str) -> None:
        found = self._found[: self.keep]
        bound = _ms(self._hi) if self._hi is not None else _ms(self.end)
        older = [e for e in self._partial.values() if int(e.get("timestamp") or 0) < bound]  # the rest are found
        extra = sorted(older, key=_order, reverse=True)[: self.keep - len(found)] if not done else []
        self.progress = Progress(tuple(found + extra), self._hi, done, self._calls, why if extra else "")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _order(event: FilteredLogEventTypeDef) -> tuple[int, str]:
    return int(event.get("timestamp") or 0), str(event.get("eventId") or "")
