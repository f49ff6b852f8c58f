"""Console deep links: partition domains, JSURL state, Logs Insights queries built from filter patterns."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from bot import console
from bot.alarms import Alarm
from bot.events import parse_event
from tests.support.fixtures import load_event


def alarm(name: str) -> Alarm:
    item = parse_event(load_event(name))[0].item
    assert isinstance(item, Alarm)
    return item


@pytest.mark.parametrize(
    ("fixture", "domain"),
    [
        ("sns_alarm_lambda_errors.json", "https://console.aws.amazon.com/"),
        ("sns_alarm_china_no_arn.json", "https://console.amazonaws.cn/"),
        ("eventbridge_govcloud_insufficient.json", "https://console.amazonaws-us-gov.com/"),
    ],
)
def test_console_domain_follows_the_partition(fixture: str, domain: str) -> None:
    target = alarm(fixture)
    assert console.alarm_url(target).startswith(f"{domain}cloudwatch/home?region={target.region}#alarmsV2:alarm/")
    assert console.xray_map_url(target).startswith(domain)


def test_jsurl_matches_the_reference_encoding() -> None:
    value = {"name": "John Doe", "age": 42, "children": ["Mary", "Bill"], "ok": True, "none": None, "price": "$5"}
    assert console.jsurl(value) == "~(name~'John*20Doe~age~42~children~(~'Mary~'Bill)~ok~true~none~null~price~'!5)"
    assert console.jsurl([]) == "~(~)"


def test_metric_url_carries_namespace_name_and_dimensions() -> None:
    url = console.metric_url(alarm("sns_alarm_lambda_errors.json"))
    assert url is not None
    assert "graph=~(metrics~(~(~'AWS*2fLambda~'Errors~'FunctionName~'orders-api))~region~'us-east-1" in url
    assert console.metric_url(alarm("sns_alarm_composite.json")) is None


def test_alarm_names_are_url_quoted() -> None:
    url = console.alarm_url(alarm("sns_alarm_hostile_text.json"))
    assert "<" not in url and " " not in url and "|" not in url


def test_insights_url_holds_groups_and_query() -> None:
    target = alarm("sns_alarm_lambda_errors.json")
    query = console.insights_query('?ERROR ?"Task timed out"')
    url = console.insights_url(
        target.region, target.partition, ("/aws/lambda/orders-api",), query, target.changed_at, target.changed_at
    )
    fragment = unquote(url.split("#logsV2:logs-insights", 1)[1].replace("$", "%"))
    assert fragment.startswith("?queryDetail=~(end~'2026-11-20T14*3a03*3a11.000Z~start~'")
    assert "source~(~'*2faws*2flambda*2forders-api)" in fragment
    assert "editorString~'fields*20*40timestamp" in fragment


@pytest.mark.parametrize(
    ("pattern", "condition"),
    [
        ("", None),
        ('{ $.level = "ERROR" }', None),
        ("ERROR", '@message like "ERROR"'),
        ("ERROR payment", '@message like "ERROR" and @message like "payment"'),
        (
            '?ERROR ?"timed out" -DEBUG',
            '(@message like "ERROR" or @message like "timed out") and @message not like "DEBUG"',
        ),
        ('"say \\"hi\\""', '@message like "say \\\\\\"hi\\\\\\""'),
    ],
)
def test_filter_patterns_become_insights_conditions(pattern: str, condition: str | None) -> None:
    assert console.insights_filter(pattern) == condition
