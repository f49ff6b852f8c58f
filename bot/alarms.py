"""Frozen values the rest of Lookout passes around: an alarm state change, or a generic notification.

Parsing lives in ``bot.events``; these types know nothing about Lambda, Slack or boto3.
"""

from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from bot.notices.model import Notice


class AlarmState(StrEnum):
    ALARM = "ALARM"
    OK = "OK"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, value: object) -> AlarmState:
        text = str(value or "").strip().upper()
        return cls.__members__.get(text, cls.UNKNOWN)


_STATIC_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


def breaching(comparison: str | None) -> Callable[[float, float], bool] | None:
    """How a static-threshold alarm's ``ComparisonOperator`` judges a datapoint: ``test(value, threshold)`` is
    True when it breaches. None for an anomaly band's operators (its breaches are the state change's own) and
    for an operator CloudWatch does not have."""
    return _STATIC_COMPARISONS.get(comparison or "")


class AlarmKind(StrEnum):
    METRIC = "metric"
    METRIC_MATH = "metric_math"
    ANOMALY = "anomaly_detection"
    COMPOSITE = "composite"
    CHECK = "check"
    """A scheduled check of Lookout's own (``bot.checks``), not a CloudWatch alarm."""
    LOG_ERROR = "log_error"
    """A kind of error line forwarded from a log group (``bot.logerrors``), not a CloudWatch alarm."""


@dataclass(frozen=True)
class MetricRef:
    """One CloudWatch metric, identified the way GetMetricData wants it."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...] = ()

    def dimension(self, key: str) -> str | None:
        return next((value for name, value in self.dimensions if name == key), None)


@dataclass(frozen=True)
class MetricQuery:
    """One entry of an alarm's metric list: a metric with a stat, or an expression."""

    id: str
    metric: MetricRef | None = None
    stat: str | None = None
    period: int | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool = True


@dataclass(frozen=True)
class ChildAlarm:
    """A child of a composite alarm that took part in its state change."""

    arn: str
    state: AlarmState
    timestamp: datetime | None = None

    @property
    def name(self) -> str:
        return self.arn.split(":alarm:", 1)[-1]


@dataclass(frozen=True)
class Suppression:
    """Why a composite alarm's actions are held back (CloudWatch's ``actionsSuppressedBy``/``…Reason`` and
    the ``actionsSuppressor`` configuration): a suppressed alarm is maintenance, not a live page."""

    suppressor: str = ""
    by: str = ""
    """``Alarm`` (the suppressor is in ALARM), ``WaitPeriod`` or ``ExtensionPeriod``; "" when not now."""
    reason: str = ""
    wait_period: int | None = None
    extension_period: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.by)


@dataclass(frozen=True)
class Alarm:
    """A CloudWatch alarm state change, whatever the delivery (SNS, EventBridge, alarm action)."""

    name: str
    arn: str
    kind: AlarmKind
    state: AlarmState
    previous_state: AlarmState
    reason: str
    changed_at: datetime
    account: str
    region: str
    partition: str = "aws"
    description: str = ""
    period: int | None = None
    threshold: float | None = None
    comparison: str | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    queries: tuple[MetricQuery, ...] = ()
    threshold_metric_id: str | None = None
    alarm_rule: str | None = None
    children: tuple[ChildAlarm, ...] = ()
    recent_datapoints: tuple[float, ...] = ()
    tags: tuple[tuple[str, str], ...] | None = None
    """Tags delivered with the event (EventBridge tag propagation); None means unknown, look them up."""
    time_given: str | None = None
    """The state-change time as the payload gave it, when it could not be read (None when it could). Then
    ``changed_at`` is the envelope's time or the moment of parsing — good for enrichment windows, never for
    ordering state changes or for showing as the alarm's time."""
    treat_missing_data: str | None = None
    """``TreatMissingData`` when the payload carries it (``missing`` is CloudWatch's default)."""
    suppression: Suppression | None = None
    """A composite alarm's action suppression, when its actions are (or can be) suppressed."""
    evidence: tuple[str, ...] = ()
    """What a check's run found, one fact a line (outside text: redacted and escaped when shown)."""

    @property
    def time_known(self) -> bool:
        return self.time_given is None

    @property
    def suppressed(self) -> bool:
        """A composite alarm whose actions are held back now: maintenance, not a page."""
        return self.suppression is not None and self.suppression.active

    @property
    def suppression_ended(self) -> bool:
        """ALARM whose actions run now because the previous state's wait or extension period (or its
        suppressor's ALARM) ended (CloudWatch User Guide, "Composite alarm action suppression"): a live page."""
        held = self.suppression
        return held is not None and not held.active and bool(held.reason) and self.state is AlarmState.ALARM

    @property
    def primary(self) -> MetricQuery | None:
        """The query whose value the alarm compares: the returned one, or the band's input metric."""
        if self.threshold_metric_id:
            band_input = next((q for q in self.queries if q.id != self.threshold_metric_id and q.metric), None)
            if band_input:
                return band_input
        returned = [q for q in self.queries if q.return_data]
        return returned[0] if returned else (self.queries[0] if self.queries else None)

    @property
    def metrics(self) -> tuple[MetricRef, ...]:
        """Every concrete metric the alarm reads (expressions excluded)."""
        return tuple(q.metric for q in self.queries if q.metric is not None)

    @property
    def change_key(self) -> str:
        """Names this state change (alarm ARN + new state + time): one post for it, however often delivered.
        An unreadable time is named by its text and the reason, which a redelivery repeats."""
        if not self.time_known:
            digest = hashlib.sha256(self.reason.encode()).hexdigest()[:16]
            return f"{self.arn}|{self.state.value}|given:{self.time_given}|{digest}"
        return f"{self.arn}|{self.state.value}|{self.changed_at.isoformat()}"


@dataclass(frozen=True)
class Notification:
    """Anything on the topic that is not an alarm state change: shown as a generic card, never dropped."""

    title: str
    body: str
    source: str
    received_at: datetime | None = None
    problem: str | None = None
    """Why it could not be read as an alarm, when it looked like one (e.g. broken JSON)."""
    notice: Notice | None = None
    """Its typed reading (AWS Health, GuardDuty, a pipeline…), when its kind has one."""
