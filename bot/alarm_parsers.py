"""CloudWatch alarm payloads → ``Alarm``: the SNS message (PascalCase) and the EventBridge / alarm-action
detail (camelCase), for single-metric, metric-math, anomaly-detection and composite alarms.

Nothing is invented: a region, partition or account comes from the alarm's ARN, else the message's own
fields (a region named in words of any year, ``bot.regions``), else the envelope (``hint``: the SNS topic's
ARN, the SQS queue's, EventBridge's ``region``) — placeholders (``REGION``, ``ACCOUNT_NUMBER``, ``EXAMPLE``)
and malformed ARNs count as absent, a region the message names but we cannot read is not replaced by the
envelope's, and what is still unknown stays "". An unreadable state-change time is kept as given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from bot import regions
from bot.alarms import Alarm, AlarmKind, AlarmState, ChildAlarm, MetricQuery, MetricRef, Suppression
from bot.coerce import items, mapping, moment, number, text, whole

_STAT_NAMES = {
    "SUM": "Sum",
    "AVERAGE": "Average",
    "MINIMUM": "Minimum",
    "MAXIMUM": "Maximum",
    "SAMPLE_COUNT": "SampleCount",
    "SAMPLECOUNT": "SampleCount",
}


# --- SNS alarm message (PascalCase keys) -------------------------------------------------------------


def alarm_from_sns_message(
    msg: Mapping[str, object], received: datetime | None, hint: regions.Where | None = None
) -> Alarm:
    trigger = mapping(msg.get("Trigger"))
    arn = _valid_arn(text(msg.get("AlarmArn")))
    name = text(msg.get("AlarmName")) or "unnamed alarm"
    region, partition, account = _where(
        arn, region=text(msg.get("Region")), account=text(msg.get("AWSAccountId")), hint=hint
    )
    changed_at, time_given = _time(msg.get("StateChangeTime"), received)
    queries = sns_queries(trigger)
    threshold_metric_id = text(trigger.get("ThresholdMetricId")) or _band_id(queries)
    children = tuple(
        ChildAlarm(
            arn=text(child.get("Arn")),
            state=AlarmState.parse(mapping(child.get("State")).get("Value")),
            timestamp=moment(mapping(child.get("State")).get("Timestamp")),
        )
        for child in items(msg.get("TriggeringChildren"))
        if isinstance(child, Mapping)
    )
    alarm_rule = text(msg.get("AlarmRule")) or None
    return Alarm(
        name=name,
        arn=arn or _alarm_arn(partition, region, account, name),
        kind=_kind(queries, threshold_metric_id, alarm_rule, children),
        state=AlarmState.parse(msg.get("NewStateValue")),
        previous_state=AlarmState.parse(msg.get("OldStateValue")),
        reason=text(msg.get("NewStateReason")),
        changed_at=changed_at,
        time_given=time_given,
        account=account,
        region=region,
        partition=partition,
        description=text(msg.get("AlarmDescription")),
        period=whole(trigger.get("Period")),
        threshold=_first_number(trigger.get("Threshold"), _threshold_from_reason(text(msg.get("NewStateReason")))),
        comparison=text(trigger.get("ComparisonOperator")) or None,
        evaluation_periods=whole(trigger.get("EvaluationPeriods")),
        datapoints_to_alarm=whole(trigger.get("DatapointsToAlarm")),
        queries=queries,
        threshold_metric_id=threshold_metric_id,
        alarm_rule=alarm_rule,
        children=children,
        tags=_tags(msg.get("AlarmTags")),
        treat_missing_data=_treat_missing(trigger.get("TreatMissingData")),
    )


def sns_queries(trigger: Mapping[str, object]) -> tuple[MetricQuery, ...]:
    """An SNS alarm message's ``Trigger`` as queries (``DescribeAlarms``' ``MetricAlarms`` share its shape)."""
    if trigger.get("MetricName") and trigger.get("Namespace"):
        statistic = text(trigger.get("Statistic"))
        stat = text(trigger.get("ExtendedStatistic")) or _STAT_NAMES.get(statistic.upper(), statistic or "Average")
        metric = MetricRef(
            namespace=text(trigger.get("Namespace")),
            name=text(trigger.get("MetricName")),
            dimensions=_dimensions(trigger.get("Dimensions")),
        )
        return (MetricQuery(id="m1", metric=metric, stat=stat, period=whole(trigger.get("Period"))),)
    return tuple(_sns_query(mapping(entry), i) for i, entry in enumerate(items(trigger.get("Metrics"))))


def _sns_query(entry: Mapping[str, object], index: int) -> MetricQuery:
    stat = mapping(entry.get("MetricStat"))
    metric = mapping(stat.get("Metric"))
    return MetricQuery(
        id=text(entry.get("Id")) or f"q{index + 1}",
        metric=MetricRef(
            namespace=text(metric.get("Namespace")),
            name=text(metric.get("MetricName")),
            dimensions=_dimensions(metric.get("Dimensions")),
        )
        if metric
        else None,
        stat=text(stat.get("Stat")) or None,
        period=whole(stat.get("Period")) or whole(entry.get("Period")),
        expression=text(entry.get("Expression")) or None,
        label=text(entry.get("Label")) or None,
        return_data=entry.get("ReturnData") is not False,
    )


# --- EventBridge detail / alarm action alarmData (camelCase keys) ------------------------------------


def alarm_from_eventbridge(event: Mapping[str, object], hint: regions.Where | None = None) -> Alarm:
    resources = [r for r in items(event.get("resources")) if isinstance(r, str)]
    return _from_detail(
        mapping(event.get("detail")),
        arn=resources[0] if resources else "",
        region=text(event.get("region")),
        account=text(event.get("account")),
        fallback_time=moment(event.get("time")),
        hint=hint,
    )


def alarm_from_action(event: Mapping[str, object], hint: regions.Where | None = None) -> Alarm:
    """The alarm's Lambda action; also an EventBridge-style sample that carries ``alarmData`` (the Rust
    runtime's composite-with-suppressor fixture): its ARN may be in ``resources``, its account in ``account``."""
    resources = [r for r in items(event.get("resources")) if isinstance(r, str)]
    return _from_detail(
        mapping(event.get("alarmData")),
        arn=text(event.get("alarmArn")) or (resources[0] if resources else ""),
        region=text(event.get("region")),
        account=text(event.get("accountId")) or text(event.get("account")),
        fallback_time=moment(event.get("time")),
        hint=hint,
    )


