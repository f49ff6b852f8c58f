"""The generic card and the parts every notice card shares: facts by name for a kind nobody typed, links that
cannot be bent into markup, the event's own time, placeholders left out, and a raw excerpt that is redacted
before it is cut and never cuts a value in the middle."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from bot.alarms import Notification
from bot.events import parse_event
from bot.notices import read_generic, typed_notice
from bot.notices.reading import epoch_time, fact, first_time, parse_time
from bot.slack.blocks.notice import RAW_CHARS, raw_excerpt, render_notification
from tests.support.messages import assert_valid_message
from tests.support.strategies import values

RECEIVED = "2026-11-20T14:03:11.512Z"


def sns(message: str | dict[str, Any], subject: str | None = None) -> dict[str, Any]:
    body = message if isinstance(message, str) else json.dumps(message)
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "m-1",
                    "Subject": subject,
                    "Message": body,
                    "Timestamp": RECEIVED,
                },
            }
        ]
    }


def card(event: dict[str, Any]) -> dict[str, str]:
    (delivery,) = parse_event(event)
    assert isinstance(delivery.item, Notification)
    message = render_notification(delivery.item)
    assert_valid_message(message.payload("#alerts"))
    return {
        b["block_id"]: b["text"]["text"] if "text" in b else b["elements"][0]["text"]
        for b in (block.to_dict() for block in message.blocks)
    }


def test_an_unknown_eventbridge_kind_gets_its_source_state_facts_link_and_time() -> None:
    # GIVEN an event of a kind no reader knows, failed, with a console link
    event = {
        "version": "0",
        "id": "7e1c-example",
        "detail-type": "Batch Job State Change",
        "source": "aws.batch",
        "account": "123456789012",
        "time": "2026-11-20T14:01:00Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:batch:eu-west-1:123456789012:job/nightly-import"],
        "detail": {
            "jobName": "nightly-import",
            "status": "FAILED",
            "statusReason": "Essential container in task exited",
            "logUrl": "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1&tab=logs#x",
        },
    }
    assert typed_notice(event) is None
    shown = card(sns(event))
    # THEN the header names the source and the state, in red
    assert shown["lookout:header"] == "🔴 AWS Batch: Batch Job State Change · FAILED"
    facts = shown["lookout:notification"]
    assert "*Status:* FAILED" in facts and "*Job name:* nightly-import" in facts
    assert "*Status reason:* Essential container in task exited" in facts
    assert "<https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1&amp;tab=logs#x|" in facts
    assert "*Account:* 123456789012" in facts and "*Region:* eu-west-1" in facts
    # AND it says when the event happened, not only when it arrived
    assert shown["lookout:context"].startswith("2026-11-20 14:01:00 UTC · Batch Job State Change")
    assert shown["lookout:raw"].startswith("```{")


def test_a_text_of_key_value_lines_becomes_facts() -> None:
    text = "Service: AWS Example\nStatus: FAILED\nResourceName: orders-db\nTimestamp: 2026-11-20T14:00:00Z\n"
    shown = card(sns(text, subject="Example Notification"))
    assert shown["lookout:header"].startswith("🔴 ") and "orders-db · FAILED" in shown["lookout:header"]
    assert "*Resource name:* orders-db" in shown["lookout:notification"]
    assert shown["lookout:context"].startswith("2026-11-20 14:00:00 UTC")


def test_plain_prose_is_quoted_whole_and_not_repeated_as_raw() -> None:
    shown = card(sns("Deployment of orders-api v142 finished.", subject="Deploy finished"))
    assert shown["lookout:notification"] == "> Deployment of orders-api v142 finished."
    assert "lookout:raw" not in shown
    assert shown["lookout:context"] == "received 2026-11-20 14:03:11 UTC · Deploy finished · via sns"


@pytest.mark.parametrize(
    ("value", "linked"),
    [
        ("https://example.com/a?b=1&c=2", "<https://example.com/a?b=1&amp;c=2|example.com/a?b=1&amp;c=2>"),
        ("https://evil.example/x|<!channel>", None),  # a | or < would bend the link into markup
        ("javascript:alert(1)", None),
        ("http://docs.example/REGION", None),  # a placeholder stays text
    ],
)
def test_a_web_address_is_a_link_only_when_it_cannot_break_out(value: str, linked: str | None) -> None:
    shown = card(sns({"detail-type": "Thing Happened", "source": "aws.thing", "detail": {"page": value}}))
    facts = shown["lookout:notification"]
    if linked:
        assert linked in facts
    assert "<!channel>" not in json.dumps(shown)


def test_a_presigned_address_is_linked_without_its_signature() -> None:
    url = "https://bucket.s3.amazonaws.com/report.csv?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE&X-Amz-Signature=abcdef0123456789"
    shown = json.dumps(
        card(sns({"detail-type": "Report Ready", "source": "aws.thing", "detail": {"download": url}}))
    )
    assert "abcdef0123456789" not in shown and "AKIAIOSFODNN7EXAMPLE" not in shown
    assert "<https://bucket.s3.amazonaws.com/report.csv?X-Amz-Credential=" in shown


def test_placeholders_are_never_facts() -> None:
    # GIVEN an AWS Health sample whose region and service are the documentation's placeholders
    event = {
        "detail-type": "AWS Health Event",
        "source": "aws.health",
        "region": "region",
        "time": "2026-11-20T14:00:00Z",
        "detail": {
            "service": "service",
            "eventTypeCode": "AWS_EC2_OPERATIONAL_ISSUE",
            "eventTypeCategory": "issue",
        },
    }
    facts = card(sns(event))["lookout:notice"]
    assert "*Region:*" not in facts and "*Service:*" not in facts
    assert "*Event type:* AWS_EC2_OPERATIONAL_ISSUE" in facts
    for stand_in in (
        "<region>",
        "${instance_id}",
        "{{accountId}}",
        "ACCOUNT_ID",
        "EXAMPLE",
        "DOC-EXAMPLE-BUCKET",
        "None",
    ):
        assert fact("Bucket", stand_in) is None, stand_in
    assert fact("Bucket", "amzn-s3-demo-bucket") == ("Bucket", "amzn-s3-demo-bucket")


@pytest.mark.parametrize(
    ("given", "read"),
    [
        ("2019-02-12 15:45:24.091", datetime(2019, 2, 12, 15, 45, 24, 91000, UTC)),  # RDS, DMS
        ("Mon Aug 24 15:11:31 UTC 2026", datetime(2026, 8, 24, 15, 11, 31, tzinfo=UTC)),  # Elastic Beanstalk
        ("Nov 29, 2016 7:43:20 PM", datetime(2016, 11, 29, 19, 43, 20, tzinfo=UTC)),  # SSM Automation
        ("2022-03-03T17:06:34.267+0000", datetime(2022, 3, 3, 17, 6, 34, 267000, UTC)),  # CloudWatch
        ("2023-04-11T13: 46: 29.757Z", None),
    ],
)
def test_event_times_as_services_write_them(given: str, read: datetime | None) -> None:
    assert parse_time(given) == read


def test_times_given_in_epoch_seconds_and_times_that_cannot_be_read() -> None:
    assert epoch_time("1446744190.402") == "2015-11-05T17:23:10+00:00"  # a CodeDeploy trigger's completeTime
    assert first_time("", "soon", "2026-11-20T14:00:00Z") == "2026-11-20T14:00:00Z"
    assert first_time("soon") == "soon"
    event = {"detail-type": "Thing Happened", "source": "aws.thing", "time": "soon", "detail": {"status": "OK"}}
    assert card(sns(event))["lookout:context"].startswith("time as given: soon, received 2026-11-20 14:03:11 UTC")
    assert card({"detail-type": "Thing", "source": "aws.thing", "detail": {"a": "b"}})[
        "lookout:context"
    ].startswith("time unknown")


def pairs_of(excerpt: str) -> list[str]:
    """The ``"key": "value"`` pieces an excerpt shows whole."""
    return re.findall(r'"[^"]*": "[^"]*"', excerpt)


def test_the_raw_excerpt_never_cuts_a_value_and_leaves_a_long_one_out_whole() -> None:
    # GIVEN a payload whose values would straddle any cut
    payload = {f"key{i}": f"value-{i}-" + "x" * (i * 7) for i in range(40)}
    payload["description"] = "long " * 100
    excerpt = raw_excerpt(json.dumps(payload, indent=2))
    # THEN it is short, and every value it shows is a whole value of the payload
    assert len(excerpt) <= RAW_CHARS + 10 and excerpt.endswith("…}")
    for piece in pairs_of(excerpt):
        key, value = json.loads("{" + piece + "}").popitem()
        assert payload[key] == value, piece
    long_first = {"description": "long " * 200, "state": "FAILED"}
    assert raw_excerpt(json.dumps(long_first)) == '{"description": …, "state": "FAILED"}'


@pytest.mark.parametrize("at", [0, 100, 300, 520, 560, 590, 599])
def test_the_raw_excerpt_redacts_before_it_cuts(at: int) -> None:
    # GIVEN a secret access key placed so that the excerpt's budget ends anywhere around it
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    payload = {"padding": "p" * at, "note": f"rotated key {secret} today", "password": "hunter2", "tail": "t" * 50}
    excerpt = raw_excerpt(json.dumps(payload))
    assert not any(secret[i : i + 8] in excerpt for i in range(len(secret) - 7))
    assert "hunter2" not in excerpt
    text = raw_excerpt("line one\n" + "p" * at + f" {secret}\nline three")
    assert not any(secret[i : i + 8] in text for i in range(len(secret) - 7))


def test_a_huge_notification_renders_within_slacks_limits() -> None:
    payload = {"detail-type": "Big", "source": "aws.thing", "detail": {f"k{i}": "v" * 500 for i in range(500)}}
    shown = card(sns(payload))
    assert len(shown["lookout:raw"]) <= RAW_CHARS + 10
    note = read_generic("Big", json.dumps(payload))
    assert len(note.facts) <= 16


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_any_json_message_gets_a_valid_card(value: object) -> None:
    # GIVEN any JSON value as an SNS message, alone or as an EventBridge event's detail
    for message in (value, {"detail-type": "Odd Event", "source": "aws.odd", "time": "x", "detail": value}):
        (delivery,) = parse_event(sns(json.dumps(message)))
        assert isinstance(delivery.item, Notification)
        assert_valid_message(render_notification(delivery.item).payload("#alerts"))
