"""`make demo`: Lookout end to end on the embedded stack, offline, with a picture of the messages.

Starts moto + our stand-ins + the Slack stand-in, seeds an incident caused by a deploy (its CloudTrail calls
delivered to the change ledger through ``handlers/changes.py``, and kept in the CloudTrail stand-in's event
history), fires the alarm through SNS into ``handlers/alarm.py`` exactly as Lambda would and prints the resulting
Slack message; sends the OK notification; runs the scheduled checks (an HTTP endpoint that fails and recovers,
an X-Ray threshold) through ``handlers/checks.py`` and a burst of error lines from two log groups through
``handlers/log_errors.py``; then asks ``/errors``, ``/traffic``, ``/query popular-fields`` and
``/query app-events`` through ``handlers/slack.py`` over signed HTTP and shows the tables, and runs the weekly
digest through ``handlers/digest.py``. Writes an HTML preview of every message. Everything stops on exit; files
go to ``out/``.
Lookout runs with the demo app's configuration (``local/demo/config/``), not the generic ``infra/lookout.yaml``.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from local.demo import config as demo_config
from local.demo.checks import run_checks
from local.demo.escalation import escalate_unacknowledged
from local.demo.log_errors import forward_errors
from local.lambda_runtime import LambdaContext
from local.logs.firehose import PARTITIONING_FAILED
from local.preview import Posted, reply_lines, to_html, to_terminal, wrap
from local.scenario.alarm_evaluation import alarm_reason, ok_reason, state_changes
from local.scenario.config_table import TABLE
from local.scenario.firing import fire
from local.scenario.incident import (
    ALARM,
    DEPLOY_ROLE,
    DEPLOY_SESSION,
    FUNCTION,
    INCIDENTS_TABLE,
    ROLLBACK_SESSION,
    SIGNING_SECRET,
    Incident,
    seed,
)
from local.scenario.tables import DATA_BUCKET
from local.slack.gateway import FunctionUrl, ack_text, send_command
from local.stack import EmbeddedStack, environment

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out"
CHANNEL = "#ops-alerts"
WIDTH = 100
"""Every line the demo prints fits this many columns."""


def run() -> int:
    started = time.monotonic()
    step(
        "Starting the embedded stack (moto server + X-Ray/Logs/Athena/CloudTrail stand-ins + Slack stand-in,"
        " loopback only)"
    )
    with EmbeddedStack() as stack:
        settings_env = {
            **stack.env(),
            **demo_config.environment(),  # LOOKOUT_CONFIG and LOOKOUT_QUERIES: the demo app's
            "SLACK_CHANNEL": CHANNEL,
            "LOOKOUT_TRACING": "false",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        with environment(settings_env):
            step(
                "Seeding the incident: an hour of orders-api traffic; CI deploys orders-api, and 4 minutes later"
                " 10 minutes of payment failures until the deploy is rolled back"
            )
            incident = seed()
            describe_the_changes(incident)
            describe_the_data(incident)
            with environment({"SLACK_TOKEN_SECRET_ARN": incident.secret_arn, "INCIDENTS_TABLE": INCIDENTS_TABLE}):
                alarm_message = the_incident(stack, incident)
                OUT.mkdir(exist_ok=True)
                checked = run_checks(stack, OUT, step)
                forwarded = forward_errors(stack, step)
                escalated = escalate_unacknowledged(stack, incident, OUT, step)
                answers = ask_in_slack(stack)
                digest = weekly_digest(stack)
        with_threads = [(c, m, stack.slack.replies(c, m["ts"])) for c, m in [*checked, *forwarded, digest]]
        ok_message = stack.slack.posts(CHANNEL)[0]  # the alarm's message, as the OK left it
        messages: list[Posted] = [
            (CHANNEL, alarm_message),
            (CHANNEL, ok_message, stack.slack.replies(CHANNEL, ok_message["ts"])),
            *with_threads,
            *escalated,
            *[(CHANNEL, m) for m in answers],
        ]
        preview = OUT / "demo.html"
        preview.write_text(to_html(messages), encoding="utf-8")
        (OUT / "answers.html").write_text(to_html([(CHANNEL, m) for m in answers]), encoding="utf-8")
        (OUT / "message.html").write_text(to_html([(CHANNEL, alarm_message)]), encoding="utf-8")  # README picture
    step(f"HTML preview of every message and thread: {preview}")
    step(f"Done in {time.monotonic() - started:.1f} s; every server has stopped.")
    return 0


def describe_the_changes(incident: Incident) -> None:
    """What changed, and how Lookout came to know it: CloudTrail's calls through EventBridge to the ledger."""
    changes = incident.changes
    if changes is None:
        return
    for line in (
        f"the change ledger has been recording since {changes.recording_since:%H:%M} UTC"
        f" ({len(changes.history)} changes hours before: a table's capacity, a function's reserved concurrency),"
        ' each "AWS API Call via CloudTrail" event filed as it happened',
        f"at {changes.deployed_at:%H:%M:%S} UTC CI ({DEPLOY_ROLE}/{DEPLOY_SESSION}) deploys new code to"
        f" {FUNCTION}: its payment client retries every failed charge at once; from"
        f" {incident.started:%H:%M} UTC the payment provider throttles it (429) and fails (502); at"
        f" {changes.rolled_back_at:%H:%M:%S} UTC CI rolls it back ({ROLLBACK_SESSION}) — both calls via"
        " EventBridge → handlers/changes.py → the change ledger, and in CloudTrail's event history (LookupEvents)",
    ):
        print("\n".join(wrap(f"  {line}", WIDTH)), flush=True)


