"""Lambda event → list of ``Delivery`` (an ``Alarm`` or a generic ``Notification``).

Accepts SNS batches, EventBridge "CloudWatch Alarm State Change" events (direct or SNS-wrapped), CloudWatch
alarm Lambda actions (``alarmData``) and SQS records carrying any of those (the on-failure queue). Parsing
never raises for a mapping: whatever cannot be read as an alarm becomes a ``Notification``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot import regions
from bot.alarms import Alarm, AlarmKind, AlarmState, ChildAlarm, Delivery, MetricQuery, MetricRef, Notification

EVENTBRIDGE_DETAIL_TYPE = "CloudWatch Alarm State Change"
_STAT_NAMES = {
    "SUM": "Sum",
    "AVERAGE": "Average",
    "MINIMUM": "Minimum",
    "MAXIMUM": "Maximum",
    "SAMPLE_COUNT": "SampleCount",
    "SAMPLECOUNT": "SampleCount",
}


class NotAnEvent(ValueError):
    """The input is not a Lambda event at all (not a JSON object)."""


def parse_event(event: object) -> list[Delivery]:
    """Every alarm or notification in a Lambda event, in delivery order."""
    if not isinstance(event, Mapping):
        raise NotAnEvent(f"a Lambda event is a JSON object, got {type(event).__name__}")
    records = event.get("Records")
    if isinstance(records, list) and records:
        return [_from_record(record) for record in records]
    return [_guard(lambda: _from_payload(event, via=_via_of(event), fallback_title="Event"), event, "event")]


def parse_json_text(text: str) -> object:
    """Parse a file's text as a Lambda event, with an error a user can act on."""
    try:
        return json.loads(text)
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
                body=_dump(raw),
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
        return _guard(
            lambda: _from_text(_str(record.get("body")), title="Queued message", via="sqs"), record, "sqs"
        )
    return _guard(lambda: _unknown(record, "record"), record, "record")


def _from_sns(sns: Mapping[str, Any]) -> Delivery:
    title = _str(sns.get("Subject")) or "SNS notification"
    delivery = _from_text(_str(sns.get("Message")), title=title, via="sns", received=_time(sns.get("Timestamp")))
    return Delivery(delivery.item, message_id=_str(sns.get("MessageId")) or None, via=delivery.via)


def _from_text(text: str, *, title: str, via: str, received: datetime | None = None) -> Delivery:
    stripped = text.strip()
    try:
        payload = json.loads(stripped)
    except ValueError as exc:
        looks_json = stripped[:1] in "{["
        problem = f"broken JSON: {exc}" if looks_json and stripped else None
        return Delivery(
            Notification(title=title, body=text, source=via, received_at=received, problem=problem), via=via
        )
    if isinstance(payload, Mapping):
        if payload.get("Type") == "Notification" and "Message" in payload:  # an SNS envelope, e.g. from SQS
            return _from_sns(payload)
        return _from_payload(payload, via=via, fallback_title=title, received=received)
    return Delivery(Notification(title=title, body=_dump(payload), source=via, received_at=received), via=via)


def _from_payload(
    payload: Mapping[str, Any], *, via: str, fallback_title: str, received: datetime | None = None
) -> Delivery:
    if "AlarmName" in payload and "NewStateValue" in payload:
        return Delivery(_from_sns_alarm(payload, received), via=via)
    if payload.get("detail-type") == EVENTBRIDGE_DETAIL_TYPE and isinstance(payload.get("detail"), Mapping):
        return Delivery(
            _from_eventbridge(payload), message_id=_str(payload.get("id")) or None, via=_join(via, "eventbridge")
        )
    if isinstance(payload.get("alarmData"), Mapping):
        return Delivery(_from_alarm_action(payload), via=_join(via, "alarm-action"))
    title = _str(payload.get("detail-type")) or fallback_title
    return Delivery(Notification(title=title, body=_dump(payload), source=via, received_at=received), via=via)


def _unknown(raw: object, via: str) -> Delivery:
    return Delivery(Notification(title="Unrecognised record", body=_dump(raw), source=via), via=via)


def _via_of(event: Mapping[str, Any]) -> str:
    if "alarmData" in event:
        return "lambda"
    return "direct"


def _join(outer: str, inner: str) -> str:
    return inner if outer in {"direct", "lambda"} else f"{outer}/{inner}"


# --- SNS alarm message (PascalCase keys) -------------------------------------------------------------


