"""The newest matching events of one log group before a moment, found backwards in time slices, bounded.

``FilterLogEvents`` pages run oldest first, so paging a whole window forward during an error storm ends on
events from minutes before the state change. This search starts with the last minutes before ``end`` and
widens backwards (×4 each step) until it holds ``keep`` events or the window is covered; a slice with more
than a page of matches is narrowed towards its end rather than paged through. Empty pages that still carry a
``nextToken`` are documented behaviour ("this operation can return empty results while there are more log
events available through the token") and are followed. Every call counts against ``max_calls`` and the
``stop_at`` deadline; the search publishes its progress after each slice, so a caller that stops waiting
still knows how far back it got.

Not for: choosing groups or patterns, or trimming and redacting lines (``bot.enrich.logs``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

PAGE_LIMIT = 1000
MAX_CALLS = 10
FIRST_SLICE = timedelta(minutes=2)
WIDEN = 4
NARROW = 8
MIN_SLICE = timedelta(seconds=1)


@dataclass(frozen=True)
class Progress:
    """How far one group's search got: its newest events (newest first) and the oldest moment searched."""

    events: tuple[dict[str, Any], ...] = ()
    reached: datetime | None = None
    """The search covered [reached, end]; None before the first slice completes."""
    done: bool = False
    """The newest ``keep`` events of the window are known (or the whole window was searched)."""
    calls: int = 0


@dataclass
class GroupSearch:
    logs: Any
    group: str
    pattern: str
    start: datetime
    end: datetime
    keep: int
    stop_at: float
    """``time.monotonic()`` after which no further call is made."""
    max_calls: int = MAX_CALLS
    progress: Progress = field(default_factory=Progress)
    """Replaced (never mutated) after each slice: safe to read from another thread at any moment."""

    def run(self) -> Progress:
        found: list[dict[str, Any]] = []
        calls = 0
        hi, width = self.end, FIRST_SLICE
        while hi > self.start:
            lo = max(self.start, hi - width)
            events, complete, calls = self._slice(lo, hi, calls)
            if not complete:
                if events is not None and hi - lo > MIN_SLICE:  # dense: look at the end of the slice only
                    width = max(MIN_SLICE, (hi - lo) / NARROW)
                    continue
                break  # out of calls or time
            found.extend(sorted(events or [], key=_order, reverse=True))
            hi, width = lo, width * WIDEN
            enough = len(found) >= self.keep
            self.progress = Progress(tuple(found[: self.keep]), hi, enough or hi <= self.start, calls)
            if enough:
                break
        if not self.progress.done:
            self.progress = Progress(self.progress.events, self.progress.reached, False, calls)
        return self.progress

    def _slice(self, lo: datetime, hi: datetime, calls: int) -> tuple[list[dict[str, Any]] | None, bool, int]:
        """(events, complete, calls). Incomplete with events None: the budget ran out; with events: the
        slice holds more than a page of matches (its events are its oldest, not its newest)."""
        request: dict[str, Any] = {
            "logGroupName": self.group,
            "startTime": _ms(lo),
            "endTime": _ms(hi) - 1,  # FilterLogEvents' endTime is inclusive; the next slice starts at hi
            "limit": PAGE_LIMIT,
        }
        if self.pattern:
            request["filterPattern"] = self.pattern
        events: list[dict[str, Any]] = []
        while True:
            if calls >= self.max_calls or time.monotonic() >= self.stop_at:
                return None, False, calls
            page = self.logs.filter_log_events(**request)
            calls += 1
            self.progress = replace(self.progress, calls=calls)
            events.extend(page.get("events") or [])
            token = page.get("nextToken")
            if not token:  # a repeated token is followed too: empty pages can repeat one (aws-cli#3191)
                return events, True, calls
            if len(events) >= PAGE_LIMIT:
                return events, False, calls
            request["nextToken"] = token


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _order(event: dict[str, Any]) -> tuple[int, str]:
    return int(event.get("timestamp") or 0), str(event.get("eventId") or "")
