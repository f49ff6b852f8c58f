"""The Slack function's front door before the one Bolt app: size cap and signature before any parsing, then the
app's ack, and a self-invocation in Lookout's own event shape whose checks (signature, age, replay, allowlists,
response_url) precede the work it dispatches into the app; and the production wiring behind it."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.aws import Clients
from bot.config import Settings
from bot.observability import Telemetry
from bot.slack.edge.front import MAX_BODY_BYTES, RUN_KEY, SlackFront, build_front
from bot.slack.edge.seen_signatures import SeenSignatures
from bot.slack.transport.post import SlackPoster
from bot.wiring import build_slack_app, slack_parts
from local.lambda_runtime import LambdaContext
from local.slack.gateway import function_url_event
from tests.support.slack_app import SECRET, RecordingLazyRunner, command_body, make_service, signed, writer_for

if TYPE_CHECKING:
    from local.slack.api import SlackStandIn


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
def front(slack: SlackStandIn) -> tuple[SlackFront, Recorder]:
    recorder = Recorder()
    return make_front(slack, recorder), recorder


def make_front(slack: SlackStandIn, recorder: Recorder, *, bolt: Any = None, **options: Any) -> SlackFront:
    """The front door before the one app on the repo's configuration: Lambda's Invoke recorded, Slack the
    stand-in; ``bolt`` replaces the app's Lambda handler (recorded), ``options`` the rest."""
    parts: dict[str, Any] = {
        "service": make_service()[0],
        "signing_secret": SECRET,
        "writer": writer_for(slack),
        "lambda_client": recorder,
        "seen": SeenSignatures(),
        "response_origins": (slack.url.rsplit("/api", 1)[0],),  # the stand-in's response_urls
        **options,
    }
    service = parts.pop("service")
    if bolt is None:
        return build_front(service, **parts)
    verifier, seen, writer = SignatureVerifier(SECRET), parts["seen"], parts["writer"]
    return SlackFront(service, verifier=verifier, seen=seen, bolt=lambda: bolt, writer=writer)


def event(body: str, headers: dict[str, str]) -> dict[str, Any]:
    return function_url_event("POST", "/slack/events", headers, body.encode())


def test_a_command_is_acknowledged_and_its_query_started_by_our_own_event(
    front: tuple[SlackFront, Recorder],
) -> None:
    door, recorder = front
    body = command_body("/errors", "orders-api 30m", response_url="https://hooks.slack.com/commands/T0/1/r")
    headers = signed(body)
    answer = door.handle(event(body, headers), LambdaContext())
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"text": "Running /errors: Top errors in orders-api, last 30 min…"}
    [invoke] = recorder.invokes
    assert invoke["InvocationType"] == "Event" and invoke["FunctionName"] == LambdaContext().invoked_function_arn
    sent = json.loads(invoke["Payload"])
    assert list(sent) == [RUN_KEY]  # Lookout's own shape, no Bolt headers: Slack's signed request, no more
    assert sent[RUN_KEY] == {
        "body": body,
        "timestamp": headers["x-slack-request-timestamp"],
        "signature": headers["x-slack-signature"],  # the run checks it again, and asks the replay memory
    }


def test_the_self_invocation_runs_the_query_into_the_channel(
    front: tuple[SlackFront, Recorder], slack: SlackStandIn
) -> None:
    door, recorder = front
    body = command_body("/errors", "orders-api 30m", channel="C0FRONT")
    door.handle(event(body, signed(body)), LambdaContext())
    answer = door.handle(json.loads(recorder.invokes[0]["Payload"]), LambdaContext())
    assert answer == {"ran": "/errors orders-api 30m"}
    [message] = slack.posts("C0FRONT")
    assert message.get("edited") and "table" in json.dumps(message["blocks"])  # progress became the table


def test_where_the_bot_may_not_post_the_answer_goes_to_the_response_url(
    front: tuple[SlackFront, Recorder], slack: SlackStandIn
) -> None:
    door, recorder = front
    body = command_body("/errors", "orders-api", channel="", response_url=slack.response_url("r9"))
    door.handle(event(body, signed(body)), LambdaContext())
    door.handle(json.loads(recorder.invokes[0]["Payload"]), LambdaContext())
    [response] = slack.state.responses["r9"]
    assert response["response_type"] == "in_channel" and "table" in json.dumps(response["blocks"])