def _from_detail(
    detail: Mapping[str, object],
    *,
    arn: str,
    region: str,
    account: str,
    fallback_time: datetime | None,
    hint: regions.Where | None,
) -> Alarm:
    state = mapping(detail.get("state"))
    previous = mapping(detail.get("previousState"))
    config = mapping(detail.get("configuration"))
    reason_data = _reason_data(state.get("reasonData"))
    earlier_data = _reason_data(previous.get("reasonData"))  # the alarm's threshold when ours has none
    given_arn = arn
    arn = _valid_arn(arn)
    name = text(detail.get("alarmName")) or given_arn.split(":alarm:", 1)[-1].strip() or "unnamed alarm"
    region, partition, account = _where(arn, region=region, account=account, hint=hint)
    changed_at, time_given = _time(state.get("timestamp"), fallback_time)
    queries = tuple(_detail_query(mapping(m), i) for i, m in enumerate(items(config.get("metrics"))))
    threshold_metric_id = text(config.get("thresholdMetricId")) or _band_id(queries)
    children = tuple(
        ChildAlarm(
            arn=text(child.get("arn")),
            state=AlarmState.parse(mapping(child.get("state")).get("value")),
            timestamp=moment(mapping(child.get("state")).get("timestamp")),
        )
        for child in items(reason_data.get("triggeringAlarms"))
        if isinstance(child, Mapping)
    )
    alarm_rule = text(config.get("alarmRule")) or None
    first = next((q for q in queries if q.period), None)
    return Alarm(
        name=name,
        arn=arn or _alarm_arn(partition, region, account, name),
        kind=_kind(queries, threshold_metric_id, alarm_rule, children),
        state=AlarmState.parse(state.get("value")),
        previous_state=AlarmState.parse(previous.get("value")),
        reason=text(state.get("reason")),
        changed_at=changed_at,
        time_given=time_given,
        account=account,
        region=region,
        partition=partition,
        description=text(config.get("description")),
        period=whole(reason_data.get("period")) or (first.period if first else None),
        threshold=_first_number(
            reason_data.get("threshold"),
            earlier_data.get("threshold"),
            _threshold_from_reason(text(state.get("reason"))),
        ),
        comparison=_comparison_from_reason(text(state.get("reason"))),
        queries=queries,
        threshold_metric_id=threshold_metric_id,
        alarm_rule=alarm_rule,
        children=children,
        recent_datapoints=tuple(
            v for v in (number(x) for x in items(reason_data.get("recentDatapoints"))) if v is not None
        ),
        tags=_tags(detail.get("alarmTags")),
        treat_missing_data=_treat_missing(config.get("treatMissingData")),
        suppression=_suppression(state, previous, config),
    )


