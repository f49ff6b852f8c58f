"""Fire an embedded alarm the way CloudWatch does: set its state, publish the alarm message to its SNS topic,
and hand back the Lambda event SNS would deliver (read from an SQS subscription of the same topic)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3

from bot.regions import REGION_BY_DISPLAY_NAME

if TYPE_CHECKING:
    from local.scenario.incident import Incident

_DISPLAY_NAME = {code: name for name, code in reversed(list(REGION_BY_DISPLAY_NAME.items()))}


def fire(
    incident: Incident, alarm_name: str, state: str, reason: str, at: datetime | None = None
) -> dict[str, Any]:
    """Move ``alarm_name`` to ``state`` and return the SNS Lambda event for that state change (at ``at``)."""
    cloudwatch: Any = boto3.client("cloudwatch", region_name=incident.region)
    before = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
    cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue=state, StateReason=reason)
    alarm = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
    message = alarm_message(
        alarm, old_state=before["StateValue"], region=incident.region, changed_at=at or datetime.now(UTC)
    )
    subject = f'{state}: "{alarm_name}" in {_DISPLAY_NAME.get(incident.region, incident.region)}'
    boto3.client("sns", region_name=incident.region).publish(
        TopicArn=incident.topic_arn, Subject=subject, Message=json.dumps(message)
    )
    return _lambda_event(incident)


def alarm_message(alarm: dict[str, Any], *, old_state: str, region: str, changed_at: datetime) -> dict[str, Any]:
    """The JSON CloudWatch publishes to SNS for a metric alarm's state change."""
    stat = alarm.get("ExtendedStatistic") or alarm.get("Statistic", "Average")
    trigger: dict[str, Any] = {
        "MetricName": alarm.get("MetricName"),
        "Namespace": alarm.get("Namespace"),
        "StatisticType": "ExtendedStatistic" if alarm.get("ExtendedStatistic") else "Statistic",
        "Unit": alarm.get("Unit"),
        "Dimensions": [{"value": d["Value"], "name": d["Name"]} for d in alarm.get("Dimensions", [])],
        "Period": alarm.get("Period"),
        "EvaluationPeriods": alarm.get("EvaluationPeriods"),
        "DatapointsToAlarm": alarm.get("DatapointsToAlarm", alarm.get("EvaluationPeriods")),
        "ComparisonOperator": alarm.get("ComparisonOperator"),
        "Threshold": alarm.get("Threshold"),
        "TreatMissingData": alarm.get("TreatMissingData", "missing"),
        "EvaluateLowSampleCountPercentile": "",
    }
    trigger["ExtendedStatistic" if alarm.get("ExtendedStatistic") else "Statistic"] = (
        stat.upper() if stat in {"Sum", "Average", "Minimum", "Maximum", "SampleCount"} else stat
    )
    return {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": alarm["AlarmArn"].split(":")[4],
        "AlarmConfigurationUpdatedTimestamp": _stamp(
            alarm.get("AlarmConfigurationUpdatedTimestamp") or changed_at
        ),
        "NewStateValue": alarm["StateValue"],
        "NewStateReason": alarm.get("StateReason", ""),
        "StateChangeTime": _stamp(changed_at),
        "Region": _DISPLAY_NAME.get(region, region),
        "AlarmArn": alarm["AlarmArn"],
        "OldStateValue": old_state,
        "OKActions": alarm.get("OKActions", []),
        "AlarmActions": alarm.get("AlarmActions", []),
        "InsufficientDataActions": alarm.get("InsufficientDataActions", []),
        "Trigger": trigger,
    }


def _lambda_event(incident: Incident) -> dict[str, Any]:
    sqs = boto3.client("sqs", region_name=incident.region)
    received = sqs.receive_message(QueueUrl=incident.tap_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
    records = []
    for message in received.get("Messages", []):
        envelope = json.loads(message["Body"])
        sqs.delete_message(QueueUrl=incident.tap_queue_url, ReceiptHandle=message["ReceiptHandle"])
        records.append(
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{incident.topic_arn}:lookout",
                "Sns": {
                    "Type": envelope.get("Type", "Notification"),
                    "MessageId": envelope["MessageId"],
                    "TopicArn": envelope["TopicArn"],
                    "Subject": envelope.get("Subject"),
                    "Message": envelope["Message"],
                    "Timestamp": envelope["Timestamp"],
                    "SignatureVersion": envelope.get("SignatureVersion", "1"),
                    "Signature": envelope.get("Signature", ""),
                    "SigningCertUrl": envelope.get("SigningCertURL", ""),
                    "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
                    "MessageAttributes": envelope.get("MessageAttributes", {}),
                },
            }
        )
    if not records:
        raise RuntimeError("the alarm's SNS notification did not arrive on the tap queue")
    return {"Records": records}


def _stamp(moment: datetime | str) -> str:
    if isinstance(moment, str):
        return moment
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
