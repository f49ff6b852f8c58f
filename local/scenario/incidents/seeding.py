"""The common seeder: a scenario's traffic as ordinary boto3 calls against the embedded stack — what each
invocation leaves behind (``local.scenario.incidents.world``, from the scenario's declared paths): X-Ray segments,
log groups of its functions, the Lambda metrics per minute (Invocations, Errors, Throttles, Duration and what
the scenario adds), its alarm (tagged with its own Slack channel) — and when CloudWatch would fire that alarm
(2 of the last 3 minutes over the threshold, as the CloudWatch User Guide describes M out of N alarms), with the
reason it would write.

Not for: building what an invocation leaves behind or the change events (``local.scenario.incidents.world``, the
shapes in ``xray_segments``, ``log_lines``, ``cloudtrail_events``), delivering the changes
(``local.scenario.incidents.ledger``) or firing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

from local.scenario.incident import hex_id, put_log_events, put_metric_data, put_segments
from local.scenario.incidents.model import Invocation
from local.scenario.incidents.seeded_ids import Ids
from local.scenario.incidents.world import change_events, invoke

if TYPE_CHECKING:
    from local.scenario.incidents.model import Record, Scenario, Timeline
    from local.scenario.incidents.paths import Dimensions

EVALUATION_DELAY = timedelta(seconds=20)
"""How long after a minute's end CloudWatch's evaluation of it lands (the state change's time)."""


@dataclass(frozen=True)
class Seeded:
    """A scenario as seeded: its alarm, when CloudWatch moves it to ALARM and why, and the change events."""

    scenario: Scenario
    timeline: Timeline
    alarm_arn: str
    fires_at: datetime
    reason: str
    changes: tuple[dict[str, Any], ...] = ()
    invocations: int = 0
    failed: int = 0
    per_minute: dict[datetime, float] = field(default_factory=dict)
    """The alarm's metric, Sum per minute."""


def traffic(scenario: Scenario, timeline: Timeline, ids: Ids) -> list[Invocation]:
    """Requests every ``every_s[0]`` seconds, every ``every_s[1]`` once the failure starts; the failure hits
    ``failing_share`` of those."""
    normal, busy = scenario.every_s
    at, end = timeline.start.timestamp(), timeline.now.timestamp() - 1
    failing_from = timeline.failing_from.timestamp()
    found: list[Invocation] = []
    while at < end:
        failing = at >= failing_from and ids.chance(scenario.failing_share)
        found.append(Invocation(len(found), at + ids.uniform(0.0, 0.5), ids.uuid(), failing))
        at += busy if at >= failing_from else normal
    return found


def seed_scenario(scenario: Scenario, timeline: Timeline, *, topic_arn: str, region: str, seed: int) -> Seeded:
    ids = Ids(seed)
    invocations = traffic(scenario, timeline, ids)
    records = [invoke(scenario, invocation, ids) for invocation in invocations]
    put_segments([json.dumps(segment) for record in records for segment in record.segments], region)
    _seed_logs(scenario, timeline, records, ids, region)
    per_minute = _seed_metrics(scenario, records, region)
    alarm_arn = _seed_alarm(scenario, topic_arn, region)
    fires_at, reason = firing(scenario, per_minute, timeline)
    changes = tuple(change_events(scenario, timeline, ids))
    return Seeded(
        scenario,
        timeline,
        alarm_arn,
        fires_at,
        reason,
        changes,
        invocations=len(invocations),
        failed=sum(1 for i in invocations if i.failing),
        per_minute=per_minute,
    )


def _seed_logs(scenario: Scenario, timeline: Timeline, records: list[Record], ids: Ids, region: str) -> None:
    by_group: dict[str, list[dict[str, Any]]] = {
        group: [] for group in (scenario.log_group, *scenario.extra_groups)
    }
    for record in records:
        for group, at, message in record.lines:
            by_group.setdefault(group, []).append({"timestamp": int(at * 1000), "message": message})
    for group, events in by_group.items():
        stream = f"{timeline.start:%Y/%m/%d}/[$LATEST]{hex_id(ids.rng, 32)}"
        put_log_events(group, stream, events, region)


def _minute(at: float) -> datetime:
    return datetime.fromtimestamp(at - at % 60, tz=UTC)


def _seed_metrics(scenario: Scenario, records: list[Record], region: str) -> dict[datetime, float]:
    """The function's Lambda metrics per minute, and the datapoints the scenario adds; returns the alarm's."""
    counts: dict[datetime, dict[str, float]] = defaultdict(lambda: {"Invocations": 0, "Errors": 0, "Throttles": 0})
    durations: dict[datetime, list[float]] = defaultdict(list)
    extra: dict[tuple[str, str, Dimensions, datetime], float] = defaultdict(float)
    for record in records:
        at = min((line[1] for line in record.lines), default=None)
        if at is None:
            at = min(float(s["start_time"]) for s in record.segments)
        minute = _minute(at)
        bucket = counts[minute]
        bucket["Invocations"] += 0 if record.throttled else 1
        bucket["Errors"] += record.error
        bucket["Throttles"] += record.throttled
        if record.duration_ms is not None:
            durations[minute].append(record.duration_ms)
        for namespace, metric, dimensions, value in record.metrics:
            extra[(namespace, metric, dimensions, minute)] += value
    dims = [{"Name": "FunctionName", "Value": scenario.function}]
    lambda_data: list[dict[str, Any]] = []
    for minute, bucket in sorted(counts.items()):
        lambda_data += [
            {"MetricName": name, "Dimensions": dims, "Timestamp": minute, "Value": value, "Unit": "Count"}
            for name, value in bucket.items()
        ]
        taken = durations.get(minute)
        if taken:
            lambda_data.append(
                {
                    "MetricName": "Duration",
                    "Dimensions": dims,
                    "Timestamp": minute,
                    "StatisticValues": {
                        "SampleCount": len(taken),
                        "Sum": sum(taken),
                        "Minimum": min(taken),
                        "Maximum": max(taken),
                    },
                    "Unit": "Milliseconds",
                }
            )
    by_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_namespace["AWS/Lambda"] = lambda_data
    for (namespace, metric, dimensions, minute), value in sorted(extra.items(), key=lambda item: item[0][3]):
        by_namespace[namespace].append(
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions],
                "Timestamp": minute,
                "Value": value,
                "Unit": "Count",
            }
        )
    for namespace, data in by_namespace.items():
        put_metric_data(namespace, data, region)
    return {minute: bucket[scenario.alarm.metric] for minute, bucket in counts.items()}