def _from_sns_alarm(msg: Mapping[str, Any], received: datetime | None) -> Alarm:
    trigger = _map(msg.get("Trigger"))
    arn = _str(msg.get("AlarmArn"))
    name = _str(msg.get("AlarmName")) or "unnamed alarm"
    region, partition, account = _where(
        arn,
        region=regions.region_from_display_name(_str(msg.get("Region"))),
        account=_str(msg.get("AWSAccountId")),
    )
    queries = _sns_queries(trigger)
    threshold_metric_id = _str(trigger.get("ThresholdMetricId")) or _band_id(queries)
    children = tuple(
        ChildAlarm(
            arn=_str(child.get("Arn")),
            state=AlarmState.parse(_map(child.get("State")).get("Value")),
            timestamp=_time(_map(child.get("State")).get("Timestamp")),
        )
        for child in _list(msg.get("TriggeringChildren"))
        if isinstance(child, Mapping)
    )
    alarm_rule = _str(msg.get("AlarmRule")) or None
    return Alarm(
        name=name,
        arn=arn or _alarm_arn(partition, region, account, name),
        kind=_kind(queries, threshold_metric_id, alarm_rule, children),
        state=AlarmState.parse(msg.get("NewStateValue")),
        previous_state=AlarmState.parse(msg.get("OldStateValue")),
        reason=_str(msg.get("NewStateReason")),
        changed_at=_time(msg.get("StateChangeTime")) or received or datetime.now(UTC),
        account=account,
        region=region,
        partition=partition,
        description=_str(msg.get("AlarmDescription")),
        period=_int(trigger.get("Period")),
        threshold=_float(trigger.get("Threshold")),
        comparison=_str(trigger.get("ComparisonOperator")) or None,
        evaluation_periods=_int(trigger.get("EvaluationPeriods")),
        datapoints_to_alarm=_int(trigger.get("DatapointsToAlarm")),
        queries=queries,
        threshold_metric_id=threshold_metric_id,
        alarm_rule=alarm_rule,
        children=children,
        tags=_tags(msg.get("AlarmTags")),
    )


def _sns_queries(trigger: Mapping[str, Any]) -> tuple[MetricQuery, ...]:
    if trigger.get("MetricName") and trigger.get("Namespace"):
        statistic = _str(trigger.get("Statistic"))
        stat = _str(trigger.get("ExtendedStatistic")) or _STAT_NAMES.get(statistic.upper(), statistic or "Average")
        metric = MetricRef(
            namespace=_str(trigger.get("Namespace")),
            name=_str(trigger.get("MetricName")),
            dimensions=_dimensions(trigger.get("Dimensions")),
        )
        return (MetricQuery(id="m1", metric=metric, stat=stat, period=_int(trigger.get("Period"))),)
    return tuple(_sns_query(_map(entry), i) for i, entry in enumerate(_list(trigger.get("Metrics"))))


def _sns_query(entry: Mapping[str, Any], index: int) -> MetricQuery:
    stat = _map(entry.get("MetricStat"))
    metric = _map(stat.get("Metric"))
    return MetricQuery(
        id=_str(entry.get("Id")) or f"q{index + 1}",
        metric=MetricRef(
            namespace=_str(metric.get("Namespace")),
            name=_str(metric.get("MetricName")),
            dimensions=_dimensions(metric.get("Dimensions")),
        )
        if metric
        else None,
        stat=_str(stat.get("Stat")) or None,
        period=_int(stat.get("Period")) or _int(entry.get("Period")),
        expression=_str(entry.get("Expression")) or None,
        label=_str(entry.get("Label")) or None,
        return_data=entry.get("ReturnData") is not False,
    )


# --- EventBridge detail / alarm action alarmData (camelCase keys) ------------------------------------


def _from_eventbridge(event: Mapping[str, Any]) -> Alarm:
    resources = [r for r in _list(event.get("resources")) if isinstance(r, str)]
    return _from_detail(
        _map(event.get("detail")),
        arn=resources[0] if resources else "",
        region=_str(event.get("region")),
        account=_str(event.get("account")),
        fallback_time=_time(event.get("time")),
    )


def _from_alarm_action(event: Mapping[str, Any]) -> Alarm:
    return _from_detail(
        _map(event.get("alarmData")),
        arn=_str(event.get("alarmArn")),
        region=_str(event.get("region")),
        account=_str(event.get("accountId")),
        fallback_time=_time(event.get("time")),
    )