def describe_the_data(incident: Incident) -> None:
    """Where the analytics data came from: the production pipelines, fed on the embedded stack."""
    s3 = boto3.client("s3")
    objects = s3.list_objects_v2(Bucket=DATA_BUCKET, Prefix="access_events/")["Contents"]
    config = incident.tables["field_mappings"]
    app_events = incident.tables["app_events"]
    partitioned = s3.list_objects_v2(Bucket=DATA_BUCKET, Prefix="app_events/").get("KeyCount", 0)
    for line in (
        f"two weeks of access events: API Gateway access-log lines → CloudWatch Logs subscription → Firehose"
        f" (decompression, extraction, handlers/access_logs.py, Parquet) → {len(objects)} objects in"
        f" s3://{DATA_BUCKET}/access_events/day=…/ → Glue → Athena",
        f"the app's field mappings: {config.records} changes to DynamoDB table {TABLE} (creates, edits, a delete)"
        f" → its stream → handlers/normalize.py in {config.batches} batch(es) →"
        f" s3://{DATA_BUCKET}/settings_events|snapshot/day=…/ (every attribute: tenant, setting, value) and, as"
        f" the demo's mapping refines them, s3://{DATA_BUCKET}/field_mappings_events|snapshot/day=…/ → Glue →"
        " Athena",
        f"nine days of app events: {len(app_events.sent)} records the app sent with PutRecordBatch → Firehose"
        f" Direct PUT (JQ {{day: .at[0:10]}}, no Lambda) → {partitioned} objects in"
        f" s3://{DATA_BUCKET}/app_events/day=…/ → Glue → Athena;"
        f" {app_events.delivered.get(PARTITIONING_FAILED, 0)} malformed ones (no `at`, `at` a number, cut off)"
        f" → s3://{DATA_BUCKET}/app_events_errors/{PARTITIONING_FAILED}/…",
    ):
        print("\n".join(wrap(f"  {line}", WIDTH)), flush=True)


