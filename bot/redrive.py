"""Re-drive what could not be done: read a failure queue (Lambda's on-failure records, or raw events) and hand
each record back to the function it came from, deleting only what that function then handled. Duplicates
cannot come of it: every path is exactly-once per state change or delivery.

A record of an asynchronous invocation names its function (``requestContext.functionArn``): with ``invoke``
(``lookout replay``: Lambda's Invoke, waiting for the answer) it goes back there. Without it, only what the
alarm path takes (alarm notifications, raw events on the alert topic) is handled here, through ``service``;
anything else — a log-error delivery, a stream batch's failure record, which holds no data, only where in the
stream it was — is left in the queue for the function or the person it belongs to, and said.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.coerce import items
from bot.delivery import Deadline
from bot.text import excerpt

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_sqs import SQSClient

    from bot.alerting import AlertService

Invoke = Callable[[str, dict[str, object]], None]
"""Lambda's Invoke of a function (its name or ARN) with an event, waiting for the answer; raises when it failed."""


@dataclass(frozen=True)
class RedriveReport:
    replayed: int
    failed: int
    unreadable: int
    errors: tuple[str, ...] = ()
    left: int = 0
    """Records this replay does not handle (another function's, or a stream batch's): kept, never deleted."""


@dataclass(frozen=True)
class Record:
    kind: str  # invocation | event | stream-batch | unreadable
    payload: dict[str, object] | None = None
    function: str = ""


def record_of(body: str) -> Record:
    """What a queue message holds: an invocation's failure record (its payload and function), a raw event, a
    stream batch's failure record, or nothing readable."""
    try:
        data = json.loads(body)
    except ValueError:
        return Record("unreadable")
    if not isinstance(data, dict):
        return Record("unreadable")
    if any(key.endswith("BatchInfo") for key in data):
        return Record("stream-batch")
    context = data.get("requestContext")
    if isinstance(context, dict) and "requestPayload" in data:
        payload = data["requestPayload"]
        if not isinstance(payload, dict):
            return Record("unreadable")
        return Record("invocation", payload, str(context.get("functionArn") or ""))
    return Record("event", data)


def event_of(body: str) -> dict[str, object] | None:
    """The Lambda event a queue message carries: ``requestPayload`` of a failure record, or the event itself."""
    return record_of(body).payload


def for_the_alarm_path(payload: Mapping[str, object]) -> bool:
    """What the alarm function takes (not a log-error delivery, not a stream's records)."""
    records = items(payload.get("Records"))
    sources = {str(r.get("eventSource") or r.get("EventSource") or "") for r in records if isinstance(r, dict)}
    return "awslogs" not in payload and not sources & {"aws:dynamodb", "aws:kinesis"}


def redrive(
    service: AlertService,
    queue_url: str,
    *,
    sqs: SQSClient,
    invoke: Invoke | None = None,
    limit: int = 1000,
) -> RedriveReport:
    replayed = failed = unreadable = left = 0
    errors: list[str] = []
    while replayed + failed + unreadable + left < limit:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=60
        )
        messages = batch.get("Messages", [])
        if not messages:
            break
        for message in messages:
            record = record_of(message.get("Body", ""))
            if record.kind == "unreadable":
                unreadable += 1  # left in the queue for a person to look at
                continue
            try:
                handled = _handle(record, service, invoke)
            except Exception as exc:  # noqa: BLE001 - reported; the message stays for the next replay
                failed += 1
                errors.append(excerpt(str(exc), 300))
                continue
            if not handled:
                left += 1
                errors.append(_why_left(record))
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            replayed += 1
    return RedriveReport(replayed, failed, unreadable, tuple(errors), left)


def _handle(record: Record, service: AlertService, invoke: Invoke | None) -> bool:
    assert record.payload is not None or record.kind == "stream-batch"
    if record.kind == "stream-batch" or record.payload is None:
        return False
    if record.kind == "invocation" and record.function and invoke is not None:
        invoke(record.function, record.payload)  # raises when the function failed again
        return True
    if not for_the_alarm_path(record.payload):
        return False
    service.handle(record.payload, Deadline.after(60))
    return True


def _why_left(record: Record) -> str:
    if record.kind == "stream-batch":
        return "a stream batch's failure record (no data, only its place in the stream): left in the queue"
    return f"a delivery for {record.function or 'another function'}: left in the queue for it"
