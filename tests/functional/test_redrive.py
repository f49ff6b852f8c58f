"""``lookout replay``: alerts that Slack refused wait in the on-failure queue and are delivered once it is
back; a second replay or a duplicate record never posts twice; unreadable records stay for a person."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from bot.delivery import Deadline
from bot.redrive import redrive
from local.slack.api import Fault, SlackStandIn
from tests.support.lifecycle import TABLE, lifecycle_service, sns_event
from tests.support.redrive import failure_record

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.alerting import AlertService


@pytest.fixture
def world() -> Iterator[tuple[AlertService, SlackStandIn, Any, str]]:
    with SlackStandIn() as slack, mock_aws():
        service = lifecycle_service(slack.url, table=TABLE)
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = sqs.create_queue(QueueName="lookout-on-failure")["QueueUrl"]
        yield service, slack, sqs, queue


def test_replay_delivers_what_slack_refused(world: tuple[AlertService, SlackStandIn, Any, str]) -> None:
    service, slack, sqs, queue = world
    for name in ("api", "db"):
        sqs.send_message(QueueUrl=queue, MessageBody=failure_record(sns_event(name, "ALARM", 0)))
    report = redrive(service, queue, sqs=sqs)
    assert (report.replayed, report.failed, report.unreadable) == (2, 0, 0)
    assert sorted(m["blocks"][0]["text"]["text"] for m in slack.posts("#alerts")) == [
        "🔴 api · OK → ALARM",
        "🔴 db · OK → ALARM",
    ]
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages") is None


def test_replaying_what_was_already_posted_posts_nothing(
    world: tuple[AlertService, SlackStandIn, Any, str],
) -> None:
    service, slack, sqs, queue = world
    event = sns_event("api", "ALARM", 0)
    service.handle(event, Deadline.after(30))
    sqs.send_message(QueueUrl=queue, MessageBody=failure_record(event))
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(event))  # a raw event too
    report = redrive(service, queue, sqs=sqs)
    assert report.replayed == 2 and len(slack.calls("chat.postMessage")) == 1


def test_still_failing_and_unreadable_records_stay(world: tuple[AlertService, SlackStandIn, Any, str]) -> None:
    service, slack, sqs, queue = world
    sqs.send_message(QueueUrl=queue, MessageBody=failure_record(sns_event("api", "ALARM", 0)))
    sqs.send_message(QueueUrl=queue, MessageBody="not json")
    slack.fail_next(Fault(error="channel_not_found"))
    report = redrive(service, queue, sqs=sqs, limit=2)
    assert (report.replayed, report.failed, report.unreadable) == (0, 1, 1)
    assert "channel_not_found" in report.errors[0]


def test_slack_down_the_event_waits_in_the_queue_then_replay_delivers_it(
    world: tuple[AlertService, SlackStandIn, Any, str],
) -> None:
    from bot.alerting import AlertsFailed

    service, slack, sqs, queue = world
    event = sns_event("api", "ALARM", 0)
    # GIVEN Slack failing for longer than the invocation may wait
    slack.fail_next(*[Fault(status=500)] * 30)
    with pytest.raises(AlertsFailed):
        service.handle(event, Deadline.after(3))
    assert slack.posts("#alerts") == []
    # WHEN Lambda's retries are exhausted the on-failure destination keeps the event, and Slack comes back
    sqs.send_message(QueueUrl=queue, MessageBody=failure_record(event))
    slack.state.faults.clear()
    report = redrive(service, queue, sqs=sqs)
    # THEN the alert is posted exactly once
    assert report.replayed == 1 and len(slack.posts("#alerts")) == 1


LOG_ERRORS = "arn:aws:lambda:us-east-1:111122223333:function:lookout-LogErrorsFunction-AbC:live"
STREAM_BATCH = {  # the Lambda Developer Guide's on-failure record of a DynamoDB stream batch: where, not what
    "requestContext": {
        "requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
        "functionArn": "arn:aws:lambda:us-east-1:111122223333:function:lookout-NormalizeFunction-XyZ",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 1,
    },
    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
    "version": "1.0",
    "timestamp": "2019-11-14T00:13:49.717Z",
    "DDBStreamBatchInfo": {
        "shardId": "shardId-00000001573689847184-864758bb",
        "startSequenceNumber": "800000000003126276362",
        "endSequenceNumber": "800000000003126276362",
        "approximateArrivalOfFirstRecord": "2019-11-14T00:13:19Z",
        "approximateArrivalOfLastRecord": "2019-11-14T00:13:19Z",
        "batchSize": 1,
        "streamArn": "arn:aws:dynamodb:us-east-1:111122223333:table/config/stream/2019-11-14T00:04:06.388",
    },
}


def log_error_failure() -> str:
    record = json.loads(failure_record({"awslogs": {"data": "H4sIAAAAAAAAAA=="}}))
    record["requestContext"]["functionArn"] = LOG_ERRORS
    return json.dumps(record)


def test_replay_never_turns_another_functions_failure_into_an_alert(
    world: tuple[AlertService, SlackStandIn, Any, str],
) -> None:
    # GIVEN a log-error delivery's failure record and a stream batch's in the queue
    service, slack, sqs, queue = world
    sqs.send_message(QueueUrl=queue, MessageBody=log_error_failure())
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(STREAM_BATCH))
    # WHEN a replay that cannot invoke functions runs
    report = redrive(service, queue, sqs=sqs, limit=2)
    # THEN nothing is posted as a raw "Event" card and nothing is deleted: both stay, and the report says why
    assert slack.posts("#alerts") == [] and (report.replayed, report.left) == (0, 2)
    assert any("stream batch" in e for e in report.errors) and any(LOG_ERRORS in e for e in report.errors)


def test_replay_redrives_each_record_into_the_function_it_came_from(
    world: tuple[AlertService, SlackStandIn, Any, str],
) -> None:
    service, slack, sqs, queue = world
    sqs.send_message(QueueUrl=queue, MessageBody=log_error_failure())
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(STREAM_BATCH))
    invoked: list[tuple[str, dict[str, Any]]] = []
    # WHEN replay can invoke (lookout replay: Lambda's Invoke, waiting for the answer)
    report = redrive(service, queue, sqs=sqs, invoke=lambda f, p: invoked.append((f, p)), limit=2)
    # THEN the log-error delivery goes back into its own function and leaves the queue; the stream batch stays
    assert invoked == [(LOG_ERRORS, {"awslogs": {"data": "H4sIAAAAAAAAAA=="}})]
    assert (report.replayed, report.left) == (1, 1)
    counts = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    kept = int(counts["ApproximateNumberOfMessages"]) + int(counts["ApproximateNumberOfMessagesNotVisible"])
    assert kept == 1  # the stream batch, for the normalizer's owner (backfill-config re-reads the table)