def test_the_run_reads_a_rotated_token_again(slack: SlackStandIn) -> None:
    recorder = Recorder()
    door = make_front(
        slack,
        recorder,
        writer=SlackPoster(
            lambda: "xoxb-old",  # from the secret's cache
            base_url=slack.url,
            refresh_token=lambda: "xoxb-new",  # the secret read again
        ),
    )
    slack.state.tokens = {"xoxb-new"}
    body = command_body("/errors", "orders-api", channel="C0ROT")
    door.handle(event(body, signed(body)), LambdaContext())
    door.handle(json.loads(recorder.invokes[0]["Payload"]), LambdaContext())
    assert "table" in json.dumps(slack.posts("C0ROT")[0]["blocks"])


@pytest.mark.parametrize(
    ("text", "expect"),
    [("", "blocks"), ("orders-api 99y", "⚠️"), ("help", "blocks")],
    ids=["help", "bad", "cmdhelp"],
)
def test_help_and_mistakes_are_answered_without_starting_anything(
    front: tuple[SlackFront, Recorder], text: str, expect: str
) -> None:
    door, recorder = front
    command = "/lookout" if text == "" else "/errors"
    body = command_body(command, text)
    answer = json.loads(door.handle(event(body, signed(body)), LambdaContext())["body"])
    assert expect in answer if expect == "blocks" else answer["text"].startswith(expect)
    assert recorder.invokes == []


def test_bad_signatures_and_replays_are_refused_before_any_work(front: tuple[SlackFront, Recorder]) -> None:
    door, recorder = front
    body = command_body("/errors", "orders-api")
    refused = [
        signed(body, timestamp=int(time.time()) - 600),  # stale
        {**signed(body), "x-slack-signature": "v0=00"},  # wrong
        {**signed(body), "x-slack-signature": "v0=é" * 20},  # not ASCII: refused, never a TypeError
        {**signed(body), "x-slack-request-timestamp": "soon"},
        {"content-type": "application/x-www-form-urlencoded"},  # unsigned
    ]
    for headers in refused:
        assert door.handle(event(body, headers), LambdaContext())["statusCode"] == 401
    assert recorder.invokes == []
    headers = signed(body)
    assert door.handle(event(body, headers), LambdaContext())["statusCode"] == 200
    again = door.handle(event(body, {**headers, "x-slack-bolt-lazy-only": "1"}), LambdaContext())
    assert again["statusCode"] == 200 and recorder.bolt_events == []  # acked: the answer waits on nothing more
    first, replayed = (json.loads(i["Payload"]) for i in recorder.invokes)
    assert door.handle(first, LambdaContext(request_id="run-1")) == {"ran": "/errors orders-api"}
    assert door.handle(first, LambdaContext(request_id="run-1")) == {"ran": "/errors orders-api"}  # Lambda's retry
    assert door.handle(replayed, LambdaContext(request_id="run-2")) == {"refused": "replayed"}  # before any query


