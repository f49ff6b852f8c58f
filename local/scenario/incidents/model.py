"""The values of an incident scenario, declared: what it seeds (``Scenario``: a function, how requests reach it
and the path an invocation takes when it works and when it fails (``local.scenario.incidents.paths``), its
traffic, the changes before the failure (``Change``), the alarm), when (``Timeline``) and what its first card must
name (``Expect``, written from the scenario's known cause, never from what the card happens to print).

Not for: building the shapes a scenario leaves behind (``local.scenario.incidents.world``), writing to the stack
(``local.scenario.incidents.seeding``) or judging a card (``local.scenario.incidents.score``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from local.scenario.incidents.paths import Caller

if TYPE_CHECKING:
    from local.scenario.incidents.paths import Api, Metric, Path, Triggered

HISTORY = timedelta(minutes=30)
"""Normal traffic before the failure: enough for X-Ray's 15-minute window and the metric's sparkline."""
FAILING = timedelta(minutes=6)
"""How long the failure has been going on at the scenario's ``now`` (the alarm fires a few minutes in)."""


@dataclass(frozen=True)
class Timeline:
    """The scenario's moments: ``now`` (a whole minute), the failure from ``failing_from`` until ``now``."""

    now: datetime

    @property
    def start(self) -> datetime:
        return self.failing_from - HISTORY

    @property
    def failing_from(self) -> datetime:
        return self.now - FAILING

    def before_failure(self, minutes: float) -> datetime:
        """``minutes`` before the failure starts (when a change that causes it happened)."""
        return self.failing_from - timedelta(minutes=minutes)


@dataclass(frozen=True)
class Invocation:
    """One invocation of the scenario's function (or one attempt at it, for a throttled one)."""

    n: int
    at: float
    """Epoch seconds."""
    request_id: str
    failing: bool
    """In the failure window and one of the requests the failure hits."""


@dataclass
class Record:
    """What one invocation leaves behind: X-Ray segment documents, log lines, and its part of the metrics."""

    segments: list[dict[str, Any]] = field(default_factory=list)
    lines: list[tuple[str, float, str]] = field(default_factory=list)
    """(log group, epoch seconds, message)."""
    duration_ms: float | None = None
    """The function's Duration; None when it did not run (throttled)."""
    error: bool = False
    """Counted in the function's ``Errors``."""
    throttled: bool = False
    """Counted in the function's ``Throttles`` (and not in ``Invocations``)."""
    metrics: list[Metric] = field(default_factory=list)
    """Other datapoints it adds, summed per minute."""


@dataclass(frozen=True)
class Alarm:
    """The alarm the app's team set: a Lambda metric of the function, Sum per minute greater than
    ``threshold`` for 2 of the last 3 minutes (missing data not breaching)."""

    metric: Literal["Errors", "Throttles"]
    description: str
    threshold: float = 1.0

    evaluation_periods: int = 3
    datapoints_to_alarm: int = 2


@dataclass(frozen=True)
class Expect:
    """One thing the scenario's first card must name, as a case-insensitive regular expression over its first
    line (the headline, markup removed)."""

    what: str
    """In words, for the table: "the failing resource cart-api", "the deploy (UpdateFunctionCode)"."""
    pattern: str
    needs_changes: bool = False
    """Only a card that shows the change ledger's changes can name it (#31 item 2)."""


@dataclass(frozen=True)
class Change:
    """A Lambda API call on the function ``minutes`` before the failure starts, as CloudTrail records it: ``by`` an
    IAM user, or a role's ``session``; from ``user_agent``. ``code_sha256``: the code Lambda says the function runs
    (in the configuration it answers the update calls with); ``reserved``: what ``PutFunctionConcurrency`` sets."""

    call: Literal["UpdateFunctionCode", "UpdateFunctionConfiguration", "PutFunctionConcurrency"]
    minutes: float
    by: str
    user_agent: str
    session: str = ""
    code_sha256: str = ""
    reserved: int = 0


@dataclass(frozen=True)
class Scenario:
    key: str
    """Short and unique: names the scenario's Slack channel (``#scenario-<key>``) and its test."""
    title: str
    cause: str
    """The known cause, in a sentence."""
    function: str
    entry: Api | Triggered | Caller
    ok: Path
    failing: Path
    alarm: Alarm
    expects: tuple[Expect, ...]
    memory_mb: int = 512
    timeout_s: int = 30
    runtime: str = "python3.12"
    failing_share: float = 0.6
    """The share of requests in the failure window that fail (take the ``failing`` path)."""
    every_s: tuple[float, float] = (30.0, 6.0)
    """Seconds between requests before and during the failure (the failure comes with a busier hour)."""
    changes: tuple[Change, ...] = ()
    """What changed before the failure, in time order (the change ledger receives them as EventBridge delivers
    CloudTrail's "AWS API Call via CloudTrail" events)."""

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function}"

    @property
    def extra_groups(self) -> tuple[str, ...]:
        """Log groups besides the function's own that its invocations write to (a caller's)."""
        return (self.entry.log_group,) if isinstance(self.entry, Caller) else ()

    @property
    def alarm_name(self) -> str:
        return f"{self.function}-{self.alarm.metric.lower()}"

    @property
    def channel(self) -> str:
        return f"#scenario-{self.key}"
