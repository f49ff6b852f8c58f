"""Re-drive alerts that could not be posted: read the on-failure queue (Lambda's async failure records, or
raw events), hand each event to the alarm path again, and delete only what was posted. Duplicates cannot
come of it: the lifecycle posts each state change once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.delivery import Deadline

if TYPE_CHECKING:
    from bot.alerting import AlertService


@dataclass(frozen=True)
class RedriveReport:
    replayed: int
    failed: int
    unreadable: int
    errors: tuple[str, ...] = ()


def event_of(body: str) -> dict[str, Any] | None:
    """The Lambda event a queue message carries: ``requestPayload`` of a failure record, or the event itself."""
    try:
        record = json.loads(body)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    payload = record.get("requestPayload", record)
    return payload if isinstance(payload, dict) else None


def redrive(service: AlertService, queue_url: str, *, sqs: Any, limit: int = 1000) -> RedriveReport:
    client: Any = sqs
    replayed = failed = unreadable = 0
    errors: list[str] = []
    while replayed + failed + unreadable < limit:
        batch = client.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=60
        )
        messages = batch.get("Messages", [])
        if not messages:
            break
        for message in messages:
            event = event_of(message.get("Body", ""))
            if event is None:
                unreadable += 1  # left in the queue for a person to look at
                continue
            try:
                service.handle(event, Deadline.after(60))
            except Exception as exc:  # noqa: BLE001 - reported; the message stays for the next replay
                failed += 1
                errors.append(str(exc)[:300])
                continue
            client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            replayed += 1
    return RedriveReport(replayed, failed, unreadable, tuple(errors))
