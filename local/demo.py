"""`make demo`: Lookout end to end on the embedded stack, offline, with a picture of the messages.

Starts moto + our stand-ins + the Slack stand-in, seeds an incident, fires the alarm through SNS into
``handlers/alarm.py`` exactly as Lambda would and prints the resulting Slack message; sends the OK
notification; runs the scheduled checks (an HTTP endpoint that fails and recovers, an X-Ray threshold)
through ``handlers/checks.py`` and a burst of error lines from two log groups through ``handlers/log_errors.py``;
then asks ``/errors``, ``/traffic`` and ``/query popular-fields`` through
``handlers/slack.py`` over signed HTTP and shows the tables, and runs the weekly digest through
``handlers/digest.py``. Writes an HTML preview of every message. Everything stops on exit; files go to ``out/``.
"""

from __future__ import annotations

import importlib
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from local.demo_checks import run_checks
from local.demo_log_errors import forward_errors
from local.firing import fire
from local.lambda_runtime import LambdaContext
from local.preview import slack_unescape, to_html, to_terminal
from local.scenario import ALARM, FUNCTION, INCIDENTS_TABLE, SIGNING_SECRET, Incident, seed
from local.scenario_config import TABLE
from local.scenario_tables import DATA_BUCKET
from local.slack_gateway import FunctionUrl, ack_text, send_command
from local.stack import EmbeddedStack, environment

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out"
CHANNEL = "#ops-alerts"


def alarm_reason(incident: Incident, at: datetime | None = None) -> str:
    """The reason CloudWatch would write at ``at`` (default: the last minute of the failures), from the seeded
    Errors datapoints of the 3 minutes before it — as the data stood at that moment."""
    points = _datapoints(incident, at or incident.recovered or incident.now)
    breaching = [p for p in points if p["Sum"] > 3.0]
    shown = ", ".join(f"{p['Sum']} ({p['Timestamp']:%d/%m/%y %H:%M:%S})" for p in breaching)
    return (
        f"Threshold Crossed: {len(breaching)} out of the last {len(points)} datapoints [{shown}] were greater "
        "than the threshold (3.0) (minimum 2 datapoints for OK -> ALARM transition)."
    )


def ok_reason(incident: Incident, at: datetime) -> str:
    points = _datapoints(incident, at)
    shown = ", ".join(f"{p['Sum']} ({p['Timestamp']:%d/%m/%y %H:%M:%S})" for p in points)
    calm = sum(1 for p in points if p["Sum"] <= 3.0)
    return (
        f"Threshold Crossed: {calm} out of the last {len(points)} datapoints [{shown}] were not greater than "
        "the threshold (3.0) (minimum 3 datapoints for ALARM -> OK transition)."
    )


def _datapoints(incident: Incident, at: datetime) -> list[dict[str, Any]]:
    cloudwatch: Any = boto3.client("cloudwatch", region_name=incident.region)
    end = at.replace(second=0, microsecond=0)
    data = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": FUNCTION}],
        StartTime=end.timestamp() - 180,
        EndTime=end.timestamp(),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return sorted(data, key=lambda d: d["Timestamp"], reverse=True)[:3]


