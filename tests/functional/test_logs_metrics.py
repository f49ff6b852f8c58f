"""Logs and metric enrichers against moto (faithful for log plumbing, metric filters, tags and metric data).

moto ignores most filter patterns, so the tests assert on the pattern the bot *sent*, not on moto's matching.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from bot.alarms import Alarm
from bot.aws import Clients
from bot.config import Settings
from bot.enrich.context import Context, NothingFound, alarm_tags
from bot.enrich.logs import DEFAULT_PATTERN, log_report
from bot.enrich.metrics import metric_report
from bot.events import parse_event
from tests.support.fixtures import load_event

if TYPE_CHECKING:
    from collections.abc import Iterator

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2)


CLIENTS = Clients("us-east-1")


@pytest.fixture
def moto() -> Iterator[None]:
    global CLIENTS
    with mock_aws():
        CLIENTS = Clients("us-east-1")  # the bot's clients, fresh for each test (as a new container's)
        yield


def alarm(name: str, **changes: Any) -> Alarm:
    item = parse_event(load_event(name))[0].item
    assert isinstance(item, Alarm)
    return replace(item, changed_at=NOW, **changes)


def context(target: Alarm, settings: Settings | None = None) -> Context:
    pool = ThreadPoolExecutor(8)
    return Context(
        alarm=target,
        settings=settings or Settings(),
        clients=CLIENTS,
        pool=pool,
        tags=pool.submit(alarm_tags, target, CLIENTS),
    )


def put_lines(group: str, lines: list[tuple[int, str]]) -> None:
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s1",
        logEvents=[
            {"timestamp": int((NOW - timedelta(seconds=ago)).timestamp() * 1000), "message": m} for ago, m in lines
        ],
    )


def sent_patterns() -> list[str]:
    sent: list[str] = []
    CLIENTS("logs", "us-east-1").meta.events.register(
        "provide-client-params.logs.FilterLogEvents",
        lambda params, **_: sent.append(params.get("filterPattern", "")),
    )
    return sent


def test_lambda_convention_newest_lines_first_and_redacted(moto: None) -> None:
    lines = [(200 - i, f"ERROR request {i} failed") for i in range(15)]
    lines.append((5, "ERROR auth failed token=xoxb-1234567890-abcdefghijkl for bob@example.com"))
    put_lines("/aws/lambda/orders-api", lines)
    sent = sent_patterns()
    report = log_report(context(alarm("sns_alarm_lambda_errors.json")))
    assert report.found_by == "convention" and report.groups == ("/aws/lambda/orders-api",)
    assert set(sent) == {DEFAULT_PATTERN}  # once per time slice, newest slice first
    assert len(report.lines) == 10
    assert report.lines[0].message.startswith("ERROR auth failed token=[REDACTED")
    assert "bob@example.com" not in report.lines[0].message
    assert report.lines[1].message == "ERROR request 14 failed"
    assert [line.timestamp for line in report.lines] == sorted(
        (line.timestamp for line in report.lines), reverse=True
    )


def test_lines_outside_the_alarm_window_are_left_out(moto: None) -> None:
    put_lines("/aws/lambda/orders-api", [(3 * 3600, "ERROR long ago"), (30, "ERROR just now")])
    report = log_report(context(alarm("sns_alarm_lambda_errors.json")))
    assert [line.message for line in report.lines] == ["ERROR just now"]


def test_metric_filter_gives_group_and_pattern(moto: None) -> None:
    put_lines("/app/sync-worker", [(10, '{"level": "ERROR", "msg": "sync failed"}')])
    boto3.client("logs").put_metric_filter(
        logGroupName="/app/sync-worker",
        filterName="sync-errors",
        filterPattern='{ $.level = "ERROR" }',
        metricTransformations=[
            {"metricName": "sync_error", "metricNamespace": "Backbone/IssueSync", "metricValue": "1"}
        ],
    )
    sent = sent_patterns()
    target = alarm("sns_alarm_custom_metric.json")
    query = target.queries[0]
    assert query.metric is not None
    target = replace(
        target, queries=(replace(query, metric=replace(query.metric, namespace="Backbone/IssueSync")),)
    )
    report = log_report(context(target))
    assert (report.found_by, report.groups) == ("metric filter", ("/app/sync-worker",))
    assert set(sent) == {'{ $.level = "ERROR" }'}
    assert report.lines[0].message == '{"level": "ERROR", "msg": "sync failed"}'


def tagged(target: Alarm, tags: dict[str, str]) -> Alarm:
    """``target`` as an alarm that exists in CloudWatch (moto) with ``tags``: its ARN is moto's."""
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=target.name,
        MetricName="Errors",
        Namespace="AWS/Lambda",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=3,
        ComparisonOperator="GreaterThanThreshold",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    arn = cloudwatch.describe_alarms(AlarmNames=[target.name])["MetricAlarms"][0]["AlarmArn"]
    return replace(target, arn=arn)


def test_tags_win_over_conventions(moto: None) -> None:
    put_lines("/ecs/orders", [(10, "WARN slow payment")])
    put_lines("/aws/lambda/orders-api", [(10, "ERROR x")])
    target = tagged(
        alarm("sns_alarm_lambda_errors.json"), {"lookout:log-groups": "/ecs/orders", "lookout:log-filter": "WARN"}
    )
    sent = sent_patterns()
    report = log_report(context(target, Settings(log_group_prefixes=("/ecs/",))))
    assert (report.found_by, report.groups, set(sent)) == ("tags", ("/ecs/orders",), {"WARN"})
    # AND without prefixes configured (the default), a tag names no group: the alarm's own function's is read
    assert log_report(context(target)).groups == ("/aws/lambda/orders-api",)


