"""The Slack function's front door: commands acknowledged without Bolt (signature, replay, ack text, the lazy
re-invocation Bolt then runs), everything else handed to Bolt; and the production wiring behind it."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
from bot.observability import Telemetry
from bot.slack.app import _production_parts, build_app
from bot.slack.front import LAZY_RUN, SlashFront, valid_signature
from bot.slack.replays import SeenSignatures
from local.lambda_runtime import LambdaContext
from local.slack_api import SlackStandIn
from local.slack_gateway import function_url_event
from tests.integration.test_slack_app import SECRET, RecordingLazyRunner, command_body, make_service, signed

if TYPE_CHECKING:
    from collections.abc import Iterator

NOW = 1_795_000_000


@pytest.mark.parametrize(
    ("secret", "stamp", "tamper"),
    [
        (SECRET, NOW, ""),
        ("another-secret", NOW, ""),
        (SECRET, NOW - 301, ""),
        (SECRET, NOW + 301, ""),
        (SECRET, NOW - 299, ""),
        (SECRET, NOW, "&text=drop"),
    ],
)
def test_signature_check_agrees_with_slack_sdk(secret: str, stamp: int, tamper: str) -> None:
    body = command_body("/errors", "orders-api")
    headers = signed(body, secret=secret, timestamp=stamp)
    verifier = SignatureVerifier(SECRET, clock=type("Clock", (), {"now": lambda self: float(NOW)})())
    args = (body + tamper, headers["x-slack-request-timestamp"], headers["x-slack-signature"])
    assert valid_signature(SECRET, *args, now=NOW) == verifier.is_valid(*args)
    for broken in (("", args[2]), (args[1], ""), ("soon", args[2])):
        assert valid_signature(SECRET, args[0], *broken, now=NOW) is False


class Recorder:
    def __init__(self) -> None:
        self.invokes: list[dict[str, Any]] = []
        self.bolt_events: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.invokes.append(kwargs)
        return {"StatusCode": 202}

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.bolt_events.append(event)
        return {"statusCode": 200, "body": "bolt"}


@pytest.fixture
def front() -> tuple[SlashFront, Recorder]:
    recorder = Recorder()
    built = SlashFront(
        make_service()[0],
        signing_secret=SECRET,
        seen=SeenSignatures(),
        bolt=lambda: recorder,
        lambda_client=lambda: recorder,
    )
    return built, recorder


def event(body: str, headers: dict[str, str]) -> dict[str, Any]:
    return function_url_event("POST", "/slack/events", headers, body.encode())


def test_a_command_is_acknowledged_and_its_query_started(front: tuple[SlashFront, Recorder]) -> None:
    door, recorder = front
    body = command_body("/errors", "orders-api 30m")
    answer = door.handle(event(body, signed(body)), LambdaContext())
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"text": "Running /errors: Top errors in orders-api, last 30 min…"}
    [invoke] = recorder.invokes
    assert invoke["InvocationType"] == "Event" and invoke["FunctionName"] == LambdaContext().invoked_function_arn
    lazy = json.loads(invoke["Payload"])
    assert lazy["headers"]["x-slack-bolt-lazy-only"] == "1"
    assert lazy["headers"]["x-slack-bolt-lazy-function-name"] == LAZY_RUN
    assert recorder.bolt_events == []  # Bolt was never needed


@pytest.mark.parametrize(
    ("text", "expect"),
    [("", "blocks"), ("orders-api 99y", "⚠️"), ("help", "blocks")],
    ids=["help", "bad", "cmdhelp"],
)
def test_help_and_mistakes_are_answered_without_starting_anything(
    front: tuple[SlashFront, Recorder], text: str, expect: str
) -> None:
    door, recorder = front
    command = "/lookout" if text == "" else "/errors"
    body = command_body(command, text)
    answer = json.loads(door.handle(event(body, signed(body)), LambdaContext())["body"])
    assert expect in answer if expect == "blocks" else answer["text"].startswith(expect)
    assert recorder.invokes == []


def test_bad_signatures_and_replays_are_refused_before_any_work(front: tuple[SlashFront, Recorder]) -> None:
    door, recorder = front
    body = command_body("/errors", "orders-api")
    stale = signed(body, timestamp=int(time.time()) - 600)
    assert door.handle(event(body, stale), LambdaContext())["statusCode"] == 401
    assert (
        door.handle(event(body, {**signed(body), "x-slack-signature": "v0=00"}), LambdaContext())["statusCode"]
        == 401
    )
    headers = signed(body)
    assert door.handle(event(body, headers), LambdaContext())["statusCode"] == 200
    assert door.handle(event(body, headers), LambdaContext()) == {
        "statusCode": 401,
        "body": "replayed request",
        "headers": {},
    }
    assert len(recorder.invokes) == 1 and recorder.bolt_events == []


def test_buttons_and_lazy_runs_go_to_bolt(front: tuple[SlashFront, Recorder]) -> None:
    door, recorder = front
    click = "payload=" + json.dumps({"type": "block_actions"})
    lazy = event(
        command_body("/errors", "x"),
        {"x-slack-bolt-lazy-only": "1", "content-type": "application/x-www-form-urlencoded"},
    )
    for sent in (event(click, signed(click)), lazy, {"requestContext": {"http": {"method": "GET"}}}):
        assert door.handle(sent, LambdaContext()) == {"statusCode": 200, "body": "bolt"}
    assert len(recorder.bolt_events) == 3 and recorder.invokes == []


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


def test_bolt_runs_the_query_from_the_event_the_front_sent(
    front: tuple[SlashFront, Recorder], slack: SlackStandIn
) -> None:
    door, recorder = front
    body = command_body("/errors", "orders-api 30m", channel="C0FRONT")
    door.handle(event(body, signed(body)), LambdaContext())
    bolt = SlackRequestHandler(
        build_app(door.service, signing_secret=SECRET, bot_token="xoxb-test", client=WebClient(base_url=slack.url))
    )
    answer = bolt.handle(json.loads(recorder.invokes[0]["Payload"]), LambdaContext())
    assert answer["statusCode"] == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
        "blocks" in p and "table" in json.dumps(p) for p in slack.posts("C0FRONT")
    ):
        time.sleep(0.05)
    assert any("table" in json.dumps(p["blocks"]) for p in slack.posts("C0FRONT")), slack.posts("C0FRONT")


def test_production_wiring_has_buttons_and_a_shared_replay_memory() -> None:
    settings = Settings(
        incidents_table="lookout-incidents",
        slack_bot_token="xoxb-x",
        slack_signing_secret=SECRET,
        button_users=("U1",),
    )
    parts = _production_parts(settings, Telemetry.for_cli(settings))
    assert parts["actions"].allowed == ("U1",) and parts["seen"].table == "lookout-incidents"
    app = build_app(**parts)
    lazy = RecordingLazyRunner(app.logger)
    app.listener_runner.lazy_listener_runner = lazy
    click = "payload=" + quote(json.dumps(button_payload("lookout:ack")))
    parts["seen"].first_time = lambda signature: True  # no table here; the memory itself is tested elsewhere
    response = app.dispatch(BoltRequest(body=click, headers=signed(click)))
    assert response.status == 200 and [f.__name__ for f, _ in lazy.pending] == ["handle"]  # the buttons' handler
    bare = Settings(slack_bot_token="xoxb-x", slack_signing_secret=SECRET)
    without = _production_parts(bare, Telemetry.for_cli(bare))
    assert without["actions"] is None and without["seen"].table is None


def button_payload(action_id: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": "U1", "username": "ana"},
        "api_app_id": "A012",
        "token": "legacy",
        "container": {"type": "message", "message_ts": "1.2", "channel_id": "C1", "is_ephemeral": False},
        "trigger_id": "1.2.3",
        "team": {"id": "T012", "domain": "acme"},
        "channel": {"id": "C1", "name": "alerts"},
        "message": {"ts": "1.2", "text": "alarm", "blocks": []},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": "arn", "action_ts": "1"}],
    }


def test_an_unreachable_shared_memory_falls_back_to_the_containers_own() -> None:
    class Down:
        def put_item(self, **_: Any) -> None:
            raise ConnectionError("dynamodb unreachable")

    seen = SeenSignatures("lookout-incidents", Down())
    assert seen.first_time("v0=abc") is True  # commands keep working while the table is away
    assert seen.first_time("v0=abc") is False  # and a replay to this container is still refused