def run() -> int:
    started = time.monotonic()
    step("Starting the embedded stack (moto server + X-Ray/Logs stand-ins + Slack stand-in, loopback only)")
    with EmbeddedStack() as stack:
        settings_env = {
            **stack.env(),
            "SLACK_CHANNEL": CHANNEL,
            "LOOKOUT_TRACING": "false",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        with environment(settings_env):
            step(
                "Seeding the incident: an hour of orders-api traffic, then 10 minutes of payment-provider failures"
            )
            incident = seed()
            listing = boto3.client("s3").list_objects_v2(Bucket=DATA_BUCKET, Prefix="access_events/")
            print(
                "  a week of access events: API Gateway access-log lines → CloudWatch Logs subscription →"
                " Firehose (decompression, extraction, handlers/access_logs.py) →"
                f" {len(listing['Contents'])} objects in s3://{DATA_BUCKET}/access_events/day=…/ → Glue → Athena",
                flush=True,
            )
            config = incident.tables["field_mappings"]
            print(
                f"  the app's field mappings: {config.records} changes to DynamoDB table {TABLE} (creates, edits,"
                f" a delete) → its stream → handlers/normalize.py in {config.batches} batch(es) →"
                f" s3://{DATA_BUCKET}/field_mappings_events|snapshot/day=…/ → Glue → Athena",
                flush=True,
            )
            with environment({"SLACK_TOKEN_SECRET_ARN": incident.secret_arn, "INCIDENTS_TABLE": INCIDENTS_TABLE}):
                handler = importlib.import_module("handlers.alarm")
                step(f"Firing {ALARM} → SNS → handlers/alarm.py")
                fired = incident.now - timedelta(minutes=8)
                event = fire(incident, ALARM, "ALARM", alarm_reason(incident, fired), at=fired)
                handler.lambda_handler(event, LambdaContext())
                alarm_message = stack.slack.posts(CHANNEL)[-1]
                print(to_terminal(alarm_message, CHANNEL, bold=sys.stdout.isatty()))
                step(f"{ALARM} still fires three minutes later: its message is updated, a note goes in the thread")
                refired = incident.now - timedelta(minutes=5)  # the failures' last minute
                event = fire(incident, ALARM, "ALARM", alarm_reason(incident, refired), at=refired)
                handler.lambda_handler(event, LambdaContext())
                step(f"The incident ends: {ALARM} returns to OK — the original message is edited")
                event = fire(incident, ALARM, "OK", ok_reason(incident, incident.now), at=incident.now)
                handler.lambda_handler(event, LambdaContext())
                ok_message = stack.slack.posts(CHANNEL)[-1]
                print(to_terminal(ok_message, CHANNEL, bold=sys.stdout.isatty()))
                thread = stack.slack.replies(CHANNEL, ok_message["ts"])
                print(f"  {len(stack.slack.posts(CHANNEL))} message in {CHANNEL}, edited; its thread:")
                for reply in thread:
                    print("   └ " + slack_unescape(reply["text"]))
                OUT.mkdir(exist_ok=True)
                checked = run_checks(stack, OUT, step)
                forwarded = forward_errors(stack, step)
                answers = ask_in_slack(stack)
                digest = weekly_digest(stack)
        OUT.mkdir(exist_ok=True)
        preview = OUT / "demo.html"
        asked = [(CHANNEL, m) for m in answers]
        messages = [(CHANNEL, alarm_message), (CHANNEL, ok_message), *checked, *forwarded, *asked, digest]
        preview.write_text(to_html(messages), encoding="utf-8")
        (OUT / "answers.html").write_text(to_html(asked), encoding="utf-8")
        (OUT / "message.html").write_text(to_html([(CHANNEL, alarm_message)]), encoding="utf-8")  # README picture
    step(f"HTML preview: {preview}")
    step(f"Done in {time.monotonic() - started:.1f} s; every server has stopped.")
    return 0


def ask_in_slack(stack: EmbeddedStack) -> list[dict[str, Any]]:
    """On-call asks from the channel: signed /errors and /traffic through handlers/slack.py over HTTP."""
    slack_handler = importlib.import_module("handlers.slack")
    stack.aws.functions.register("lookout-slack", slack_handler.lambda_handler)
    answers = []
    with FunctionUrl(slack_handler.lambda_handler, "lookout-slack") as url:
        for command, text in (
            ("/errors", "orders-api 1h"),
            ("/traffic", "24h by customer"),
            ("/query", "popular-fields"),
        ):
            step(f"On-call types {command} {text} in {CHANNEL}")
            status, body = send_command(url.url, SIGNING_SECRET, command, text, user="U0ONCALL", channel=CHANNEL)
            print(f"  ack ({status}): {ack_text(body)}")
            stack.aws.functions.wait(60)
            answer = stack.slack.posts(CHANNEL)[-1]
            print(to_terminal(answer, CHANNEL, bold=sys.stdout.isatty()))
            answers.append(answer)
    return answers


def weekly_digest(stack: EmbeddedStack) -> tuple[str, dict[str, Any]]:
    """handlers/digest.py as EventBridge Scheduler's hourly wake-up would run it in the scheduled hour (the demo
    says "post now" instead of waiting for Monday), posting the week's tables once."""
    from bot.analytics.digest import load_digest_config

    digest_config = load_digest_config(str(ROOT / "infra" / "lookout.yaml"))
    assert digest_config is not None, "infra/lookout.yaml has no digest section"
    step(f"The weekly digest: EventBridge Scheduler → handlers/digest.py → {digest_config.channel}")
    handler = importlib.import_module("handlers.digest")
    handler.lambda_handler({handler.POST_NOW: True}, LambdaContext())
    digest = stack.slack.posts(digest_config.channel)[-1]
    print(to_terminal(digest, digest_config.channel, bold=sys.stdout.isatty()))
    return digest_config.channel, digest


def step(text: str) -> None:
    print(f"\n▶ {text}", flush=True)


if __name__ == "__main__":
    sys.exit(run())