def test_cloudwatchs_tags_win_over_tags_carried_in_the_event(moto: None) -> None:
    put_lines("/ecs/orders", [(10, "ERROR slow payment")])
    put_lines("/secret/payroll", [(10, "ERROR salary of jane")])
    # GIVEN an event whose tags disagree with the alarm's tags in CloudWatch
    target = tagged(alarm("sns_alarm_lambda_errors.json"), {"lookout:log-groups": "/ecs/orders"})
    forged = replace(target, tags=(("lookout:log-groups", "/secret/payroll"),))
    # THEN CloudWatch is right
    assert log_report(context(forged, Settings(log_group_prefixes=("/",)))).groups == ("/ecs/orders",)


def test_the_events_tags_never_steer_what_is_read_even_when_cloudwatchs_cannot_be_read(moto: None) -> None:
    from botocore.exceptions import ClientError

    put_lines("/ecs/orders", [(10, "ERROR slow payment")])
    put_lines("/aws/lambda/orders-api", [(10, "ERROR x")])
    target = replace(alarm("sns_alarm_lambda_errors.json"), tags=(("lookout:log-groups", "/ecs/orders"),))

    def denied(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListTagsForResource")

    CLIENTS("cloudwatch", "us-east-1").meta.events.register("before-call.cloudwatch.ListTagsForResource", denied)
    assert log_report(context(target, Settings(log_group_prefixes=("/",)))).groups == ("/aws/lambda/orders-api",)


def test_log_groups_outside_the_allowed_prefixes_are_never_read(moto: None) -> None:
    put_lines("/aws/lambda/orders-api", [(10, "ERROR charge failed")])
    put_lines("/secret/payroll", [(10, "ERROR salary of jane")])
    allowed = Settings(log_group_prefixes=("/aws/lambda/",))
    # GIVEN whoever can tag an alarm points it at another team's log group
    both = tagged(
        alarm("sns_alarm_lambda_errors.json"), {"lookout:log-groups": "/secret/payroll,/aws/lambda/orders-api"}
    )
    report = log_report(context(both, allowed))
    # THEN only the allowed group is read, and the card says one was skipped
    assert report.groups == ("/aws/lambda/orders-api",) and "salary" not in str(report.lines)
    assert "1 tagged outside the prefixes Lookout may read" in report.found_by
    boto3.client("cloudwatch").delete_alarms(AlarmNames=[both.name])
    only = tagged(alarm("sns_alarm_lambda_errors.json"), {"lookout:log-groups": "/secret/payroll"})
    report = log_report(context(only, allowed))  # the alarm's own function's group instead, saying why
    assert report.groups == ("/aws/lambda/orders-api",) and "tagged outside the prefixes" in report.found_by


def test_no_group_found(moto: None) -> None:
    with pytest.raises(NothingFound, match="no log group"):
        log_report(context(alarm("lambda_alarm_action.json")))
    with pytest.raises(NothingFound, match="no log group"):  # a namespace no metric filter can write to
        log_report(context(alarm("sns_alarm_custom_metric.json")))


def test_at_most_max_groups_are_read(moto: None) -> None:
    groups = [f"/g/{i}" for i in range(8)]
    for group in groups:
        put_lines(group, [(10, f"ERROR in {group}")])
    target = tagged(alarm("sns_alarm_lambda_errors.json"), {"lookout:log-groups": ",".join(groups)})
    report = log_report(context(target, Settings(max_log_groups=5, log_group_prefixes=("/g/",))))
    assert report.groups == tuple(groups[:5]) and len(report.lines) == 5


def test_metric_values_fill_one_slot_per_period(moto: None) -> None:
    cloudwatch = boto3.client("cloudwatch")
    minute = NOW.replace(second=0)
    cloudwatch.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": "orders-api"}],
                "Timestamp": minute - timedelta(minutes=m),
                "Value": v,
            }
            for m, v in ((0, 9.0), (1, 7.0), (5, 1.0))
        ],
    )
    report = metric_report(context(alarm("sns_alarm_lambda_errors.json")))
    assert len(report.values) == 30 and report.period == 60
    assert report.values[-1] == 9.0 and report.values[-2] == 7.0 and report.values[-6] == 1.0
    assert report.values[-3] is None
    assert (report.threshold, report.latest, report.label) == (3.0, 9.0, "Errors (Sum)")


def test_metric_math_returns_the_expression(moto: None) -> None:
    cloudwatch = boto3.client("cloudwatch")
    minute = NOW.replace(second=0)
    dims = [{"Name": "FunctionName", "Value": "orders-api"}]
    cloudwatch.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {"MetricName": "Errors", "Dimensions": dims, "Timestamp": minute, "Value": 5.0},
            {"MetricName": "Invocations", "Dimensions": dims, "Timestamp": minute, "Value": 50.0},
        ],
    )
    sent: list[dict[str, Any]] = []
    CLIENTS("cloudwatch", "us-east-1").meta.events.register(
        "provide-client-params.cloudwatch.GetMetricData", lambda params, **_: sent.append(params)
    )
    try:
        report = metric_report(context(alarm("sns_alarm_metric_math.json")))
        assert report.label == "Error rate (%)"
    except NothingFound:
        pass  # moto evaluates only some expressions; what matters is the query the bot sent
    queries = sent[0]["MetricDataQueries"]
    assert [(q["Id"], q["ReturnData"]) for q in queries] == [
        ("e1", True),
        ("errors", False),
        ("invocations", False),
    ]
    assert queries[0]["Expression"] == "100*errors/invocations"


def test_composite_has_no_metric(moto: None) -> None:
    with pytest.raises(NothingFound, match="composite"):
        metric_report(context(alarm("sns_alarm_composite.json")))
