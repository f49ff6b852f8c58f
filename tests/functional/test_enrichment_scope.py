"""Who decides what Lookout reads (issue #26.1): only alarms CloudWatch confirms are enriched, with CloudWatch's
metrics, never the notification's; tags carried in a notification never steer a read; a tag names only groups
under the configured prefixes; other regions only when configured. moto plays CloudWatch and CloudWatch Logs
(DescribeAlarms, ListTagsForResource, FilterLogEvents as the API reference documents them)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from bot.alarms import Alarm
from bot.aws import Clients
from bot.config import Settings
from bot.enrich.runner import Enricher
from bot.events import parse_event
from bot.slack.blocks.render import render_alarm
from tests.support.fixtures import load_event

if TYPE_CHECKING:
    from collections.abc import Iterator

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)
PAYROLL = "ERROR payout failed IBAN DE89370400440532013000 salary 123456"


@pytest.fixture
def clients() -> Iterator[Clients]:
    with mock_aws():
        for group, line in (("/aws/lambda/payroll", PAYROLL), ("/aws/lambda/orders-api", "ERROR charge failed")):
            logs = boto3.client("logs", region_name="us-east-1")
            logs.create_log_group(logGroupName=group)
            logs.create_log_stream(logGroupName=group, logStreamName="s")
            stamp = int((NOW - timedelta(seconds=30)).timestamp() * 1000)
            logs.put_log_events(
                logGroupName=group, logStreamName="s", logEvents=[{"timestamp": stamp, "message": line}]
            )
        yield Clients("us-east-1")


def notified(function: str = "orders-api", **changes: Any) -> Alarm:
    """The Lambda errors alarm as SNS delivers it (AWS's documented message), naming ``function``."""
    alarm = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(alarm, Alarm)
    query = alarm.queries[0]
    assert query.metric is not None
    metric = replace(query.metric, dimensions=(("FunctionName", function),))
    return replace(alarm, changed_at=NOW, queries=(replace(query, metric=metric),), **changes)


def existing(alarm: Alarm, function: str, tags: dict[str, str] | None = None) -> Alarm:
    """``alarm`` as it exists in CloudWatch (moto), watching ``function``; its ARN is moto's."""
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    cloudwatch.put_metric_alarm(
        AlarmName=alarm.name,
        MetricName="Errors",
        Namespace="AWS/Lambda",
        Dimensions=[{"Name": "FunctionName", "Value": function}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=3,
        ComparisonOperator="GreaterThanThreshold",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )
    arn = cloudwatch.describe_alarms(AlarmNames=[alarm.name])["MetricAlarms"][0]["AlarmArn"]
    return replace(alarm, arn=arn, account=arn.split(":")[4])


def shown(alarm: Alarm, clients: Clients, settings: Settings | None = None) -> str:
    enrichment = Enricher(settings or Settings(), clients).enrich(alarm)
    return json.dumps([block.to_dict() for block in render_alarm(alarm, enrichment).blocks])


def test_a_notification_of_an_alarm_cloudwatch_does_not_have_is_not_enriched(clients: Clients) -> None:
    # GIVEN someone publishes a made-up alarm naming the payroll function, its tags pointing there too
    forged = notified("payroll", tags=(("lookout:log-groups", "/aws/lambda/payroll"),))
    # THEN the card is posted without anything read for it, and says why
    card = shown(forged, clients, Settings(log_group_prefixes=("/aws/lambda/",)))
    assert "IBAN" not in card and "salary" not in card and "payout" not in card
    assert "not enriched: CloudWatch has no alarm" in card


def test_a_real_alarms_notification_with_forged_metrics_is_enriched_with_cloudwatchs(clients: Clients) -> None:
    # GIVEN a real alarm on orders-api, and a notification that names it but the payroll function
    forged = existing(notified("payroll"), "orders-api")
    # THEN what is read is the alarm's own function's, as CloudWatch has it
    card = shown(forged, clients)
    assert "salary" not in card and "charge failed" in card and "/aws/lambda/orders-api" in card


def test_an_alarm_of_another_account_is_not_enriched(clients: Clients) -> None:
    real = existing(notified(), "orders-api")
    elsewhere = replace(real, arn=real.arn.replace(real.account, "999999999999"), account="999999999999")
    card = shown(elsewhere, clients)
    assert "charge failed" not in card and "not enriched: CloudWatch has no alarm" in card


def test_a_tag_names_a_log_group_only_under_the_configured_prefixes(clients: Clients) -> None:
    # GIVEN a real alarm on orders-api that someone tagged with the payroll group
    tagged = existing(notified(), "orders-api", {"lookout:log-groups": "/aws/lambda/payroll"})
    # THEN with no prefixes configured (the default) the tag names nothing: the alarm's own group is read
    card = shown(tagged, clients)
    assert "salary" not in card and "charge failed" in card and "tagged outside the prefixes" in card
    # AND with the prefix configured, the tag is followed
    assert "salary" in shown(tagged, clients, Settings(log_group_prefixes=("/aws/lambda/pay",)))


def test_an_alarm_of_another_region_is_enriched_only_when_configured(clients: Clients) -> None:
    real = existing(notified(), "orders-api")
    west = replace(real, region="us-west-2", arn=real.arn.replace("us-east-1", "us-west-2"))
    assert "not enriched: the alarm is in us-west-2" in shown(west, clients)
    # configured: CloudWatch of us-west-2 is asked (moto has no such alarm there: it is not confirmed either)
    assert "CloudWatch has no alarm" in shown(west, clients, Settings(enrich_regions=("us-west-2",)))


def test_the_tags_to_route_by_are_told_early_and_are_the_enrichments_own(clients: Clients) -> None:
    # GIVEN a real alarm with Lookout's routing tags in CloudWatch, and a made-up one carrying its own tags
    real = existing(notified(), "orders-api", {"lookout:severity": "sev1", "lookout:channel": "#payments"})
    forged = notified("payroll", tags=(("lookout:channel", "#general"),))
    for alarm, expected in ((real, {"lookout:severity": "sev1", "lookout:channel": "#payments"}), (forged, {})):
        heard: list[tuple[tuple[str, str], ...]] = []
        enrichment = Enricher(Settings(), clients).enrich(alarm, routed=heard.append)
        # THEN the early word is what the enrichment carries: CloudWatch's tags of a confirmed alarm, none
        # read for one CloudWatch does not have (the lifecycle then routes by the event's, as without it)
        assert heard and all(dict(h) == expected for h in heard)
        assert dict(enrichment.tags) == expected