def test_a_direct_invoke_runs_only_what_slack_signed_for_whom_is_allowed_answering_only_slack(
    slack: SlackStandIn,
) -> None:
    # GIVEN /traffic limited to one user, and someone who may invoke the Slack function directly
    from bot.queries.catalog import Access

    service, audit = make_service(access={"/traffic": Access(users=("U0BOSS",))})
    recorder = Recorder()
    door = make_front(slack, recorder, service=service)
    now = int(time.time())

    def run(signed_body: str, **changes: Any) -> dict[str, Any]:
        headers = signed(signed_body, timestamp=changes.pop("timestamp", now))
        request = {"body": signed_body, "timestamp": headers["x-slack-request-timestamp"]}
        request["signature"] = headers["x-slack-signature"]
        return door.handle({RUN_KEY: {**request, **changes}}, LambdaContext())

    boss = command_body("/traffic", "", user="U0BOSS", channel="C0X")
    forged = {"command": "/traffic", "text": "", "user_id": "U0BOSS", "channel_id": "C0X", "response_url": "x"}
    # WHEN it sends the old shape (fields of its choice), a body it changed, a request of a user not allowed,
    # one answering to its own URL, or a signed request from long ago
    refusals = [
        door.handle({RUN_KEY: forged}, LambdaContext()),
        run(boss, body=boss.replace("U0BOSS", "U0EVE")),
        run(boss, signature="v0=" + "0" * 64),
        run(command_body("/traffic", "", user="U0EVE", channel="C0X")),
        run(command_body("/traffic", "", user="U0BOSS", channel="C0X", response_url="https://evil.example/r")),
        run(command_body("/traffic", "", user="U0BOSS", channel="C0X", response_url="http://hooks.slack.com/r")),
        run(command_body("/traffic", "", user="U0BOSS", channel="C0Y"), timestamp=now - 31 * 60),
    ]
    # THEN each is refused, saying why in the log; no query runs, nothing is posted anywhere
    assert [r["refused"] for r in refusals] == [
        "unsigned",
        "unsigned",
        "unsigned",
        "not allowed, or no query to run",
        "response_url outside Slack",
        "response_url outside Slack",
        "expired",
    ]
    assert audit == [] and slack.posts("C0X") == [] and slack.posts("C0Y") == []
    # AND what Slack signed for the allowed user still runs, once
    assert run(boss) == {"ran": "/traffic"} and len(audit) == 1 and slack.posts("C0X")


def test_the_shared_replay_memory_lets_a_retry_through_and_refuses_a_replay() -> None:
    from moto import mock_aws

    from tests.support.lifecycle import incidents_table

    with mock_aws():
        client = incidents_table("t")
        shared_memory_holds(SeenSignatures("t", client), SeenSignatures("t", client))  # two containers


def shared_memory_holds(one: SeenSignatures, two: SeenSignatures) -> None:
    assert one.first_time("v0=abc", holder="run-1") is True
    assert two.first_time("v0=abc", holder="run-1") is True  # Lambda's retry of run-1, in another container
    assert two.first_time("v0=abc", holder="run-2") is False  # a replay: another invocation
    assert one.first_time("v0=abc") is False


def test_an_oversized_body_is_refused_before_its_signature_is_computed(
    front: tuple[SlackFront, Recorder],
) -> None:
    door, recorder = front
    body = command_body("/errors", "x" * MAX_BODY_BYTES)
    assert door.handle(event(body, signed(body)), LambdaContext())["statusCode"] == 413
    assert recorder.invokes == [] and recorder.bolt_events == []


def test_buttons_go_to_bolt_only_when_signed(slack: SlackStandIn) -> None:
    recorder = Recorder()
    door = make_front(slack, recorder, bolt=recorder)
    click = "payload=" + quote(json.dumps({"type": "block_actions"}))
    headers = {**signed(click), "content-type": "application/x-www-form-urlencoded"}
    assert door.handle(event(click, headers), LambdaContext()) == {"statusCode": 200, "body": "bolt"}
    assert (
        door.handle(event(click, {"content-type": headers["content-type"]}), LambdaContext())["statusCode"] == 401
    )
    assert len(recorder.bolt_events) == 1 and recorder.invokes == []


def test_production_wiring_has_buttons_and_a_shared_replay_memory() -> None:
    settings = Settings(
        incidents_table="lookout-incidents",
        slack_bot_token="xoxb-x",
        slack_signing_secret=SECRET,
        button_users=("U1",),
    )
    clients = Clients("us-east-1")
    parts = slack_parts(settings, Telemetry.for_cli(settings), clients)
    assert parts.actions is not None and parts.actions.allowed == ("U1",)
    assert parts.seen.table == "lookout-incidents"
    app = build_slack_app(parts, settings)
    lazy = RecordingLazyRunner(app.logger)
    app.listener_runner.lazy_listener_runner = lazy
    click = "payload=" + quote(json.dumps(button_payload("lookout:ack")))
    parts.seen.first_time = lambda signature: True  # type: ignore[method-assign] # no table here
    response = app.dispatch(BoltRequest(body=click, headers=signed(click)))
    assert response.status == 200 and [f.__name__ for f, _ in lazy.pending] == ["work"]  # the button's work
    bare = Settings(slack_bot_token="xoxb-x", slack_signing_secret=SECRET)
    without = slack_parts(bare, Telemetry.for_cli(bare), clients)
    assert without.actions is None and without.seen.table is None


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


