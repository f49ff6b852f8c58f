"""Plain, frozen results of the enrichers; the Slack renderer is their only reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from datetime import datetime

    from bot.changes.model import Changes

T = TypeVar("T", covariant=True)


@dataclass(frozen=True)
class Stats:
    """X-Ray summary statistics of a node or an edge over the window; None where X-Ray sent no figure (a
    ``client`` node has no statistics at all) — shown as "–", never as a zero nobody measured."""

    requests: int | None
    ok: int | None
    errors: int | None
    """Client errors (4xx) other than throttles: ``ErrorStatistics.OtherCount``."""
    throttles: int | None
    """429s: ``ErrorStatistics.ThrottleCount``."""
    faults: int | None
    avg_ms: float | None
    p95_ms: float | None
    client_errors: int | None = None
    """All 4xx including 429s: ``ErrorStatistics.TotalCount``."""

    @property
    def error_rate(self) -> float | None:
        """Share of requests answered with any 4xx (throttles included, as X-Ray counts them)."""
        total = self.client_errors
        if total is None and self.errors is not None and self.throttles is not None:
            total = self.errors + self.throttles
        return total / self.requests if self.requests and total is not None else None

    @property
    def fault_rate(self) -> float | None:
        return self.faults / self.requests if self.requests and self.faults is not None else None


@dataclass(frozen=True)
class ServiceRow:
    """One line of the X-Ray table: the alarmed service itself, a caller or a callee."""

    name: str
    type: str
    relation: str
    """"service", "caller" or "callee"."""
    stats: Stats
    missing: bool = False
    """An edge's far end that the graph does not hold ("not in this window"): only the edge's figures."""


@dataclass(frozen=True)
class RootCause:
    """Where X-Ray's root-cause analysis puts a trace's fault or error: the last service of the cause's path,
    with the exceptions recorded there, counted over the traces that have it."""

    service: str
    kind: str
    """"fault" or "error"."""
    exception: str
    message: str
    traces: int
    inherited_from: str = ""
    """For a fault in the alarmed service itself: the callee whose own root cause (a fault, an error or a
    throttle, reached through this service) came with it in most of its traces — the call it made failed.
    Whether that callee is to blame is the evidence's call (``bot.enrich.evidence``); "" when none did."""


@dataclass(frozen=True)
class XRayReport:
    services: tuple[str, ...]
    rows: tuple[ServiceRow, ...]
    root_causes: tuple[RootCause, ...]
    sample_trace_id: str | None
    window_start: datetime
    window_end: datetime


@dataclass(frozen=True)
class LogLine:
    timestamp: datetime
    group: str
    message: str
    """Trimmed and redacted; not yet escaped for any sink."""


@dataclass(frozen=True)
class LogReport:
    groups: tuple[str, ...]
    filter_pattern: str
    found_by: str
    """How the groups were found: "tags", "metric filter" or "convention"."""
    lines: tuple[LogLine, ...]
    window_start: datetime
    window_end: datetime
    unfinished: tuple[tuple[str, datetime | None], ...] = ()
    """Groups whose search ran out of calls or time: (group, searched back to; None if not at all)."""
    failed: tuple[tuple[str, str], ...] = ()
    """Groups whose search failed (some others answered): (group, why in a few words)."""
    changed_at: datetime | None = None
    """The state change the window is around: lines after it are late arrivals, and the message says so."""
    cut: tuple[tuple[str, str], ...] = ()
    """Groups whose lines end with some of a time slice that could not be searched to its end: (group, why —
    "out of time", "more than 1,000 matching lines a second"). Newer lines than those may be missing."""


@dataclass(frozen=True)
class MetricReport:
    label: str
    period: int
    timestamps: tuple[datetime, ...]
    values: tuple[float | None, ...]
    """One slot per period, oldest first; None where the metric has no datapoint."""
    threshold: float | None
    comparison: str | None

    @property
    def latest(self) -> float | None:
        return next((v for v in reversed(self.values) if v is not None), None)


@dataclass(frozen=True)
class Finding(Generic[T]):
    """What one source produced: a value, or a short note saying why there is none."""

    source: str
    value: T | None = None
    note: str | None = None
    failed: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class Enrichment:
    xray: Finding[XRayReport]
    logs: Finding[LogReport]
    metric: Finding[MetricReport]
    tags: tuple[tuple[str, str], ...] = ()
    """The alarm's tags, as read for enrichment (routing uses them too)."""
    changes: Finding[Changes] | None = None
    """What changed before the alarm (``bot.enrich.changes``); None: not searched (enrichment skipped)."""

    @classmethod
    def skipped(cls, why: str = "skipped (offline)") -> Enrichment:
        return cls(
            xray=Finding("X-Ray", note=why), logs=Finding("Logs", note=why), metric=Finding("Metric", note=why)
        )
