"""Nothing lost, nothing invented: alarm payloads as public projects and the AWS docs publish them
(tests/fixtures/events/README.md names each source), parsed and rendered."""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from bot.alarms import Alarm, AlarmKind
from bot.config import Settings
from bot.enrich.model import Enrichment
from bot.enrich.runner import Enricher
from bot.events import parse_event
from bot.slack.blocks.render import render_alarm
from tests.support.fixtures import load_event


def alarms(name: str | dict[str, Any]) -> list[Alarm]:
    event = load_event(name) if isinstance(name, str) else name
    found = [d.item for d in parse_event(event)]
    assert all(isinstance(a, Alarm) for a in found), found
    return found  # type: ignore[return-value]


def card(alarm: Alarm) -> dict[str, str]:
    blocks = render_alarm(alarm, Enrichment.skipped()).blocks
    out: dict[str, str] = {}
    for block in blocks:
        raw = block.to_dict()
        if raw["type"] in {"section", "header"}:
            out[raw["block_id"]] = raw["text"]["text"]
        elif raw["type"] == "context":
            out[raw["block_id"]] = " ".join(e["text"] for e in raw["elements"])
        elif raw["type"] == "actions":
            out[raw["block_id"]] = " ".join(e["url"] for e in raw["elements"])
    return out


def test_console_metric_math_shows_its_expression_and_inputs_not_only_its_label() -> None:
    first, second = alarms("sns_rust_metric_math_placeholders.json")
    assert first.kind is AlarmKind.METRIC_MATH and first == second  # a batch keeps both records
    summary = card(first)["lookout:summary"]
    assert "Expression1 &gt; 0 for 1 of 1 × 1 min" in summary
    assert "*Expression* `m1*1`" in summary
    assert "• `m1` AWS/EC2 NetworkOut (Average) · InstanceId=TestInstance" in summary


def test_placeholders_are_neither_links_nor_an_account_and_the_region_is_not_guessed() -> None:
    (alarm, _) = alarms("sns_rust_metric_math_placeholders.json")
    assert (alarm.region, alarm.account) == ("", "")  # Region "EXAMPLE", REGION, ACCOUNT_NUMBER, EXAMPLE
    assert "REGION" not in alarm.arn and "ACCOUNT_NUMBER" not in alarm.arn
    rendered = card(alarm)
    assert "lookout:links" not in rendered  # no console link into a region nobody named
    assert "region unknown" in rendered["lookout:context"] and "Account" not in rendered["lookout:context"]
    enrichment = Enricher(Settings(), clients=lambda s, r: (_ for _ in ()).throw(AssertionError(s))).enrich(alarm)
    assert enrichment.metric.note == "the alarm's region is unknown"


def test_a_valid_account_survives_a_placeholder_arn() -> None:
    (alarm,) = alarms("sns_rust_single_metric_placeholders.json")
    assert alarm.account == "123456789012" and alarm.region == ""
    assert "AWS/EC2 NetworkOut (Average) · InstanceId=TestInstance" in card(alarm)["lookout:summary"]


def test_an_aws_cn_topic_gives_region_partition_and_cn_console_links() -> None:
    (alarm,) = alarms("sns_cn_topic_without_region.json")
    assert (alarm.region, alarm.partition, alarm.account) == ("cn-northwest-1", "aws-cn", "123456789012")
    assert all(u.startswith("https://console.amazonaws.cn/") for u in card(alarm)["lookout:links"].split())


def test_region_from_the_sqs_queue_when_the_message_names_none() -> None:
    inner = json.loads(load_event("sns_rust_single_metric_placeholders.json")["Records"][0]["Sns"]["Message"])
    record = {
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "body": json.dumps(inner),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:lookout-alarm-failures",
        "awsRegion": "eu-west-1",
    }
    (alarm,) = alarms({"Records": [record]})
    assert (alarm.region, alarm.partition) == ("eu-west-1", "aws")