def the_incident(stack: EmbeddedStack, incident: Incident) -> dict[str, Any]:
    """The alarm fires and recovers when CloudWatch would move it (2 of 3 datapoints): the message as first
    posted, then as the OK leaves it, with its thread."""
    handler = importlib.import_module("handlers.alarm")
    changes = state_changes(incident)
    step(f"{ALARM} fires at {changes.alarm_at:%H:%M:%S} UTC → SNS → handlers/alarm.py")
    fired = fire(incident, ALARM, "ALARM", alarm_reason(incident, changes.alarm_at), at=changes.alarm_at)
    handler.lambda_handler(fired, LambdaContext())
    alarm_message = stack.slack.posts(CHANNEL)[-1]
    show(alarm_message, CHANNEL)
    rolled_back = (
        f" after the rollback at {incident.changes.rolled_back_at:%H:%M:%S} UTC" if incident.changes else ""
    )
    step(
        f"The incident ends{rolled_back}: {ALARM} is OK at {changes.ok_at:%H:%M:%S} UTC, and its message is edited"
    )
    recovered = fire(incident, ALARM, "OK", ok_reason(incident, changes.ok_at), at=changes.ok_at)
    handler.lambda_handler(recovered, LambdaContext())
    ok_message = stack.slack.posts(CHANNEL)[-1]
    show(ok_message, CHANNEL)
    print(f"  {len(stack.slack.posts(CHANNEL))} message in {CHANNEL}, edited; its thread:")
    for line in reply_lines(stack.slack.replies(CHANNEL, ok_message["ts"]), WIDTH):
        print(line)
    return alarm_message


def show(message: dict[str, Any], channel: str) -> None:
    print(to_terminal(message, channel, width=WIDTH, bold=sys.stdout.isatty()), flush=True)


def ask_in_slack(stack: EmbeddedStack) -> list[dict[str, Any]]:
    """On-call asks from the channel: signed /errors, /traffic and saved /query commands through
    handlers/slack.py over HTTP."""
    slack_handler = importlib.import_module("handlers.slack")
    stack.aws.functions.register("lookout-slack", slack_handler.lambda_handler)
    answers = []
    with FunctionUrl(slack_handler.lambda_handler, "lookout-slack") as url:
        for command, text in (
            ("/errors", "orders-api 1h"),
            ("/traffic", "24h by customer"),
            ("/query", "popular-fields"),
            ("/query", "app-events"),
        ):
            step(f"On-call types {command} {text} in {CHANNEL}")
            before = len(stack.slack.posts(CHANNEL))
            status, body = send_command(
                url.url,
                SIGNING_SECRET,
                command,
                text,
                user="U0ONCALL",
                channel=CHANNEL,
                response_url=stack.slack.response_url(command.strip("/")),
            )
            print(f"  ack ({status}): {ack_text(body)}")
            stack.aws.functions.wait(60)
            if len(stack.slack.posts(CHANNEL)) == before:
                raise SystemExit(f"{command} was acknowledged but never answered: see the Slack function's log")
            answer = stack.slack.posts(CHANNEL)[-1]
            show(answer, CHANNEL)
            answers.append(answer)
    return answers


def weekly_digest(stack: EmbeddedStack) -> tuple[str, dict[str, Any]]:
    """handlers/digest.py invoked now, as EventBridge Scheduler's weekly cron would (the demo does not wait for
    Monday), posting the week's tables once."""
    from bot.analytics.digest import load_digest_config

    digest_config = load_digest_config(str(demo_config.CONFIG))
    assert digest_config is not None, f"{demo_config.CONFIG} has no digest section"
    step(f"The weekly digest: EventBridge Scheduler → handlers/digest.py → {digest_config.channel}")
    handler = importlib.import_module("handlers.digest")
    handler.lambda_handler({}, LambdaContext())
    digest = stack.slack.posts(digest_config.channel)[-1]
    show(digest, digest_config.channel)
    return digest_config.channel, digest


def step(text: str) -> None:
    print("\n" + "\n".join(wrap(f"▶ {text}", WIDTH)), flush=True)


def main() -> int:
    try:
        return run()
    except KeyboardInterrupt:  # Ctrl-C: the stack's servers stopped on the way out (its context managers)
        print("\nDemo interrupted; every server has stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
