"""The demo's escalation: an alarm tagged to escalate after 5 minutes fires and nobody acknowledges it;
``handlers/checks.py`` is woken minute by minute as EventBridge Scheduler would, and its sweep notes the
incident in its thread (calling the escalation group) and then publishes to the escalation SNS topic, which an
SQS queue (standing in for the pager's e-mail or HTTPS integration) receives. Prints both; returns what the
HTML preview shows: the incident's message with its thread, and the page as the topic delivered it."""

from __future__ import annotations

import importlib
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

from local.lambda_runtime import LambdaContext
from local.preview import reply_lines, to_terminal, wrap
from local.scenario.firing import fire
from local.stack import environment

if TYPE_CHECKING:
    from pathlib import Path

    from local.preview import Posted
    from local.scenario.incident import Incident
    from local.stack import EmbeddedStack

ALARM = "orders-payment-errors"
TOPIC = "lookout-escalation"
TAGS = {
    "lookout:escalate-after": "5m",
    "lookout:escalate-to": "S0PAYLEADS",  # the payments leads' Slack user group
    "lookout:mention": "S0PAYTEAM",
    "lookout:severity": "high",
}
WIDTH = 100


def escalate_unacknowledged(stack: EmbeddedStack, incident: Incident, folder: Path, step: Any) -> list[Posted]:
    """Fire ``orders-payment-errors`` with escalation tags, leave it unacknowledged, and advance the minute
    tick until the sweep has noted it and paged the escalation topic."""
    region = incident.region
    sns = boto3.client("sns", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    topic = sns.create_topic(Name=TOPIC)["TopicArn"]  # the template's EscalationTopic
    pager = sqs.create_queue(QueueName="demo-pager")["QueueUrl"]
    pager_arn = sqs.get_queue_attributes(QueueUrl=pager, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=pager_arn)
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    alarm_arn = cloudwatch.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["AlarmArn"]
    cloudwatch.tag_resource(ResourceARN=alarm_arn, Tags=[{"Key": k, "Value": v} for k, v in TAGS.items()])

    at = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    step(f"{ALARM} fires at {at:%H:%M} UTC, tagged lookout:escalate-after=5m, lookout:escalate-to=S0PAYLEADS")
    alarms = importlib.import_module("handlers.alarm")
    reason = (
        f"Threshold Crossed: 1 out of the last 1 datapoints [9.0 ({at:%d/%m/%y %H:%M:%S})] was greater than the"
        " threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    alarms.lambda_handler(fire(incident, ALARM, "ALARM", reason, at=at), LambdaContext())
    channel = alarms.SETTINGS.slack_channel  # the stand-in keeps a channel's messages by its #name
    message = next(m for m in stack.slack.posts(channel) if ALARM in (m.get("text") or ""))
    _show(message, channel)

    checks = folder / "no-checks.yaml"
    checks.write_text("checks: []\n")  # only the sweep (and the heartbeat) on these ticks
    with environment({"LOOKOUT_CHECKS": str(checks), "ESCALATION_TOPIC_ARN": topic}):
        handler = importlib.reload(importlib.import_module("handlers.checks"))
        step("Nobody acknowledges: EventBridge Scheduler wakes handlers/checks.py every minute")
        page: dict[str, Any] | None = None
        for minute in range(1, 16):
            scheduled = (at + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")
            woke = handler.lambda_handler(
                {"scheduled_time": scheduled}, LambdaContext(function_name="lookout-checks")
            )
            escalated = woke.get("escalated") or {}
            if escalated.get("noted"):
                print(f"  {scheduled[11:16]} UTC: 5 min unacknowledged — a note in its thread calls the leads:")
                for line in reply_lines(stack.slack.replies(channel, message["ts"]), WIDTH):
                    print(line)
            if escalated.get("paged"):
                page = _received(sqs, pager)
                print(f"  {scheduled[11:16]} UTC: 5 min more — published to the escalation topic ({TOPIC}):")
                for line in [f"Subject: {page['Subject']}", *page["Message"].splitlines()]:
                    print("\n".join(wrap(f"    {line}", WIDTH)))
                break
        if page is None:
            raise SystemExit("the unacknowledged incident never escalated: see handlers/checks.py's log")
    message = next(m for m in stack.slack.posts(channel) if m["ts"] == message["ts"])
    return [(channel, message, stack.slack.replies(channel, message["ts"])), (f"SNS {TOPIC}", _as_card(page))]


def _received(sqs: Any, queue: str) -> dict[str, Any]:
    """The page as the topic delivered it to its subscriber (SNS's JSON envelope)."""
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, WaitTimeSeconds=2)["Messages"]
    body: dict[str, Any] = json.loads(got[0]["Body"])
    return body


def _as_card(page: dict[str, Any]) -> dict[str, Any]:
    """The page in the preview's message shape: its subject, then its text as the pager shows it."""
    text = f"*📟 {page['Subject']}*\n```{page['Message']}```"
    return {"text": page["Subject"], "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def _show(message: dict[str, Any], channel: str) -> None:
    print(to_terminal(message, channel, width=WIDTH, bold=sys.stdout.isatty()), flush=True)