def _from_detail(
    detail: Mapping[str, Any], *, arn: str, region: str, account: str, fallback_time: datetime | None
) -> Alarm:
    state = _map(detail.get("state"))
    previous = _map(detail.get("previousState"))
    config = _map(detail.get("configuration"))
    reason_data = _reason_data(state.get("reasonData"))
    name = _str(detail.get("alarmName")) or arn.split(":alarm:", 1)[-1] or "unnamed alarm"
    region, partition, account = _where(arn, region=region or None, account=account)
    queries = tuple(_detail_query(_map(m), i) for i, m in enumerate(_list(config.get("metrics"))))
    threshold_metric_id = _str(config.get("thresholdMetricId")) or _band_id(queries)
    children = tuple(
        ChildAlarm(
            arn=_str(child.get("arn")),
            state=AlarmState.parse(_map(child.get("state")).get("value")),
            timestamp=_time(_map(child.get("state")).get("timestamp")),
        )
        for child in _list(reason_data.get("triggeringAlarms"))
        if isinstance(child, Mapping)
    )
    alarm_rule = _str(config.get("alarmRule")) or None
    first = next((q for q in queries if q.period), None)
    return Alarm(
        name=name,
        arn=arn or _alarm_arn(partition, region, account, name),
        kind=_kind(queries, threshold_metric_id, alarm_rule, children),
        state=AlarmState.parse(state.get("value")),
        previous_state=AlarmState.parse(previous.get("value")),
        reason=_str(state.get("reason")),
        changed_at=_time(state.get("timestamp")) or fallback_time or datetime.now(UTC),
        account=account,
        region=region,
        partition=partition,
        description=_str(config.get("description")),
        period=_int(reason_data.get("period")) or (first.period if first else None),
        threshold=_float(reason_data.get("threshold")),
        comparison=_comparison_from_reason(_str(state.get("reason"))),
        queries=queries,
        threshold_metric_id=threshold_metric_id,
        alarm_rule=alarm_rule,
        children=children,
        recent_datapoints=tuple(
            v for v in (_float(x) for x in _list(reason_data.get("recentDatapoints"))) if v is not None
        ),
        tags=_tags(detail.get("alarmTags")),
    )


def _detail_query(entry: Mapping[str, Any], index: int) -> MetricQuery:
    stat = _map(entry.get("metricStat"))
    metric = _map(stat.get("metric"))
    dims = metric.get("dimensions")
    return MetricQuery(
        id=_str(entry.get("id")) or f"q{index + 1}",
        metric=MetricRef(
            namespace=_str(metric.get("namespace")),
            name=_str(metric.get("name")),
            dimensions=tuple(sorted((str(k), _str(v)) for k, v in _map(dims).items())),
        )
        if metric
        else None,
        stat=_str(stat.get("stat")) or None,
        period=_int(stat.get("period")),
        expression=_str(entry.get("expression")) or None,
        label=_str(entry.get("label")) or None,
        return_data=entry.get("returnData") is not False,
    )


# --- small, total helpers: wrong types become empty values, never exceptions --------------------------


def _kind(
    queries: tuple[MetricQuery, ...], band_id: str | None, rule: str | None, children: tuple[ChildAlarm, ...]
) -> AlarmKind:
    if rule or (children and not queries):
        return AlarmKind.COMPOSITE
    if band_id:
        return AlarmKind.ANOMALY
    if any(q.expression for q in queries):
        return AlarmKind.METRIC_MATH
    return AlarmKind.METRIC


_REASON_COMPARISONS = (
    ("greater than or equal to the threshold", "GreaterThanOrEqualToThreshold"),
    ("less than or equal to the threshold", "LessThanOrEqualToThreshold"),
    ("greater than the threshold", "GreaterThanThreshold"),
    ("less than the threshold", "LessThanThreshold"),
    ("outside the band", "LessThanLowerOrGreaterThanUpperThreshold"),
)


def _comparison_from_reason(reason: str) -> str | None:
    """EventBridge and alarm-action events carry no operator; the reason text names it."""
    text = reason.lower().replace("not ", "")
    return next((op for phrase, op in _REASON_COMPARISONS if phrase in text), None)


def _band_id(queries: tuple[MetricQuery, ...]) -> str | None:
    return next((q.id for q in queries if "ANOMALY_DETECTION_BAND" in (q.expression or "").upper()), None)


def _where(arn: str, *, region: str | None, account: str) -> tuple[str, str, str]:
    """(region, partition, account): the ARN is the authority, the message's fields the fallback."""
    parsed = regions.parse_arn(arn)
    if parsed:
        partition, arn_region, arn_account = parsed
        return arn_region or region or "us-east-1", partition, arn_account or account
    region = region or "us-east-1"
    return region, regions.partition_of(region), account


def _alarm_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}"


def _reason_data(raw: object) -> Mapping[str, Any]:
    if isinstance(raw, Mapping):
        return raw
    try:
        return _map(json.loads(raw)) if isinstance(raw, str) else {}
    except ValueError:
        return {}


def _dimensions(raw: object) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in _list(raw):
        item = _map(item)
        name = item.get("name", item.get("Name"))
        if name is not None:
            pairs.append((str(name), _str(item.get("value", item.get("Value")))))
    return tuple(pairs)


def _tags(raw: object) -> tuple[tuple[str, str], ...] | None:
    if isinstance(raw, Mapping):
        return tuple((str(k), _str(v)) for k, v in raw.items())
    return None


def _time(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip().replace(" ", "T", 1)
    if text.endswith(("+0000", "-0000")) or (len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit()):
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _str(raw: object) -> str:
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else json.dumps(raw) if isinstance(raw, dict | list) else str(raw)


def _float(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def _int(raw: object) -> int | None:
    value = _float(raw)
    return int(value) if value is not None else None


def _map(raw: object) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


def _list(raw: object) -> list[Any]:
    return raw if isinstance(raw, list) else []


def _dump(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return json.dumps(raw, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(raw)