def test_an_unreadable_time_is_shown_as_given_and_never_ordered() -> None:
    (alarm,) = alarms("lambda_action_rust_metric_typos.json")  # "2023-08-04T12: 36: 15.490+0000"
    assert not alarm.time_known and alarm.time_given == "2023-08-04T12: 36: 15.490+0000"
    assert "time as given: 2023-08-04T12: 36: 15.490+0000" in card(alarm)["lookout:context"]
    again = alarms("lambda_action_rust_metric_typos.json")[0]
    assert alarm.change_key == again.change_key  # a redelivery is still the same state change
    event = load_event("lambda_action_rust_metric_typos.json")
    event["alarmData"]["state"]["timestamp"] = ""
    event["time"] = ""
    assert "time unknown" in card(alarms(event)[0])["lookout:context"]


def test_an_arn_with_a_space_is_not_linked_and_the_valid_fields_are_used() -> None:
    (alarm,) = alarms("lambda_action_rust_metric_typos.json")  # "us-east-1: 444455556666"
    assert (alarm.region, alarm.account, alarm.name) == ("us-east-1", "444455556666", "lambda-demo-metric-alarm")
    assert " " not in alarm.arn
    assert alarm.threshold == 5.0  # only the previous state's reasonData has it


def test_a_suppressed_composite_says_so_and_does_not_look_like_a_page() -> None:
    (alarm,) = alarms("eventbridge_rust_composite_suppressed.json")
    assert alarm.kind is AlarmKind.COMPOSITE and alarm.suppression is not None
    assert (alarm.suppression.by, alarm.suppression.suppressor) == ("WaitPeriod", "ServiceMaintenanceAlarm")
    rendered = card(alarm)
    assert rendered["lookout:header"].startswith("🔕 ServiceAggregatedAlarm · OK → ALARM (actions suppressed)")
    assert rendered["lookout:summary"].startswith("🔕 *Actions suppressed* — it waits up to 2 min")
    assert "not a live page" in rendered["lookout:summary"]
    (ended,) = alarms("lambda_action_rust_composite.json")  # suppressed before (WaitPeriod), not now
    assert ended.suppression is not None and not ended.suppression.active
    assert card(ended)["lookout:summary"].startswith("🔴 *Suppression ended: actions run now*")
    event = load_event("lambda_action_rust_composite.json")
    del event["alarmData"]["previousState"]["actionsSuppressedBy"]  # never suppressed: only configured
    del event["alarmData"]["previousState"]["actionsSuppressedReason"]
    assert (
        "Actions are suppressed while CompositeDemo.ActionsSuppressor is in ALARM"
        in card(alarms(event)[0])["lookout:summary"]
    )


def test_m_of_n_without_datapoints_to_alarm_and_treat_missing_data() -> None:
    (alarm,) = alarms("sns_rust_single_metric_placeholders.json")
    assert alarm.treat_missing_data == "missing" and alarm.datapoints_to_alarm is None
    summary = card(alarm)["lookout:summary"]
    assert "for 1 of 1 × 1 min" in summary and "missing data" not in summary  # the default is not news
    event = deepcopy(load_event("sns_rust_single_metric_placeholders.json"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["Trigger"].update(TreatMissingData="breaching", EvaluationPeriods=5)
    del message["Trigger"]["Threshold"]  # the reason text still quotes it
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    (changed,) = alarms(event)
    summary = card(changed)["lookout:summary"]
    assert "NetworkOut (Average) &gt; 0 for 5 of 5 × 1 min · missing data: breaching" in summary


def test_no_placeholder_word_when_there_is_no_trigger() -> None:
    event = deepcopy(load_event("sns_rust_single_metric_placeholders.json"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    del message["Trigger"]
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    (alarm,) = alarms(event)
    first_line = card(alarm)["lookout:summary"].splitlines()[0]
    assert first_line == "*ALARM*"
