"""What the enrichers are given when their sources fail: the Lambda errors alarm with its tags known (no
ListTagsForResource call), and a client whose every call hangs."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from bot.alarms import Alarm
from tests.support.fixtures import load_event


def lambda_alarm() -> Alarm:
    from bot.events import parse_event

    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(item, Alarm)
    return replace(item, tags=())  # tags known: no ListTagsForResource call to stub


class Hanging:
    """A client whose every call blocks far longer than any deadline."""

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: time.sleep(3)


def described(alarm: Alarm) -> dict[str, Any]:
    """``DescribeAlarms``' entry for ``alarm`` (the CloudWatch API reference's ``MetricAlarm`` shape, metrics in
    the ``Metrics`` form), so that the enrichment's confirmation finds what the notification says."""
    metrics = []
    for query in alarm.queries:
        entry: dict[str, Any] = {"Id": query.id, "ReturnData": query.return_data}
        if query.expression:
            entry["Expression"] = query.expression
        if query.metric is not None:
            metric = {
                "Namespace": query.metric.namespace,
                "MetricName": query.metric.name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in query.metric.dimensions],
            }
            entry["MetricStat"] = {"Metric": metric, "Period": query.period or 60, "Stat": query.stat or "Average"}
        metrics.append(entry)
    return {"AlarmName": alarm.name, "AlarmArn": alarm.arn, "StateValue": str(alarm.state), "Metrics": metrics}


class _Confirming:
    def __init__(self, client: Any, alarms: tuple[Alarm, ...]) -> None:
        self._client = client
        self._alarms = alarms

    def describe_alarms(self, **kwargs: Any) -> dict[str, Any]:
        names = set(kwargs.get("AlarmNames") or ())
        return {"MetricAlarms": [described(a) for a in self._alarms if a.name in names], "CompositeAlarms": []}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def confirmed_by_cloudwatch(clients: Any, *alarms: Alarm) -> Any:
    """``clients`` (a (service, region) → client factory) whose CloudWatch client confirms ``alarms`` exist as
    notified: for tests of what the sources do once an alarm is confirmed (``bot.enrich.confirm``)."""
    return lambda service, region: (
        _Confirming(clients(service, region), alarms) if service == "cloudwatch" else clients(service, region)
    )