def _suppression(
    state: Mapping[str, object], previous: Mapping[str, object], config: Mapping[str, object]
) -> Suppression | None:
    """The composite alarm's action suppression now; when it held the previous state and no longer holds
    this one, ``by`` is "" and ``reason`` says what ended ("Actions suppressed by WaitPeriod", CloudWatch's
    ``actionsSuppressedReason`` of the previous state): CloudWatch runs the actions of the current state then."""
    suppressor = text(config.get("actionsSuppressor"))
    by = text(state.get("actionsSuppressedBy"))
    ended = "" if by else text(previous.get("actionsSuppressedBy"))
    if not (suppressor or by or ended):
        return None
    reason = text(state.get("actionsSuppressedReason"))
    if ended:
        reason = text(previous.get("actionsSuppressedReason")) or f"Actions suppressed by {ended}"
    return Suppression(
        suppressor=suppressor,
        by=by,
        reason=reason,
        wait_period=whole(config.get("actionsSuppressorWaitPeriod")),
        extension_period=whole(config.get("actionsSuppressorExtensionPeriod")),
    )


def _detail_query(entry: Mapping[str, object], index: int) -> MetricQuery:
    stat = mapping(entry.get("metricStat"))
    metric = mapping(stat.get("metric"))
    dims = metric.get("dimensions")
    return MetricQuery(
        id=text(entry.get("id")) or f"q{index + 1}",
        metric=MetricRef(
            namespace=text(metric.get("namespace")),
            name=text(metric.get("name")),
            dimensions=tuple(sorted((str(k), text(v)) for k, v in mapping(dims).items())),
        )
        if metric
        else None,
        stat=text(stat.get("stat")) or None,
        period=whole(stat.get("period")),
        expression=text(entry.get("expression")) or None,
        label=text(entry.get("label")) or None,
        return_data=entry.get("returnData") is not False,
    )


# --- shared by both shapes ---------------------------------------------------------------------------


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


def _where(arn: str, *, region: str, account: str, hint: regions.Where | None) -> tuple[str, str, str]:
    """(region, partition, account): the ARN, else the message's fields, else the envelope; "" if unknown. A
    message that names a region we cannot read keeps it unknown: the envelope's is not the message's."""
    parsed = regions.parse_arn(arn) or regions.Where()
    hint = hint or regions.Where()
    named = regions.region_from_display_name(region) or ""
    envelope = "" if regions.names_a_place(region) else hint.region
    region = parsed.region or named or envelope
    partition = parsed.partition or (regions.partition_of(region) if region else "") or hint.partition or "aws"
    account = parsed.account or (account if regions.is_account(account) else "") or hint.account
    return region, partition, account


def _valid_arn(arn: str) -> str:
    """The alarm ARN when it is a real one; "" for a malformed or placeholder ARN (it names no alarm)."""
    parsed = regions.parse_arn(arn)
    return arn if parsed is not None and regions.is_arn(arn) and ":alarm:" in arn else ""


def _alarm_arn(partition: str, region: str, account: str, name: str) -> str:
    """A stable identity for an alarm whose payload has no usable ARN (it keys the incident, nothing else)."""
    return f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}"


def _time(raw: object, fallback: datetime | None) -> tuple[datetime, str | None]:
    """(moment, None) for a readable time; else (the envelope's time or now — for windows only, the text)."""
    parsed = moment(raw)
    if parsed is not None:
        return parsed, None
    return fallback or datetime.now(UTC), text(raw)


_THRESHOLD_IN_REASON = re.compile(r"the threshold \((-?[0-9.]+(?:[eE][-+]?\d+)?)\)")


def _threshold_from_reason(reason: str) -> float | None:
    """CloudWatch's reason text quotes the threshold: "… was greater than the threshold (3.0) …"."""
    found = _THRESHOLD_IN_REASON.search(reason)
    return number(found.group(1)) if found else None


def _first_number(*candidates: object) -> float | None:
    return next((n for n in (number(c) for c in candidates) if n is not None), None)


def _treat_missing(raw: object) -> str | None:
    """``TreatMissingData``; SNS messages write it as "- TreatMissingData:                    missing"."""
    value = text(raw).strip()
    if value.startswith("-"):
        value = value.split(":", 1)[-1]
    return value.strip() or None


def _reason_data(raw: object) -> Mapping[str, object]:
    if isinstance(raw, Mapping):
        return raw
    try:
        return mapping(json.loads(raw)) if isinstance(raw, str) else {}
    except ValueError:
        return {}


def _dimensions(raw: object) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in items(raw):
        item = mapping(item)
        name = item.get("name", item.get("Name"))
        if name is not None:
            pairs.append((str(name), text(item.get("value", item.get("Value")))))
    return tuple(pairs)


def _tags(raw: object) -> tuple[tuple[str, str], ...] | None:
    if isinstance(raw, Mapping):
        return tuple((str(k), text(v)) for k, v in raw.items())
    return None
