"""When CloudWatch moves the scenario's alarm, and the reason it writes: ``orders-api-errors`` (Errors, Sum per
minute, greater than 3, 2 out of the last 3 datapoints, missing data not breaching) evaluated minute by minute
over the seeded datapoints, as the CloudWatch User Guide describes M out of N alarms: ALARM once M of the last
N datapoints breach, OK once fewer than M do. So the demo and the goldens fire it when CloudWatch would, and
its reason lists the datapoints its own sparkline shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

from local.scenario.incident import FUNCTION

if TYPE_CHECKING:
    from local.scenario.incident import Incident

THRESHOLD = 3.0
EVALUATION_PERIODS = 3
DATAPOINTS_TO_ALARM = 2
EVALUATION_DELAY = timedelta(seconds=20)
"""How long after a minute's end CloudWatch's evaluation of it lands (the state change's time)."""


@dataclass(frozen=True)
class StateChanges:
    alarm_at: datetime
    ok_at: datetime


def state_changes(incident: Incident) -> StateChanges:
    """The ALARM and the following OK of the seeded failures, each at its evaluation's time."""
    minute = (incident.started - timedelta(minutes=1)).replace(second=0, microsecond=0)
    alarm_at = None
    while minute <= incident.now:
        breaching = _breaching(_datapoints(incident, minute))
        if alarm_at is None and breaching >= DATAPOINTS_TO_ALARM:
            alarm_at = minute + EVALUATION_DELAY
        elif alarm_at is not None and breaching < DATAPOINTS_TO_ALARM:
            return StateChanges(alarm_at, minute + EVALUATION_DELAY)
        minute += timedelta(minutes=1)
    raise AssertionError("the seeded failures never fire and recover the alarm")


def alarm_reason(incident: Incident, at: datetime | None = None) -> str:
    """The reason CloudWatch writes at ``at`` (default: when it fires), from the datapoints of the 3 minutes
    before it — as the data stood at that moment."""
    points = _datapoints(incident, at or state_changes(incident).alarm_at)
    breaching = [p for p in points if p["Sum"] > THRESHOLD]
    shown = ", ".join(f"{p['Sum']} ({p['Timestamp']:%d/%m/%y %H:%M:%S})" for p in breaching)
    return (
        f"Threshold Crossed: {len(breaching)} out of the last {len(points)} datapoints [{shown}] were greater "
        f"than the threshold ({THRESHOLD}) (minimum {DATAPOINTS_TO_ALARM} datapoints for OK -> ALARM transition)."
    )


def ok_reason(incident: Incident, at: datetime) -> str:
    points = _datapoints(incident, at)
    calm = [p for p in points if p["Sum"] <= THRESHOLD]
    shown = ", ".join(f"{p['Sum']} ({p['Timestamp']:%d/%m/%y %H:%M:%S})" for p in calm)
    needed = EVALUATION_PERIODS - DATAPOINTS_TO_ALARM + 1
    return (
        f"Threshold Crossed: {len(calm)} out of the last {len(points)} datapoints [{shown}] were not greater "
        f"than the threshold ({THRESHOLD}) (minimum {needed} datapoints for ALARM -> OK transition)."
    )


def _breaching(points: list[dict[str, Any]]) -> int:
    return sum(1 for p in points if p["Sum"] > THRESHOLD)


def _datapoints(incident: Incident, at: datetime) -> list[dict[str, Any]]:
    """The Errors sums of the EVALUATION_PERIODS whole minutes before ``at``, newest first (missing: none)."""
    cloudwatch: Any = boto3.client("cloudwatch", region_name=incident.region)
    end = at.replace(second=0, microsecond=0)
    data = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": FUNCTION}],
        StartTime=end - timedelta(minutes=EVALUATION_PERIODS),
        EndTime=end,
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return sorted(data, key=lambda d: d["Timestamp"], reverse=True)[:EVALUATION_PERIODS]