@pytest.mark.parametrize("text", ["orders-api 99999999999999999999d", "orders-api 9999999999w", "orders-api 0m"])
def test_absurd_windows_get_an_answer_in_words(front: tuple[SlackFront, Recorder], text: str) -> None:
    door, recorder = front
    body = command_body("/errors", text)
    answer = door.handle(event(body, signed(body)), LambdaContext())
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["text"].startswith("⚠️")
    assert recorder.invokes == []


def test_a_bug_in_the_ack_is_still_answered_in_words(
    front: tuple[SlackFront, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    door, recorder = front

    def broken(invocation: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(door.service, "acknowledge", broken)
    body = command_body("/errors", "orders-api")
    answer = door.handle(event(body, signed(body)), LambdaContext())
    assert answer["statusCode"] == 200 and "could not read that command" in answer["body"]
    assert recorder.invokes == []


def test_a_captured_click_replayed_with_bolts_lazy_headers_is_refused(slack: SlackStandIn) -> None:
    from bot.slack.edge.app import as_work

    # GIVEN the production shape: the one app behind the door, its lazy runs sealed and invoked through Lambda
    ran: list[str] = []

    def probe_work(body: dict[str, Any], context: Any) -> None:
        ran.append(body["actions"][0]["action_id"])

    recorder = Recorder()
    door = make_front(slack, recorder)
    door.bolt.app.action("probe")(ack=lambda ack: ack(), lazy=[as_work(probe_work)])
    click = "payload=" + quote(json.dumps(button_payload("probe")))
    headers = {**signed(click), "content-type": "application/x-www-form-urlencoded"}

    # WHEN Slack sends the click: acked, and the lazy run comes back sealed from Lambda and runs once
    assert door.handle(event(click, headers), LambdaContext())["statusCode"] == 200
    [invoke] = recorder.invokes
    sealed = json.loads(invoke["Payload"])
    assert list(sealed) == [RUN_KEY]
    door.handle(sealed, LambdaContext())
    assert ran == ["probe"]

    # WHEN an attacker replays the captured request over HTTP, marked as Bolt's lazy run
    forged = {**headers, "x-slack-bolt-lazy-only": "1", "x-slack-bolt-lazy-function-name": "probe_work"}
    answer = door.handle(event(click, forged), LambdaContext())
    # THEN it meets the replay memory like any request, and nothing runs again
    assert answer["statusCode"] == 401 and ran == ["probe"] and len(recorder.invokes) == 1


def test_button_work_that_waited_past_slacks_five_minutes_says_it_expired(slack: SlackStandIn) -> None:
    import time_machine

    from bot.slack.edge.app import as_work

    ran: list[str] = []
    recorder = Recorder()
    door = make_front(slack, recorder)
    door.bolt.app.action("probe")(ack=lambda ack: ack(), lazy=[as_work(lambda body, context: ran.append("probe"))])
    click = "payload=" + quote(json.dumps({**button_payload("probe"), "response_url": slack.response_url("c1")}))
    headers = {**signed(click), "content-type": "application/x-www-form-urlencoded"}
    # GIVEN a click acked now, whose lazy work Lambda delivers seven minutes later (busy, or retrying it)
    assert door.handle(event(click, headers), LambdaContext())["statusCode"] == 200
    [invoke] = recorder.invokes
    with time_machine.travel(time.time() + 7 * 60, tick=True):
        answer = door.handle(json.loads(invoke["Payload"]), LambdaContext())
    # THEN nothing runs (Slack's five minutes are over), and the one who clicked is told, not left waiting
    assert ran == [] and answer["expired"] >= 420
    (said,) = slack.state.responses["c1"]
    assert said["response_type"] == "ephemeral" and "expired before anything ran: press it again" in said["text"]
