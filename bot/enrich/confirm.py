"""Whether CloudWatch confirms an alarm: enrichment reads logs, traces and metrics only for alarms that exist.

A notification is outside text: anyone who may publish to the alert topic (or invoke the function) can name
any alarm, metric, dimension and tag. So before anything read is shown, ``DescribeAlarms`` in the alarm's own
region must return an alarm with the notification's ARN (its account and region included), and the metrics
the notification names must be that alarm's. The sources run meanwhile, on the notification's facts; their
findings are kept only when the two agree (``bot.enrich.runner``), else the enrichment runs again on
CloudWatch's facts, or not at all.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.alarm_parsers import sns_queries
from bot.alarms import AlarmKind
from bot.enrich.context import describe_error

if TYPE_CHECKING:
    from bot.alarms import Alarm, MetricRef
    from bot.enrich.context import ClientFactory

OWN_KINDS = (AlarmKind.CHECK, AlarmKind.LOG_ERROR)
"""Lookout's own alerts, built in its own functions (never parsed from an event): nothing to confirm."""


class NotConfirmed(Exception):
    """CloudWatch does not confirm the alarm: the message says what was asked and why it was not enough."""


def confirmed(alarm: Alarm, clients: ClientFactory) -> Alarm:
    """``alarm`` with CloudWatch's metrics (``DescribeAlarms``); raises ``NotConfirmed`` when CloudWatch has no
    such alarm in the notification's account and region, or cannot be asked (access denied, throttled)."""
    if alarm.kind in OWN_KINDS:
        return alarm
    try:
        response = clients("cloudwatch", alarm.region).describe_alarms(
            AlarmNames=[alarm.name], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        )
    except Exception as exc:
        raise NotConfirmed(f"CloudWatch could not confirm the alarm ({describe_error(exc)})") from exc
    for described in response.get("MetricAlarms", []):
        if described.get("AlarmArn") == alarm.arn:
            return replace(alarm, queries=sns_queries(described))
    for composite in response.get("CompositeAlarms", []):
        if composite.get("AlarmArn") == alarm.arn:
            return replace(alarm, queries=())
    raise NotConfirmed(f"CloudWatch has no alarm {alarm.arn or alarm.name!r} in this account and region")


def same_metrics(notified: Alarm, described: Alarm) -> bool:
    """Whether the notification names exactly the metrics CloudWatch's alarm reads."""
    return _metric_set(notified.metrics) == _metric_set(described.metrics)


def _metric_set(metrics: tuple[MetricRef, ...]) -> frozenset[tuple[str, str, frozenset[tuple[str, str]]]]:
    return frozenset((m.namespace, m.name, frozenset(m.dimensions)) for m in metrics)
