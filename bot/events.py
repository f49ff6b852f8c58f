"""Lambda event → list of ``Delivery`` (an ``Alarm`` or a generic ``Notification``).

Accepts SNS batches, EventBridge "CloudWatch Alarm State Change" events (direct or SNS-wrapped), CloudWatch
alarm Lambda actions (``alarmData``) and SQS records carrying any of those (the on-failure queue). Parsing
never raises for a mapping: whatever cannot be read as an alarm becomes a ``Notification``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot import regions
from bot.alarm_parsers import alarm_from_action, alarm_from_eventbridge, alarm_from_sns_message
from bot.alarms import Notification
from bot.coerce import dump, moment, printable, text
from bot.delivery import Delivery
from bot.notices import text_notice, typed_notice

if TYPE_CHECKING:
    from datetime import datetime

EVENTBRIDGE_DETAIL_TYPE = "CloudWatch Alarm State Change"


class NotAnEvent(ValueError):
    """The input is not a Lambda event at all (not a JSON object)."""


def parse_event(event: object) -> list[Delivery]:
    """Every alarm or notification in a Lambda event, in delivery order."""
    if not isinstance(event, Mapping):
        raise NotAnEvent(f"a Lambda event is a JSON object, got {type(event).__name__}")
    event = dict(printable(event))
    records = event.get("Records")
    if isinstance(records, list) and records:
        return [_from_record(record) for record in records]
    return [_guard(lambda: _from_payload(event, via=_via_of(event), fallback_title="Event"), event, "event")]


def parse_json_text(content: str) -> object:
    """Parse a file's text as a Lambda event, with an error a user can act on."""
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        raise NotAnEvent(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _guard(parse: Callable[[], Delivery], raw: object, via: str) -> Delivery:
    """Run a parser; anything it cannot read becomes a notification that says why."""
    try:
        return parse()
    except Exception as exc:  # noqa: BLE001 - nothing that reaches the bot may be dropped
        return Delivery(
            Notification(
                title="Unreadable notification",
                body=dump(raw),
                source=via,
                problem=f"could not be read as an alarm ({type(exc).__name__}: {exc})",
            ),
            via=via,
        )


def _from_record(record: object) -> Delivery:
    if not isinstance(record, Mapping):
        return _guard(lambda: _unknown(record, "record"), record, "record")
    sns = record.get("Sns")
    if isinstance(sns, Mapping):
        return _guard(lambda: _from_sns(sns), record, "sns")
    if "body" in record:  # SQS: the on-failure queue holds SNS envelopes or raw events
        queue = regions.parse_arn(text(record.get("eventSourceARN"))) or regions.Where()
        hint = queue._replace(region=queue.region or _region_code(record.get("awsRegion")))
        return _guard(
            lambda: _from_text(text(record.get("body")), title="Queued message", via="sqs", hint=hint),
            record,
            "sqs",
        )
    return _guard(lambda: _unknown(record, "record"), record, "record")


def _from_sns(sns: Mapping[str, object], hint: regions.Where | None = None, via: str = "sns") -> Delivery:
    title = text(sns.get("Subject")) or "SNS notification"
    topic = regions.parse_arn(text(sns.get("TopicArn")))  # the topic lives where its alarms do
    delivery = _from_text(
        text(sns.get("Message")),
        title=title,
        via=via,
        received=moment(sns.get("Timestamp")),
        hint=_merge(topic, hint),
        attributes=sns.get("MessageAttributes"),
    )
    return Delivery(delivery.item, message_id=text(sns.get("MessageId")) or None, via=delivery.via)


def _from_text(
    content: str,
    *,
    title: str,
    via: str,
    received: datetime | None = None,
    hint: regions.Where | None = None,
    attributes: object = None,
) -> Delivery:
    stripped = printable(content).strip()
    try:
        payload = printable(json.loads(stripped))
    except ValueError as exc:
        looks_json = stripped[:1] in "{["
        problem = f"broken JSON: {exc}" if looks_json and stripped else None
        notice = None if problem else text_notice(content, attributes)  # a backup vault's state is an attribute
        return Delivery(
            Notification(
                title=title, body=content, source=via, received_at=received, problem=problem, notice=notice
            ),
            via=via,
        )
    if isinstance(payload, Mapping):
        if payload.get("Type") == "Notification" and "Message" in payload:  # an SNS envelope, e.g. from SQS
            return _from_sns(payload, hint, via=_join(via, "sns"))
        return _from_payload(payload, via=via, fallback_title=title, received=received, hint=hint)
    return Delivery(Notification(title=title, body=dump(payload), source=via, received_at=received), via=via)


def _from_payload(
    payload: Mapping[str, object],
    *,
    via: str,
    fallback_title: str,
    received: datetime | None = None,
    hint: regions.Where | None = None,
) -> Delivery:
    if "AlarmName" in payload and "NewStateValue" in payload:
        return Delivery(alarm_from_sns_message(payload, received, hint), via=via)
    if payload.get("detail-type") == EVENTBRIDGE_DETAIL_TYPE and isinstance(payload.get("detail"), Mapping):
        return Delivery(
            alarm_from_eventbridge(payload, hint),
            message_id=text(payload.get("id")) or None,
            via=_join(via, "eventbridge"),
        )
    if isinstance(payload.get("alarmData"), Mapping):
        return Delivery(alarm_from_action(payload, hint), via=_join(via, "alarm-action"))
    title = text(payload.get("detail-type")) or text(payload.get("detailType")) or fallback_title  # CodeStar rules
    notice = typed_notice(payload)
    return Delivery(
        Notification(title=title, body=dump(payload), source=via, received_at=received, notice=notice),
        via=via,
    )


def _unknown(raw: object, via: str) -> Delivery:
    return Delivery(Notification(title="Unrecognised record", body=dump(raw), source=via), via=via)


def _via_of(event: Mapping[str, object]) -> str:
    if "alarmData" in event:
        return "lambda"
    return "direct"


def _merge(inner: regions.Where | None, outer: regions.Where | None) -> regions.Where:
    """The nearer envelope's facts first (the SNS topic inside an SQS message), the outer one's for gaps."""
    inner, outer = inner or regions.Where(), outer or regions.Where()
    return regions.Where(
        inner.partition or outer.partition, inner.region or outer.region, inner.account or outer.account
    )


def _region_code(raw: object) -> str:
    code = text(raw)
    return code if regions.is_region(code) else ""


def _join(outer: str, inner: str) -> str:
    return inner if outer in {"direct", "lambda"} else f"{outer}/{inner}"
