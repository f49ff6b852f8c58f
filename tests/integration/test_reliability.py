"""The fault and abuse matrix: sockets that never answer, Slack down then back (on-failure queue + replay),
malformed events of every shape, hostile text in every command parameter, secrets in log lines."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.alarms import Alarm
from bot.alerting import AlertService
from bot.aws import Clients
from bot.cli import RecordingPoster
from bot.config import Settings
from bot.delivery import Deadline
from bot.enrich.runner import Enricher
from bot.events import parse_event
from bot.observability import Telemetry
from bot.queries.catalog import load_config
from bot.queries.params import ParameterError, athena_literal, insights_literal
from bot.queries.plans import plan, split_command
from bot.slack.blocks.render import render_alarm
from bot.slack.transport.courier import SlackCourier
from tests.conftest import load_event
from tests.unit.test_query_plans import HOSTILE
from tests.unit.test_text import SECRETS

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A TCP endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_sockets_that_never_answer_cost_details_not_the_alert(black_hole: str) -> None:
    quick = Config(connect_timeout=0.5, read_timeout=0.5, retries={"max_attempts": 1})
    clients = {
        s: boto3.client(s, region_name="us-east-1", endpoint_url=black_hole, config=quick)
        for s in ("xray", "logs", "cloudwatch")
    }
    alarm = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(alarm, Alarm)
    started = time.monotonic()
    enrichment = Enricher(
        Settings(xray_deadline_s=2, logs_deadline_s=2, metrics_deadline_s=2), clients=lambda s, r: clients[s]
    ).enrich(replace(alarm, tags=()))
    assert time.monotonic() - started < 2.5
    # each source fails as a timeout: its socket's ("timed out") or, for Logs, which first waits for the
    # alarm's tags from the same black hole, its own deadline ("timed out after 2 s")
    notes = {"X-Ray": enrichment.xray.note, "Logs": enrichment.logs.note, "Metric": enrichment.metric.note}
    assert notes["X-Ray"] == notes["Metric"] == "timed out", notes
    assert notes["Logs"] in {"timed out", "timed out after 2 s"}, notes
    assert render_alarm(alarm, enrichment).blocks  # and the alert still renders


# --- malformed input of every shape: never an unhandled exception, always a post ------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.text(min_size=5000, max_size=6000),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)
alarm_keys = st.sampled_from(
    [
        "AlarmName",
        "NewStateValue",
        "OldStateValue",
        "NewStateReason",
        "StateChangeTime",
        "Region",
        "AlarmArn",
        "Trigger",
        "AlarmRule",
        "TriggeringChildren",
        "AlarmDescription",
        "AWSAccountId",
    ]
)
sns_message = st.one_of(
    st.text(max_size=200), st.dictionaries(alarm_keys, values, max_size=12).map(json.dumps), values.map(json.dumps)
)
sns_record = st.fixed_dictionaries(
    {
        "EventSource": st.just("aws:sns"),
        "Sns": st.fixed_dictionaries(
            {"Message": sns_message}, optional={"Subject": values, "MessageId": values, "Timestamp": values}
        ),
    }
)
eventbridge = st.fixed_dictionaries(
    {"detail-type": st.just("CloudWatch Alarm State Change"), "detail": values},
    optional={"resources": values, "region": values, "account": values, "time": values},
)
action = st.fixed_dictionaries(
    {
        "alarmData": st.dictionaries(
            st.sampled_from(["alarmName", "state", "previousState", "configuration"]), values
        )
    },
    optional={"alarmArn": values, "region": values},
)
events = st.one_of(
    st.fixed_dictionaries({"Records": st.lists(st.one_of(sns_record, values), min_size=1, max_size=3)}),
    eventbridge,
    action,
    st.dictionaries(st.text(max_size=10), values, max_size=5),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(event=events)
def test_malformed_events_always_post(event: dict[str, Any]) -> None:
    poster = RecordingPoster()
    courier = SlackCourier(poster)  # type: ignore[arg-type]
    service = AlertService(Settings(), enricher=None, courier=courier, telemetry=Telemetry.for_cli(Settings()))
    outcomes = service.handle(event, Deadline.after(10))
    records = event.get("Records")
    expected = len(records) if isinstance(records, list) and records else 1
    assert len(poster.calls) == len(outcomes) == expected


# --- hostile text through every command parameter ---------------------------------------------------------

CONFIG = load_config(ROOT / "infra" / "lookout.yaml", ROOT / "infra" / "queries")
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def quoted(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


PARAMS = [(q.name, p.name, p.type) for q in CONFIG.queries.values() for p in q.params] + [
    (q.name, "since", "duration") for q in CONFIG.queries.values()
]


@pytest.mark.parametrize(("query", "param", "kind"), PARAMS)
@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_values_never_change_a_query(query: str, param: str, kind: str, hostile: str) -> None:
    saved = CONFIG.queries[query]
    benign_values = {
        "name": "acme",
        "string": "acme",
        "int": "1",
        "date": "2026-11-01",
        "enum": "x",
        "duration": "1h",
    }
    others = " ".join(f"{p.name}={benign_values[p.type]}" for p in saved.params if p.name != param)
    try:
        hostile_plan = plan(*split_command(f"/query {query} {others} {param}={quoted(hostile)}"), CONFIG, now=NOW)
    except ParameterError:
        return  # refused with a message the user can act on
    benign_plan = plan(*split_command(f"/query {query} {others} {param}={benign_values[kind]}"), CONFIG, now=NOW)
    if saved.engine == "athena":
        assert hostile_plan.query == benign_plan.query  # the value only ever travels as a parameter
        assert hostile_plan.parameters.count(athena_literal(hostile)) == 1
    else:
        assert hostile_plan.query.replace(insights_literal(hostile), "«»") == benign_plan.query.replace(
            insights_literal(benign_values[kind]), "«»"
        )


# --- secrets in log lines never reach Slack -----------------------------------------------------------------


def test_secrets_in_log_lines_never_reach_slack() -> None:
    from moto import mock_aws

    now = datetime.now(UTC).replace(microsecond=0)
    with mock_aws():
        logs = boto3.client("logs", region_name="us-east-1")
        logs.create_log_group(logGroupName="/aws/lambda/orders-api")
        logs.create_log_stream(logGroupName="/aws/lambda/orders-api", logStreamName="s")
        lines = [
            f"ERROR request failed credential={secret}" if i % 2 else f"ERROR leaked {secret} in a stack trace"
            for i, secret in enumerate(SECRETS)
        ]
        lines += [
            "ERROR login password=hunter2 for jane@example.com",
            'ERROR {"password": "s3cr3t!", "token": "abc123456789"}',
        ]
        logs.put_log_events(
            logGroupName="/aws/lambda/orders-api",
            logStreamName="s",
            logEvents=[
                {"timestamp": int((now - timedelta(seconds=60 - i)).timestamp() * 1000), "message": m}
                for i, m in enumerate(lines)
            ],
        )
        alarm = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
        assert isinstance(alarm, Alarm)
        alarm = replace(alarm, changed_at=now, tags=())
        enrichment = Enricher(Settings(log_lines=50), Clients("us-east-1")).enrich(alarm)
    assert enrichment.logs.value is not None and len(enrichment.logs.value.lines) == len(lines)
    posted = json.dumps([b.to_dict() for b in render_alarm(alarm, enrichment).blocks])
    for secret in [*SECRETS, "hunter2", "jane@example.com", "s3cr3t!", "abc123456789"]:
        assert secret not in posted, secret
