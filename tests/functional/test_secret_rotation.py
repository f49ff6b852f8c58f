"""The Slack token through Powertools Parameters: cached for five minutes, and read again past the cache when
Slack says the token is no longer valid — a rotated token reaches a warm container without a redeploy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from bot.alarms import Notification
from bot.delivery import Deadline
from bot.slack.blocks.notice import render_notification
from bot.slack.transport.post import SlackDeliveryError, SlackPoster
from bot.slack.transport.secret import SlackCredentials

if TYPE_CHECKING:
    from local.slack.api import SlackStandIn

MESSAGE = render_notification(Notification(title="Deploy finished", body="orders-api v42", source="sns"))
"""Any message will do: what matters is the token it is sent with."""


def test_a_rotated_token_is_picked_up_by_a_warm_container(slack: SlackStandIn) -> None:
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="lookout/slack", SecretString='{"bot_token": "xoxb-old"}')["ARN"]
        reads: list[str] = []
        secrets.meta.events.register("before-call.secrets-manager.GetSecretValue", lambda **_: reads.append("get"))
        credentials = SlackCredentials(arn, secretsmanager=secrets)
        poster = SlackPoster(credentials.bot_token, base_url=slack.url, refresh_token=credentials.fresh_bot_token)
        slack.state.tokens = {"xoxb-old"}
        poster.post(MESSAGE, "#alerts", Deadline.after(10))
        poster.post(MESSAGE, "#alerts", Deadline.after(10))
        assert reads == ["get"]  # cached: one read for two posts

        # WHEN the token is rotated in Secrets Manager and Slack stops accepting the old one
        secrets.put_secret_value(SecretId=arn, SecretString='{"bot_token": "xoxb-new"}')
        slack.state.tokens = {"xoxb-new"}
        poster.post(MESSAGE, "#alerts", Deadline.after(10))

    # THEN the refused call was retried once with the token read again, past the cache
    used = [r.headers["Authorization"] for r in slack.calls("chat.postMessage")]
    assert used == ["Bearer xoxb-old", "Bearer xoxb-old", "Bearer xoxb-old", "Bearer xoxb-new"]
    assert reads == ["get", "get"] and len(slack.posts("#alerts")) == 3


def test_a_token_that_stays_invalid_is_a_delivery_error(slack: SlackStandIn) -> None:
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="lookout/slack", SecretString="xoxb-revoked")["ARN"]
        credentials = SlackCredentials(arn, secretsmanager=secrets)
        poster = SlackPoster(credentials.bot_token, base_url=slack.url, refresh_token=credentials.fresh_bot_token)
        slack.state.tokens = {"xoxb-other"}
        with pytest.raises(SlackDeliveryError, match="invalid_auth"):
            poster.post(MESSAGE, "#alerts", Deadline.after(10))
    assert len(slack.calls("chat.postMessage")) == 2  # once, then once more with the token read again


def test_a_command_run_picks_up_a_rotated_token_too(slack: SlackStandIn) -> None:
    from bot.queries.commands import Invocation
    from bot.slack.edge.answers import ChannelAnswer
    from tests.support.slack_app import make_service

    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="lookout/slack", SecretString='{"bot_token": "xoxb-new"}')["ARN"]
        credentials = SlackCredentials(arn, secretsmanager=secrets)
        slack.state.tokens = {"xoxb-new"}
        invocation = Invocation(command="/errors", text="orders-api", user="U1", channel="C0ROT")
        # the one writer, its token read before the rotation
        writer = SlackPoster(lambda: "xoxb-old", base_url=slack.url, refresh_token=credentials.fresh_bot_token)
        answer = ChannelAnswer(invocation, writer, response_url="", deadline=Deadline.after(10))
        make_service()[0].execute(invocation, answer)
    [message] = slack.posts("C0ROT")
    used = [r.headers["Authorization"] for r in slack.calls("chat.postMessage")]
    assert "table" in str(message["blocks"]) and used == ["Bearer xoxb-old", "Bearer xoxb-new"]
