"""Signed real HTTP requests to ``handlers/slack.py`` behind a local Function URL, on the embedded stack:
the secret comes from Secrets Manager, lazy work re-invokes the function through the embedded Lambda
``Invoke``, and the answer lands in the Slack stand-in."""

from __future__ import annotations

import importlib
import json
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from local.slack.gateway import FunctionUrl
from local.stack import EmbeddedStack, environment
from tests.support.slack_app import SECRET, command_body, signed

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[EmbeddedStack, FunctionUrl]]:
    with EmbeddedStack() as stack, environment(stack.env()):
        secret = boto3.client("secretsmanager").create_secret(
            Name="lookout/slack-app", SecretString=json.dumps({"bot_token": "xoxb-http", "signing_secret": SECRET})
        )
        logs = boto3.client("logs")
        logs.create_log_group(logGroupName="/aws/lambda/orders-api")
        with environment({"SLACK_TOKEN_SECRET_ARN": secret["ARN"], "POWERTOOLS_METRICS_DISABLED": "true"}):
            module = importlib.reload(importlib.import_module("handlers.slack"))
            stack.aws.functions.register("lookout-slack", module.lambda_handler)
            with FunctionUrl(module.lambda_handler, "lookout-slack") as url:
                yield stack, url


def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_signed_command_acks_then_answers_in_the_channel(served: tuple[EmbeddedStack, FunctionUrl]) -> None:
    stack, url = served
    body = command_body("/errors", "orders-api 30m", channel="C0HTTP")
    started = time.monotonic()
    status, text = post(url.url, body, signed(body))
    assert status == 200 and "Running /errors: Top errors in orders-api, last 30 min…" in text
    assert time.monotonic() - started < 3
    stack.aws.functions.wait(30)
    assert stack.aws.functions.errors == []
    (message,) = stack.slack.posts("C0HTTP")
    assert "Top errors in orders-api, last 30 min" in json.dumps(message["blocks"])
    assert stack.slack.calls("chat.postMessage")[0].headers["Authorization"] == "Bearer xoxb-http"
    assert ("lambda", "Invoke") in stack.aws.calls


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: signed(body, secret="not-the-secret"),
        lambda body: signed(body, timestamp=int(time.time()) - 301),
        lambda body: {"content-type": "application/x-www-form-urlencoded"},
    ],
    ids=["wrong-signature", "stale-timestamp", "missing-headers"],
)
def test_unsigned_requests_are_refused(served: tuple[EmbeddedStack, FunctionUrl], headers: Any) -> None:
    stack, url = served
    invokes = stack.aws.calls.count(("lambda", "Invoke"))
    body = command_body("/errors", "", channel="C0REFUSED")
    status, _ = post(url.url, body, headers(body))
    assert status == 401
    stack.aws.functions.wait(5)
    assert stack.aws.calls.count(("lambda", "Invoke")) == invokes and stack.slack.posts("C0REFUSED") == []


def test_a_replayed_http_request_runs_no_query(served: tuple[EmbeddedStack, FunctionUrl]) -> None:
    stack, url = served
    body = command_body("/errors", "orders-api 30m", channel="C0REPLAY")
    headers = signed(body)
    assert post(url.url, body, headers)[0] == 200
    stack.aws.functions.wait(30)
    status, _ = post(url.url, body, headers)
    assert status == 200  # acked: the answer waits on the signature and the hand-off only
    stack.aws.functions.wait(30)
    assert len(stack.slack.posts("C0REPLAY")) == 1  # the replay's run asked the replay memory first: no query
