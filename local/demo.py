"""`make demo`: the whole alarm path on the embedded stack, offline, with a picture of the message.

Starts moto + our stand-ins + the Slack stand-in, seeds an incident, fires the alarm through SNS into
``handlers/alarm.py`` exactly as Lambda would, prints the resulting Slack message and writes an HTML preview;
then sends the OK notification and shows the new state. Everything stops on exit; files go to ``out/``.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from local.firing import fire
from local.lambda_runtime import LambdaContext
from local.preview import to_html, to_terminal
from local.scenario import ALARM, FUNCTION, Incident, seed
from local.stack import EmbeddedStack, environment

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "out"
CHANNEL = "#ops-alerts"


def alarm_reason(incident: Incident) -> str:
    """The reason CloudWatch would write, from the seeded Errors datapoints of the last 3 minutes."""
    cloudwatch: Any = boto3.client("cloudwatch", region_name=incident.region)
    end = incident.now.replace(second=0)
    data = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": FUNCTION}],
        StartTime=end.timestamp() - 180,
        EndTime=end.timestamp(),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    points = sorted(data, key=lambda d: d["Timestamp"], reverse=True)[:3]
    breaching = [p for p in points if p["Sum"] > 3.0]
    shown = ", ".join(f"{p['Sum']} ({p['Timestamp']:%d/%m/%y %H:%M:%S})" for p in breaching)
    return (
        f"Threshold Crossed: {len(breaching)} out of the last {len(points)} datapoints [{shown}] were greater "
        "than the threshold (3.0) (minimum 2 datapoints for OK -> ALARM transition)."
    )


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
            with environment({"SLACK_TOKEN_SECRET_ARN": incident.secret_arn}):
                handler = importlib.import_module("handlers.alarm")
                step(f"Firing {ALARM} → SNS → handlers/alarm.py")
                event = fire(incident, ALARM, "ALARM", alarm_reason(incident))
                handler.lambda_handler(event, LambdaContext())
                alarm_message = stack.slack.posts(CHANNEL)[-1]
                print(to_terminal(alarm_message, CHANNEL, bold=sys.stdout.isatty()))
                step(f"The incident ends: {ALARM} returns to OK")
                event = fire(
                    incident,
                    ALARM,
                    "OK",
                    "Threshold Crossed: 3 out of the last 3 datapoints were not greater than the threshold (3.0).",
                )
                handler.lambda_handler(event, LambdaContext())
                ok_message = stack.slack.posts(CHANNEL)[-1]
                print(to_terminal(ok_message, CHANNEL, bold=sys.stdout.isatty()))
        OUT.mkdir(exist_ok=True)
        preview = OUT / "demo.html"
        preview.write_text(to_html([(CHANNEL, alarm_message), (CHANNEL, ok_message)]), encoding="utf-8")
    step(f"HTML preview: {preview}")
    step(f"Done in {time.monotonic() - started:.1f} s; every server has stopped.")
    return 0


def step(text: str) -> None:
    print(f"\n▶ {text}", flush=True)


if __name__ == "__main__":
    sys.exit(run())
