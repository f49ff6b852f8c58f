"""The Slack stand-in answers like Slack: validation errors as ``ok: false``, threads, updates, response_url."""

from __future__ import annotations

import json
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

if TYPE_CHECKING:
    from local.slack.api import SlackStandIn


def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.url)


SECTION = {"type": "section", "block_id": "s", "text": {"type": "mrkdwn", "text": "hi"}}


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"text": ""}, "no_text"),
        ({"text": "x" * 40_001}, "msg_too_long"),
        ({"text": "t", "blocks": [SECTION] * 51}, "invalid_blocks"),
        ({"text": "t", "blocks": [{**SECTION, "text": {"type": "mrkdwn", "text": "x" * 3001}}]}, "invalid_blocks"),
        (
            {"text": "t", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]},
            "invalid_blocks",
        ),
        ({"text": "t", "blocks": [SECTION, SECTION]}, "invalid_blocks"),  # duplicate block_id
        ({"text": "t", "blocks": [{"type": "nonsense"}]}, "invalid_blocks"),
    ],
)
def test_rejects_what_slack_rejects(slack: SlackStandIn, payload: dict[str, Any], error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        client(slack).api_call("chat.postMessage", json={"channel": "#c", **payload})
    assert raised.value.response["error"] == error
    assert slack.posts("#c") == []


def test_threads_updates_and_replies(slack: SlackStandIn) -> None:
    web = client(slack)
    parent = web.chat_postMessage(channel="#c", text="incident", blocks=[SECTION])
    web.chat_postMessage(channel="#c", text="still firing", thread_ts=parent["ts"])
    web.chat_update(channel="#c", ts=parent["ts"], text="resolved")
    replies = web.conversations_replies(channel=parent["channel"], ts=parent["ts"])["messages"]
    assert [m["text"] for m in replies] == ["resolved", "still firing"]
    assert parent["channel"].startswith("C")  # Slack answers with the channel's id, whatever it was given
    with pytest.raises(SlackApiError, match="channel_not_found"):  # conversations.* take ids, not names
        web.conversations_replies(channel="#c", ts=parent["ts"])
    assert [m["text"] for m in slack.posts("#c")] == ["resolved"]
    with pytest.raises(SlackApiError, match="message_not_found"):
        web.chat_update(channel="#c", ts="1.0", text="x")


def test_ephemeral_and_response_url(slack: SlackStandIn) -> None:
    client(slack).chat_postEphemeral(channel="#c", user="U1", text="only you")
    assert slack.state.ephemeral[0]["text"] == "only you"
    request = urllib.request.Request(
        slack.response_url("abc"),
        data=json.dumps({"text": "done"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["ok"] is True
    assert slack.state.responses["abc"] == [{"text": "done"}]


def test_unauthenticated_calls_fail(slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=slack.url).api_call("chat.postMessage", json={"channel": "#c", "text": "x"})


def test_message_metadata_history_and_delete(slack: SlackStandIn) -> None:
    # As documented: metadata is kept with the message and returned only with include_all_metadata;
    # conversations.history lists a channel's top-level messages newest first; chat.delete removes one.
    web = client(slack)
    metadata = {"event_type": "lookout_alert", "event_payload": {"key": "arn|ALARM|t"}}
    first = web.chat_postMessage(channel="#c", text="one", metadata=metadata)
    web.chat_postMessage(channel="#c", text="reply", thread_ts=first["ts"])
    second = web.chat_postMessage(channel=first["channel"], text="two")
    history = web.conversations_history(channel=first["channel"], include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["two", "one"] and history[1]["metadata"] == metadata
    plain = web.conversations_history(channel=first["channel"])["messages"]
    assert all("metadata" not in m for m in plain)
    with pytest.raises(SlackApiError, match="invalid_metadata_format"):
        web.chat_postMessage(channel="#c", text="x", metadata={"event_type": "has space", "event_payload": {}})
    web.chat_delete(channel=second["channel"], ts=second["ts"])
    assert [m["text"] for m in slack.posts("#c")] == ["one"]
