"""The handlers as the template deploys them (the same modules, environment and clients), run in-process on the
embedded stack (boto3 over real HTTP to moto) with an incidents table: the
same notification delivered several times at once is posted once; an alarm posted by ``handlers/alarm.py``
is acknowledged by a signed button click sent over HTTP to ``handlers/slack.py`` behind a local Function URL —
the front door hands it to Bolt, whose lazy listener runs in the re-invoked function."""

from __future__ import annotations

import importlib
import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest

from bot.alerting import AlertsFailed
from bot.aws import Clients
from bot.lifecycle.store import IncidentStore
from local.lambda_runtime import LambdaContext
from local.scenario.alarm_evaluation import alarm_reason
from local.scenario.firing import fire
from local.scenario.incident import ALARM, INCIDENTS_TABLE, SIGNING_SECRET, seed
from local.slack.gateway import FunctionUrl, signed_headers
from local.stack import EmbeddedStack, environment

if TYPE_CHECKING:
    from collections.abc import Iterator

CHANNEL = "#buttons"


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[EmbeddedStack, FunctionUrl, dict[str, Any], str, Any, Any]]:
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        settings = {
            "SLACK_TOKEN_SECRET_ARN": incident.secret_arn,
            "SLACK_CHANNEL": CHANNEL,
            "INCIDENTS_TABLE": INCIDENTS_TABLE,
            "LOOKOUT_BUTTON_USERS": "U0ONCALL",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        with environment(settings):
            alarm = importlib.reload(importlib.import_module("handlers.alarm"))
            fired = incident.now - timedelta(minutes=8)
            event = fire(incident, ALARM, "ALARM", alarm_reason(incident, fired), at=fired)
            alarm.lambda_handler(event, LambdaContext())
            slack = importlib.reload(importlib.import_module("handlers.slack"))
            stack.aws.functions.register("lookout-slack", slack.lambda_handler)
            with FunctionUrl(slack.lambda_handler, "lookout-slack") as url:
                yield stack, url, stack.slack.posts(CHANNEL)[0], incident.alarm_arn, alarm, incident


def click(url: str, message: dict[str, Any], action_id: str, user: str) -> int:
    actions = next(b for b in message["blocks"] if b.get("block_id") == "lookout:actions")
    button = next(e for e in actions["elements"] if e["action_id"] == action_id)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "ana"},
        "api_app_id": "A0LOCAL",
        "token": "unused",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": CHANNEL},
        "trigger_id": f"{time.time()}",
        "team": {"id": "T0LOCAL", "domain": "local"},
        "channel": {"id": CHANNEL, "name": CHANNEL.lstrip("#")},
        "message": {"ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{**button, "block_id": "lookout:actions", "action_ts": "1"}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    headers = signed_headers(body, SIGNING_SECRET)
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_acknowledge_through_the_deployed_functions(
    deployed: tuple[EmbeddedStack, FunctionUrl, dict[str, Any], str, Any, Any],
) -> None:
    stack, url, message, arn, _, _ = deployed
    assert click(url.url, message, "lookout:ack", user="U0ONCALL") == 200
    stack.aws.functions.wait(30)
    assert stack.aws.functions.errors == []
    with environment(stack.env()):
        incident = IncidentStore(INCIDENTS_TABLE, Clients("us-east-1")("dynamodb")).get(arn)
    assert incident is not None and incident.acked_by == "U0ONCALL"
    updated = stack.slack.posts(CHANNEL)[0]
    assert "U0ONCALL" in json.dumps(updated["blocks"])  # the message says who acknowledged


@pytest.mark.parametrize("times", [2, 5])
def test_one_notification_delivered_at_once_is_posted_once(
    deployed: tuple[EmbeddedStack, FunctionUrl, dict[str, Any], str, Any, Any], times: int
) -> None:
    stack, _, _, _, alarm, incident = deployed
    before = {m: len(stack.slack.calls(m)) for m in ("chat.postMessage", "chat.update")}
    # an ALARM → OK (the ALARM itself not delivered): news to post; an OK → OK would be counted, not posted
    fire(incident, ALARM, "ALARM", "Threshold Crossed: again", at=incident.now + timedelta(minutes=times - 1))
    event = fire(
        incident, ALARM, "OK", "Threshold Crossed: back to normal", at=incident.now + timedelta(minutes=times)
    )

    def invoke(_: int) -> dict[str, Any] | None:
        try:
            return dict(alarm.lambda_handler(event, LambdaContext()))
        except AlertsFailed as exc:  # found the change in progress: Lambda retries this invocation later
            assert "already in progress" in str(exc)
            return None

    with environment(stack.env()), ThreadPoolExecutor(times) as pool:
        results = list(pool.map(invoke, range(times)))
    with environment(stack.env()):
        retried = [alarm.lambda_handler(event, LambdaContext()) for r in results if r is None]  # Lambda's retries
    assert sum(len(r["posted"]) for r in [*[r for r in results if r], *retried]) == 1

    def made() -> int:
        return sum(len(stack.slack.calls(m)) - n for m, n in before.items())

    first = made()
    assert 1 <= first <= 2  # one delivery's calls: the message edited to resolved and/or a note
    with environment(stack.env()):
        again = alarm.lambda_handler(event, LambdaContext())  # once more, later: nothing new
    assert again["posted"] == [] and made() == first


def test_the_digest_posts_once_a_week_however_often_scheduler_delivers(
    deployed: tuple[EmbeddedStack, FunctionUrl, dict[str, Any], str, Any, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime

    stack = deployed[0]
    digest = importlib.reload(importlib.import_module("handlers.digest"))
    channel = digest.CONFIG.channel
    before = len(stack.slack.posts(channel))
    # GIVEN the template's cron ran Monday 2026-11-30 08:00 UTC; Scheduler delivers at least once: twice here
    run = {"scheduled_time": "2026-11-30T08:00:00Z"}
    monkeypatch.setattr(digest, "CLOCK", lambda tz: datetime(2026, 11, 30, 8, 0, 7, tzinfo=UTC))
    first = digest.lambda_handler(run, LambdaContext())
    again = digest.lambda_handler(run, LambdaContext())
    # AND someone invokes it by hand later that week
    monkeypatch.setattr(digest, "CLOCK", lambda tz: datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    by_hand = digest.lambda_handler({}, LambdaContext())
    # THEN one digest that week, and the next week's run posts again
    assert first["posted_now"] is True and first["week"] == "digest#2026-W49"
    assert (again["posted_now"], by_hand["posted_now"]) == (False, False) and again["ts"] == first["ts"]
    assert len(stack.slack.posts(channel)) == before + 1
    assert digest.lambda_handler({"scheduled_time": "2026-12-07T08:00:00Z"}, LambdaContext())["posted_now"]
    assert len(stack.slack.posts(channel)) == before + 2


def test_a_run_belongs_to_the_week_of_its_scheduled_time_in_the_digest_time_zone(
    deployed: tuple[EmbeddedStack, FunctionUrl, dict[str, Any], str, Any, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    stack = deployed[0]
    digest = importlib.reload(importlib.import_module("handlers.digest"))
    monkeypatch.setattr(digest, "SETTINGS", replace(digest.SETTINGS, digest_timezone="Europe/Berlin"))
    before = len(stack.slack.posts(digest.CONFIG.channel))
    # GIVEN Mondays at 00:00 Europe/Berlin: Sunday 2027-01-10 23:00 UTC, already week 2 there; the delivery
    # failed and Scheduler retries it at 00:20 UTC with the same scheduled time
    monkeypatch.setattr(digest, "CLOCK", lambda tz: datetime(2027, 1, 11, 0, 20, tzinfo=UTC))
    answer = digest.lambda_handler({"scheduled_time": "2027-01-10T23:00:00Z"}, LambdaContext())
    assert answer["posted_now"] is True and answer["week"] == "digest#2027-W02"
    assert len(stack.slack.posts(digest.CONFIG.channel)) == before + 1
    # THEN an invocation by hand on that Monday (UTC) is the same week: nothing more
    monkeypatch.setattr(digest, "CLOCK", lambda tz: datetime(2027, 1, 11, 10, 0, tzinfo=UTC))
    assert digest.lambda_handler({}, LambdaContext())["posted_now"] is False
