"""Event intake: every delivery kind and alarm kind parses into one Alarm value; the rest into notifications."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.alarms import Alarm, AlarmKind, AlarmState, Notification
from bot.events import NotAnEvent, parse_event, parse_json_text
from tests.support.fixtures import event_names, load_event


def only_alarm(name: str) -> Alarm:
    deliveries = parse_event(load_event(name))
    assert len(deliveries) == 1
    item = deliveries[0].item
    assert isinstance(item, Alarm)
    return item


def test_sns_single_metric_alarm() -> None:
    alarm = only_alarm("sns_alarm_lambda_errors.json")
    assert alarm.kind is AlarmKind.METRIC
    assert (alarm.name, alarm.state, alarm.previous_state) == (
        "orders-api-errors",
        AlarmState.ALARM,
        AlarmState.OK,
    )
    assert (alarm.region, alarm.partition, alarm.account) == ("us-east-1", "aws", "111122223333")
    assert alarm.changed_at == datetime(2026, 11, 20, 14, 3, 11, 470000, tzinfo=UTC)
    assert alarm.threshold == 3.0 and alarm.comparison == "GreaterThanThreshold"
    (query,) = alarm.queries
    assert query.stat == "Sum"  # SNS says "SUM"; GetMetricData wants "Sum"
    assert query.metric is not None and query.metric.dimension("FunctionName") == "orders-api"


def test_sns_extended_statistic() -> None:
    alarm = only_alarm("sns_alarm_custom_metric.json")
    assert alarm.queries[0].stat == "p95"
    assert alarm.queries[0].metric is not None and alarm.queries[0].metric.namespace == "Backbone Issue Sync"


def test_sns_metric_math() -> None:
    alarm = only_alarm("sns_alarm_metric_math.json")
    assert alarm.kind is AlarmKind.METRIC_MATH
    assert [q.id for q in alarm.queries] == ["e1", "errors", "invocations"]
    assert alarm.primary is not None and alarm.primary.expression == "100*errors/invocations"
    assert len(alarm.metrics) == 2


def test_sns_anomaly_detection_maps_region_display_name() -> None:
    alarm = only_alarm("sns_alarm_anomaly_detection.json")
    assert alarm.kind is AlarmKind.ANOMALY
    assert alarm.threshold_metric_id == "ad1"
    assert alarm.primary is not None and alarm.primary.id == "m1"  # the band's input, not the band
    assert alarm.region == "eu-central-1"


def test_sns_composite() -> None:
    alarm = only_alarm("sns_alarm_composite.json")
    assert alarm.kind is AlarmKind.COMPOSITE
    assert alarm.alarm_rule and "orders-api-error-rate" in alarm.alarm_rule
    assert [c.name for c in alarm.children] == ["orders-api-errors"]
    assert alarm.children[0].state is AlarmState.ALARM


def test_china_region_from_display_name_without_arn() -> None:
    alarm = only_alarm("sns_alarm_china_no_arn.json")
    assert (alarm.region, alarm.partition) == ("cn-northwest-1", "aws-cn")
    assert alarm.arn == "arn:aws-cn:cloudwatch:cn-northwest-1:210987654321:alarm:cn-orders-errors"


def test_eventbridge_alarm() -> None:
    alarm = only_alarm("eventbridge_alarm_state_change.json")
    assert alarm.kind is AlarmKind.METRIC
    assert alarm.threshold == 0.0 and alarm.comparison == "GreaterThanThreshold"
    assert alarm.recent_datapoints == (12.0,)
    assert (
        alarm.queries[0].metric is not None and alarm.queries[0].metric.dimension("FunctionName") == "orders-api"
    )


def test_eventbridge_govcloud_insufficient_data() -> None:
    alarm = only_alarm("eventbridge_govcloud_insufficient.json")
    assert alarm.state is AlarmState.INSUFFICIENT_DATA
    assert (alarm.partition, alarm.region, alarm.account) == ("aws-us-gov", "us-gov-west-1", "444455556666")
    assert alarm.period == 300


def test_eventbridge_composite_children_from_reason_data() -> None:
    alarm = only_alarm("eventbridge_composite.json")
    assert alarm.kind is AlarmKind.COMPOSITE
    assert [c.name for c in alarm.children] == ["orders-api-errors", "payments-latency"]


def test_eventbridge_wrapped_in_sns_keeps_propagated_tags() -> None:
    (delivery,) = parse_event(load_event("sns_wrapped_eventbridge.json"))
    assert isinstance(delivery.item, Alarm)
    assert delivery.via == "sns/eventbridge"
    assert dict(delivery.item.tags or ())["lookout:log-groups"] == "/aws/lambda/orders-api"


def test_alarm_action() -> None:
    alarm = only_alarm("lambda_alarm_action.json")
    assert (alarm.region, alarm.name, alarm.threshold) == ("eu-west-1", "orders-queue-age", 600.0)
    assert alarm.queries[0].stat == "Maximum"


def test_alarm_action_metric_math_ok() -> None:
    alarm = only_alarm("lambda_alarm_action_metric_math_ok.json")
    assert alarm.kind is AlarmKind.METRIC_MATH
    assert (alarm.previous_state, alarm.state) == (AlarmState.ALARM, AlarmState.OK)
    assert alarm.comparison == "GreaterThanOrEqualToThreshold"


def test_sqs_record_with_sns_envelope() -> None:
    alarm = only_alarm("sqs_on_failure_record.json")
    assert alarm.name == "orders-api-errors"


def test_multi_record_batch_keeps_every_record_in_order() -> None:
    items = [d.item for d in parse_event(load_event("sns_multi_record.json"))]
    assert [type(i).__name__ for i in items] == ["Alarm", "Notification", "Notification", "Notification"]
    broken = items[2]
    assert isinstance(broken, Notification) and broken.problem and broken.problem.startswith("broken JSON")
    assert isinstance(items[1], Notification) and items[1].problem is None


@pytest.mark.parametrize("name", event_names())
def test_every_fixture_parses(name: str) -> None:
    assert parse_event(load_event(name))


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"Records": [None, 5, "x", {"Sns": None}]},
        {"Records": [{"Sns": {"Message": 42}}]},
        {"Records": [{"Sns": {"Message": json.dumps({"AlarmName": [], "NewStateValue": {}, "Trigger": "x"})}}]},
        {
            "Records": [
                {
                    "Sns": {
                        "Message": json.dumps(
                            {
                                "AlarmName": "a",
                                "NewStateValue": "ALARM",
                                "Trigger": {"Metrics": [1, None, {"MetricStat": 3}]},
                            }
                        )
                    }
                }
            ]
        },
        {"detail-type": "CloudWatch Alarm State Change", "detail": {"state": "ALARM", "configuration": []}},
        {"alarmData": {"state": {"value": "ALARM", "reasonData": "{bad"}, "configuration": {"metrics": "nope"}}},
        {
            "Records": [
                {
                    "Sns": {
                        "Message": json.dumps(
                            {
                                "AlarmName": "a",
                                "NewStateValue": "ALARM",
                                "Trigger": {"Threshold": 1e400, "Period": "sixty"},
                                "StateChangeTime": "yesterday",
                            }
                        )
                    }
                }
            ]
        },
    ],
)
def test_wrongly_typed_fields_never_raise(event: dict[str, object]) -> None:
    assert parse_event(event)


def test_not_an_event() -> None:
    with pytest.raises(NotAnEvent, match="JSON object"):
        parse_event([1, 2])
    with pytest.raises(NotAnEvent, match="not JSON"):
        parse_json_text("hello")


def test_a_lone_surrogate_in_an_alarm_name_cannot_stop_its_post() -> None:
    # GIVEN an alarm name carrying a lone UTF-16 surrogate ("\ud800" in JSON), which no UTF-8 text can hold
    message = load_event("sns_alarm_lambda_errors.json")["Records"][0]["Sns"]["Message"]
    hostile = message.replace('"AlarmName":"', '"AlarmName":"\\ud800', 1).replace(
        '"AlarmName": "', '"AlarmName": "\\ud800', 1
    )
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": hostile, "MessageId": "m-\ud800"}}]}
    (delivery,) = parse_event(event)
    # THEN the name is readable, hashable and postable: the surrogate became U+FFFD
    alarm = delivery.item
    assert isinstance(alarm, Alarm) and alarm.name.startswith("\ufffd")
    alarm.change_key.encode()
    json.dumps(delivery.message_id).encode()
