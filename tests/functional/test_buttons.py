"""The alarm message's buttons, clicked through signed interactivity payloads dispatched to the Slack app:
acknowledge and silence change the incident and the message; more logs replies in the thread; only allowed
users may click."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import boto3
import pytest
from moto import mock_aws
from slack_bolt.request import BoltRequest

from bot.delivery import Deadline
from bot.slack.edge.actions import IncidentActions
from bot.slack.edge.app import build_app
from local.slack.api import SlackStandIn
from tests.support.lifecycle import TABLE, lifecycle_service, sns_event
from tests.support.slack_app import SECRET, RecordingLazyRunner, make_service, signed, writer_for

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.lifecycle.store import IncidentStore

ARN = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:api"


@pytest.fixture
def world() -> Iterator[tuple[Any, RecordingLazyRunner, SlackStandIn, IncidentStore, dict[str, Any]]]:
    with SlackStandIn() as slack, mock_aws():
        alerts = lifecycle_service(slack.url, table=TABLE)
        logs = boto3.client("logs", region_name="us-east-1")
        logs.create_log_group(logGroupName="/aws/lambda/api")
        logs.create_log_stream(logGroupName="/aws/lambda/api", logStreamName="s")
        now = int(time.time() * 1000)
        logs.put_log_events(
            logGroupName="/aws/lambda/api",
            logStreamName="s",
            logEvents=[{"timestamp": now - 600_000 + i * 1000, "message": f"ERROR line {i}"} for i in range(120)],
        )
        alerts.handle(sns_event("api", "ALARM", 0), Deadline.after(30))
        store = alerts.lifecycle.tracker.store
        from dataclasses import replace

        incident = store.get(ARN)
        assert incident is not None
        store.put(
            replace(
                incident,
                logs=json.dumps(
                    {
                        "groups": ["/aws/lambda/api"],
                        "pattern": "ERROR",
                        "start": now / 1000 - 3600,
                        "before": now / 1000 - 10,
                    }
                ),
            )
        )
        actions = IncidentActions(store, allowed=("U0ONCALL",), logs_client=logs)
        app = build_app(make_service()[0], signing_secret=SECRET, writer=writer_for(slack), actions=actions)
        lazy = RecordingLazyRunner(app.logger)
        app.listener_runner.lazy_listener_runner = lazy
        yield app, lazy, slack, store, slack.posts("#alerts")[0]


def click(
    app: Any,
    message: dict[str, Any],
    action_id: str,
    user: str = "U0ONCALL",
    value: str = ARN,
    response_url: str = "http://127.0.0.1:9/unused",
) -> Any:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "ana"},
        "api_app_id": "A012",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": "#alerts",
            "is_ephemeral": False,
        },
        "trigger_id": f"1.2.{time.monotonic_ns()}",
        "team": {"id": "T012", "domain": "acme"},
        "channel": {"id": "#alerts", "name": "alerts"},
        "message": {"ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "lookout:actions",
                "value": value,
                "type": "button",
                "action_ts": "1",
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return app.dispatch(BoltRequest(body=body, headers=signed(body)))


def test_message_has_the_buttons(world: Any) -> None:
    _, _, _, _, message = world
    actions = next(b for b in message["blocks"] if b["block_id"] == "lookout:actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "lookout:ack",
        "lookout:silence-1h",
        "lookout:silence-4h",
        "lookout:more-logs",
        "lookout:run-errors",
    ]


def test_acknowledge_shows_who_and_stops_repeat_notes(world: Any) -> None:
    app, lazy, slack, store, message = world
    assert click(app, message, "lookout:ack").status == 200
    lazy.run_all()
    assert store.get(ARN).acked_by == "U0ONCALL"
    (updated,) = slack.posts("#alerts")
    status = next(b for b in updated["blocks"] if b["block_id"] == "lookout:status")
    assert "Acknowledged by <@U0ONCALL>" in status["elements"][0]["text"]


def test_silence_is_stored_and_shown(world: Any) -> None:
    app, lazy, slack, store, message = world
    click(app, message, "lookout:silence-4h")
    lazy.run_all()
    incident = store.get(ARN)
    assert 4 * 3600 - 60 < incident.silenced_until - time.time() <= 4 * 3600
    assert "Silenced until" in json.dumps(slack.posts("#alerts")[0]["blocks"])


def test_more_logs_replies_with_the_next_50_lines(world: Any) -> None:
    app, lazy, slack, store, message = world
    click(app, message, "lookout:more-logs")
    lazy.run_all()
    (reply,) = slack.replies("#alerts", message["ts"])
    lines = reply["blocks"][0]["text"]["text"].strip("`").splitlines()
    assert len(lines) == 50 and lines[0].endswith("ERROR line 119") and lines[-1].endswith("ERROR line 70")
    click(app, message, "lookout:more-logs")
    lazy.run_all()
    second = slack.replies("#alerts", message["ts"])[1]["blocks"][0]["text"]["text"].strip("`").splitlines()
    assert second[0].endswith("ERROR line 69")  # continues where the first stopped


def test_only_allowed_users_may_click(world: Any) -> None:
    app, lazy, slack, store, message = world
    click(app, message, "lookout:ack", user="U0STRANGER", response_url=slack.response_url("stranger"))
    lazy.run_all()
    assert store.get(ARN).acked_by == ""
    (said,) = slack.state.responses["stranger"]
    assert said["response_type"] == "ephemeral" and "only the people Lookout is set up for" in said["text"]


def test_unsigned_clicks_are_refused(world: Any) -> None:
    app, lazy, _, store, message = world
    payload = urlencode(
        {"payload": json.dumps({"type": "block_actions", "actions": [{"action_id": "lookout:ack", "value": ARN}]})}
    )
    assert app.dispatch(BoltRequest(body=payload, headers=signed(payload, secret="wrong"))).status == 401
    lazy.run_all()
    assert store.get(ARN).acked_by == ""


def test_run_errors_for_the_service(world: Any) -> None:
    app, lazy, slack, _, message = world
    click(app, message, "lookout:run-errors", value="orders-api")
    lazy.run_all()
    answer = slack.posts("#alerts")[-1]
    assert "Top errors in orders-api" in json.dumps(answer["blocks"]) and "asked by <@U0ONCALL>" in json.dumps(
        answer["blocks"]
    )


def test_run_errors_for_an_unknown_service_is_refused_in_words(world: Any) -> None:
    app, lazy, slack, _, message = world
    before = len(slack.posts("#alerts"))
    click(app, message, "lookout:run-errors", value="not-configured", response_url=slack.response_url("unknown"))
    lazy.run_all()
    assert len(slack.posts("#alerts")) == before  # nothing posted in the channel; the clicker is told why
    (said,) = slack.state.responses["unknown"]
    assert said["response_type"] == "ephemeral"
