"""Exactly once through Powertools Idempotency, when the claim's own write is lost in transit: the PutItem
commits in DynamoDB but its response never arrives, botocore's retry finds our own claim in progress, and the
invocation must fail (so that Lambda retries) instead of calling it a duplicate that is never posted."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ReadTimeoutError
from moto import mock_aws

from bot.alerting import AlertsFailed
from bot.delivery import Deadline
from local.lambda_runtime import LambdaContext
from tests.support.lifecycle import Unreachable, lifecycle_service, sns_event

if TYPE_CHECKING:
    from local.slack.api import SlackStandIn


def lose_the_first_claim_response(client: Any) -> list[str]:
    """After moto has applied the first claim (an in-progress PutItem), the response is lost: botocore sees a
    read timeout and retries the PutItem, as it would against DynamoDB."""
    lost: list[str] = []

    def drop(request: Any, **_: Any) -> None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        put = request.headers.get("X-Amz-Target", b"") in (
            b"DynamoDB_20120810.PutItem",
            "DynamoDB_20120810.PutItem",
        )
        if put and not lost and "INPROGRESS" in body and "lookout#once" in body:
            lost.append(body)
            raise ReadTimeoutError(endpoint_url=request.url)

    # On moto's own level ("before-send"), after it: botocore calls more specific event names first.
    client.meta.events.register_last("before-send", drop)
    return lost


def test_a_lost_claim_response_fails_the_invocation_and_lambdas_retry_posts_once(slack: SlackStandIn) -> None:
    with mock_aws():
        service = lifecycle_service(slack.url)
        lost = lose_the_first_claim_response(service.lifecycle.tracker.store.client._client)
        event = sns_event("api", "ALARM", 0)

        # WHEN the claim commits but its response is lost
        first = LambdaContext(timeout_s=3)
        with pytest.raises(AlertsFailed, match="already in progress"):
            service.handle(event, Deadline.after(30), lambda_context=first)
        # THEN nothing was posted, and the invocation failed: Lambda will retry it
        assert lost and slack.calls("chat.postMessage") == []

        # AND a retry while the claim is still in progress fails again (never "a duplicate, done")
        with pytest.raises(AlertsFailed, match="already in progress"):
            service.handle(event, Deadline.after(30), lambda_context=LambdaContext(timeout_s=3))

        # WHEN Lambda retries after the claim expired with its (three-second) invocation
        time.sleep(first.get_remaining_time_in_millis() / 1000 + 0.1)
        (outcome,) = service.handle(event, Deadline.after(30), lambda_context=LambdaContext(timeout_s=3))
        assert outcome.posted is not None
        # THEN the alert is posted exactly once, and later deliveries are duplicates
        service.handle(event, Deadline.after(30), lambda_context=LambdaContext(timeout_s=3))
    assert len(slack.calls("chat.postMessage")) == 1


def test_a_failed_post_releases_the_claim_so_the_retry_posts(slack: SlackStandIn) -> None:
    from local.slack.api import Fault

    with mock_aws():
        service = lifecycle_service(slack.url)
        event = sns_event("api", "ALARM", 0)
        slack.fail_next(Fault(error="fatal_error"))  # Slack refuses the post: no retry within this invocation
        with pytest.raises(AlertsFailed, match="fatal_error"):
            service.handle(event, Deadline.after(30))
        (outcome,) = service.handle(event, Deadline.after(30))
    assert outcome.posted is not None and len(slack.posts("#alerts")) == 1


def test_an_unreachable_incidents_table_still_delivers_the_alert_marked_untracked(slack: SlackStandIn) -> None:
    import json

    from bot.alerting import AlertService
    from bot.config import Settings
    from bot.lifecycle.alarm_path import Lifecycle
    from bot.observability import Telemetry
    from bot.slack.transport.courier import SlackCourier
    from bot.slack.transport.post import SlackPoster

    # GIVEN the lifecycle's table cannot be reached
    settings = Settings(
        slack_channel="#alerts", incidents_table="lookout-incidents", alert_channels=("#payments",)
    )
    courier = SlackCourier(SlackPoster(lambda: "xoxb-test", base_url=slack.url))
    lifecycle = Lifecycle.from_settings(settings, courier, Unreachable())
    service = AlertService(
        settings, enricher=None, courier=courier, telemetry=Telemetry.for_cli(settings), lifecycle=lifecycle
    )
    tags = {"lookout:channel": "#payments", "lookout:severity": "sev2"}
    # WHEN an alarm and a plain notification arrive
    (alarm,) = service.handle(sns_event("api", "ALARM", 0, tags=tags), Deadline.after(30))
    (note,) = service.handle(
        {
            "Records": [
                {"EventSource": "aws:sns", "Sns": {"MessageId": "m-1", "Subject": "Deploy", "Message": "v42"}}
            ]
        },
        Deadline.after(30),
    )
    # THEN both are posted: the alarm routed by its tags and marked as delivered without tracking
    assert alarm.posted is not None and note.posted is not None
    (message,) = slack.posts("#payments")
    assert "without incident tracking" in json.dumps(message["blocks"], ensure_ascii=False)
    assert message["blocks"][0]["text"]["text"].startswith("🔴 SEV2 · api")
    assert len(slack.posts("#alerts")) == 1