def _seed_alarm(scenario: Scenario, topic_arn: str, region: str) -> str:
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    alarm = scenario.alarm
    cloudwatch.put_metric_alarm(
        AlarmName=scenario.alarm_name,
        AlarmDescription=alarm.description,
        Namespace="AWS/Lambda",
        MetricName=alarm.metric,
        Dimensions=[{"Name": "FunctionName", "Value": scenario.function}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=alarm.evaluation_periods,
        DatapointsToAlarm=alarm.datapoints_to_alarm,
        Threshold=alarm.threshold,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic_arn],
        OKActions=[topic_arn],
        Tags=[{"Key": "team", "Value": "platform"}, {"Key": "lookout:channel", "Value": scenario.channel}],
    )
    return str(cloudwatch.describe_alarms(AlarmNames=[scenario.alarm_name])["MetricAlarms"][0]["AlarmArn"])


def firing(scenario: Scenario, per_minute: dict[datetime, float], timeline: Timeline) -> tuple[datetime, str]:
    """When CloudWatch moves the alarm to ALARM — the first evaluation at which ``datapoints_to_alarm`` of the
    last ``evaluation_periods`` whole minutes breach — and the reason it writes (the breaching datapoints, newest
    first, as its notifications list them)."""
    alarm = scenario.alarm
    minute = (timeline.failing_from - timedelta(minutes=1)).replace(second=0, microsecond=0)
    while minute <= timeline.now:
        points = [
            (start, per_minute[start])
            for start in (minute - timedelta(minutes=k + 1) for k in range(alarm.evaluation_periods))
            if start in per_minute
        ]
        breaching = [(start, value) for start, value in points if value > alarm.threshold]
        if len(breaching) >= alarm.datapoints_to_alarm:
            shown = ", ".join(f"{value:.1f} ({start:%d/%m/%y %H:%M:%S})" for start, value in breaching)
            reason = (
                f"Threshold Crossed: {len(breaching)} out of the last {len(points)} datapoints [{shown}] were"
                f" greater than the threshold ({alarm.threshold:.1f}) (minimum {alarm.datapoints_to_alarm}"
                " datapoints for OK -> ALARM transition)."
            )
            return minute + EVALUATION_DELAY, reason
        minute += timedelta(minutes=1)
    raise AssertionError(f"{scenario.key}: the seeded failure never fires {scenario.alarm_name}")
