"""The alert lifecycle on moto's DynamoDB (inside ``mock_aws``) posting to the Slack stand-in: the service, its
incidents table, the SNS alarm events the tests and benchmarks send, and a table that cannot be reached."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from collections.abc import Iterator

TABLE = "lookout-incidents"
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def sns_event(
    name: str,
    state: str,
    minutes: float,
    *,
    old: str = "OK",
    tags: dict[str, str] | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    changed = T0 + timedelta(minutes=minutes)
    message = {
        "AlarmName": name,
        "AlarmDescription": f"{name} description",
        "AWSAccountId": "111122223333",
        "NewStateValue": state,
        "OldStateValue": old,
        "NewStateReason": f"{name} went {state} at minute {minutes}",
        "StateChangeTime": changed.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "Region": "US East (N. Virginia)",
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}",
        "Trigger": {
            "MetricName": "Errors",
            "Namespace": "AWS/Lambda",
            "Statistic": "SUM",
            "Period": 60,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 1.0,
            "Dimensions": [{"name": "FunctionName", "value": name}],
        },
    }
    if tags is not None:
        message["AlarmTags"] = tags
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "MessageId": message_id or f"{name}-{state}-{minutes}",
                    "Subject": f"{state}: {name}",
                    "Message": json.dumps(message),
                    "Timestamp": changed.isoformat(),
                },
            }
        ]
    }


def lifecycle_service(
    slack_url: str,
    channel: str = "#alerts",
    table: str = "lookout-incidents",
    *,
    call_timeout_s: float = 5.0,
    dynamodb: Any = None,
    **settings: Any,
) -> Any:
    """An AlertService with the lifecycle on a fresh incidents table (inside ``mock_aws``), posting to
    the Slack stand-in at ``slack_url``; enrichment off; ``settings`` override the rest. ``dynamodb``: a
    client to use instead of moto's (wrapped around it, or failing)."""
    from bot.alerting import AlertService
    from bot.config import Settings
    from bot.lifecycle.alarm_path import Lifecycle
    from bot.observability import Telemetry
    from bot.slack.transport.courier import SlackCourier
    from bot.slack.transport.post import SlackPoster

    table_client = Serialised(incidents_table(table))
    dynamodb = table_client if dynamodb is None else dynamodb(table_client)
    settings = Settings(slack_channel=channel, incidents_table=table, **settings)
    courier = SlackCourier(SlackPoster(lambda: "xoxb-test", base_url=slack_url, call_timeout_s=call_timeout_s))
    lifecycle = Lifecycle.from_settings(settings, courier, dynamodb)
    return AlertService(
        settings, enricher=None, courier=courier, telemetry=Telemetry.for_cli(settings), lifecycle=lifecycle
    )


class Serialised:
    """A client whose calls run one at a time. In-process moto does not apply DynamoDB conditional writes
    atomically when threads call it at once (DynamoDB does); serialising the emulator's calls restores the
    atomicity the lifecycle relies on, so concurrency tests are deterministic. Every call still goes to moto."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


class EmulatorTime:
    """Seconds in-process moto spent answering (the work DynamoDB's own servers do, not the caller)."""

    seconds: float = 0.0


@contextlib.contextmanager
def emulator_one_call_at_a_time() -> Iterator[EmulatorTime]:
    """In-process moto answers one request at a time, whoever calls: DynamoDB's atomic conditional writes,
    with the caller's own time (a bench's call latency, which ``bench.latency`` adds before the request is
    sent) overlapping as it would against DynamoDB. ``Serialised`` holds its lock through that time too.
    Yields how long the emulator worked."""
    from moto.core.botocore_stubber import BotocoreStubber

    process = BotocoreStubber.process_request
    lock = threading.Lock()
    spent = EmulatorTime()

    def one_at_a_time(self: Any, request: Any) -> Any:
        with lock:
            started = time.perf_counter()
            try:
                return process(self, request)
            finally:
                spent.seconds += time.perf_counter() - started

    BotocoreStubber.process_request = one_at_a_time  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        BotocoreStubber.process_request = process  # type: ignore[method-assign]


def incidents_table(table: str) -> Any:
    """A DynamoDB client with an incidents-shaped table (key ``pk``) created on it (inside ``mock_aws``)."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return dynamodb


class Unreachable:
    """A DynamoDB client whose every call fails to connect, as when the table's endpoint cannot be reached."""

    def __getattr__(self, operation: str) -> Any:
        def fail(**_: Any) -> Any:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

        return fail
