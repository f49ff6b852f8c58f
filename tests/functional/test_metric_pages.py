"""The metric enricher against GetMetricData's documented answers, through botocore's Stubber.

Response bodies follow the shapes of the CloudWatch API Reference: ``GetMetricData`` (``MetricDataResults``,
``NextToken``, ``Messages``) and ``MetricDataResult`` (``Id``, ``Label``, ``Timestamps``, ``Values``,
``StatusCode`` one of Complete | PartialData | InternalError | Forbidden, ``Messages`` of ``{Code, Value}``):
"PartialData means that an incomplete set of data points were returned. You can use the NextToken value that
was returned and repeat your request to get more data points ... InternalError indicates that an error
occurred. Retry your request using NextToken, if present."
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bot.alarms import Alarm
from bot.config import Settings
from bot.enrich.context import Context, SourceFailed
from bot.enrich.metrics import metric_report
from bot.enrich.runner import Enricher
from bot.events import parse_event
from tests.support.enrichment import confirmed_by_cloudwatch
from tests.support.fixtures import load_event
from tests.support.xray import CHANGED_AT

REQUEST = {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": "TimestampAscending"}


def alarm() -> Alarm:
    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(item, Alarm)
    return replace(item, changed_at=CHANGED_AT, tags=())


def minute(n: int) -> Any:
    """The n-th minute before the alarm's state change (the sparkline's right end is n = 0)."""
    return CHANGED_AT.replace(second=0, microsecond=0) - timedelta(minutes=n)


def result(status: str, minutes: list[int], values: list[float], **extra: Any) -> dict[str, Any]:
    return {
        "Id": extra.pop("Id", "errors"),
        "Label": "Errors",
        "Timestamps": [minute(n) for n in minutes],
        "Values": values,
        "StatusCode": status,
        **extra,
    }


def stubbed(*pages: dict[str, Any]) -> Any:
    client = boto3.client("cloudwatch", region_name="us-east-1")
    stubber = Stubber(client)
    for number, page in enumerate(pages):
        expected = dict(REQUEST)
        if number:
            expected["NextToken"] = pages[number - 1]["NextToken"]
        stubber.add_response("get_metric_data", page, expected)
    stubber.activate()
    return client


def report_from(client: Any) -> Any:
    target = alarm()
    pool = ThreadPoolExecutor(2)
    tags = pool.submit(dict)
    context = Context(alarm=target, settings=Settings(), clients=lambda s, r: client, pool=pool, tags=tags)
    return metric_report(context)


def primary_id() -> str:
    primary = alarm().primary
    assert primary is not None
    return primary.id


def test_partial_data_pages_are_followed_so_the_newest_points_are_there() -> None:
    pid = primary_id()
    client = stubbed(
        {"MetricDataResults": [result("PartialData", [29, 20, 10], [1.0, 2.0, 3.0], Id=pid)], "NextToken": "t-1"},
        {"MetricDataResults": [result("Complete", [5, 1, 0], [7.0, 9.0, 12.0], Id=pid)]},
    )
    report = report_from(client)
    assert report.values[-1] == 12.0 and report.values[-2] == 9.0 and report.values[0] == 1.0
    assert sum(v is not None for v in report.values) == 6  # every point of both pages


@pytest.mark.parametrize(
    ("status", "token"),
    [("Forbidden", None), ("InternalError", None)],
)
def test_forbidden_and_internal_errors_fail_the_section_in_aws_words(status: str, token: str | None) -> None:
    pid = primary_id()
    page: dict[str, Any] = {
        "MetricDataResults": [
            result(status, [], [], Id=pid, Messages=[{"Code": status, "Value": "Access to the metric is denied"}])
        ]
    }
    with pytest.raises(
        SourceFailed, match=f"CloudWatch answered {status}: {status} Access to the metric is denied"
    ):
        report_from(stubbed(page))


def test_an_internal_error_with_a_token_is_retried_through_it() -> None:
    pid = primary_id()
    client = stubbed(
        {"MetricDataResults": [result("InternalError", [], [], Id=pid)], "NextToken": "retry-1"},
        {"MetricDataResults": [result("Complete", [0], [4.0], Id=pid)]},
    )
    assert report_from(client).values[-1] == 4.0


def test_a_failed_metric_section_is_a_failure_not_no_datapoints() -> None:
    pid = primary_id()
    page = {
        "MetricDataResults": [result("Forbidden", [], [], Id=pid)],
        "Messages": [{"Code": "Forbidden", "Value": "denied"}],
    }
    client = stubbed(page)
    enrichment = Enricher(Settings(), clients=confirmed_by_cloudwatch(lambda s, r: client, alarm())).enrich(
        alarm()
    )
    assert enrichment.metric.failed and enrichment.metric.note == "CloudWatch answered Forbidden: Forbidden denied"
