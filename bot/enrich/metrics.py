"""Metric enricher: the alarm's metric (or expression) over the last ~30 periods, one slot per period.

``GetMetricData`` pages: ``PartialData`` means more datapoints behind ``NextToken`` (followed, within a page
budget); ``InternalError`` is retried through ``NextToken`` when one is given; ``Forbidden``, or an
``InternalError`` without one, fails the section with AWS's message — never "no datapoints".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.alarms import Alarm, AlarmKind, MetricQuery
from bot.enrich.context import Context, NothingFound, SourceFailed
from bot.enrich.model import MetricReport

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.type_defs import (
        GetMetricDataInputTypeDef,
        GetMetricDataOutputTypeDef,
        MetricDataQueryTypeDef,
        MetricDataResultTypeDef,
    )

MAX_PAGES = 5
"""30 datapoints of one series fit one page; the budget covers PartialData answers without running on."""


def metric_report(ctx: Context) -> MetricReport:
    alarm = ctx.alarm
    primary = alarm.primary
    if alarm.kind is AlarmKind.COMPOSITE:
        raise NothingFound("composite alarm: its children carry the metrics")
    if alarm.kind is AlarmKind.LOG_ERROR:
        raise NothingFound("error lines have no metric: the count is above, the lines below")
    if primary is None:
        raise NothingFound("the notification names no metric")
    period = alarm.period or primary.period or 60
    points = ctx.settings.sparkline_points
    end = _floor(alarm.changed_at, period) + timedelta(seconds=period)
    start = end - timedelta(seconds=period * points)
    request: GetMetricDataInputTypeDef = {
        "MetricDataQueries": metric_data_queries(alarm, primary, period),
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }
    slots: list[float | None] = [None] * points
    found = False
    for _ in range(MAX_PAGES):
        response = ctx.client("cloudwatch").get_metric_data(**request)
        found_series = (r for r in response.get("MetricDataResults", []) if r.get("Id") == primary.id)
        series: MetricDataResultTypeDef = next(found_series, None) or {}
        status = str(series.get("StatusCode") or "Complete")
        token = response.get("NextToken")
        if status == "Forbidden" or (status == "InternalError" and not token):
            raise SourceFailed(f"CloudWatch answered {status}: {_messages(series, response)}")
        for stamp, value in zip(series.get("Timestamps", []), series.get("Values", []), strict=False):
            index = int((stamp - start).total_seconds() // period)
            if 0 <= index < points:
                slots[index] = float(value)
                found = True
        if not token:
            break
        request["NextToken"] = token
    if not found:
        raise NothingFound(f"no datapoints for {label_of(primary)} in the last {points} periods")
    return MetricReport(
        label=label_of(primary),
        period=period,
        timestamps=tuple(start + timedelta(seconds=period * i) for i in range(points)),
        values=tuple(slots),
        threshold=alarm.threshold,
        comparison=alarm.comparison,
    )


def _messages(series: MetricDataResultTypeDef, response: GetMetricDataOutputTypeDef) -> str:
    """AWS's own words: the result's messages, else the operation's."""
    messages = series.get("Messages") or response.get("Messages") or []
    words = "; ".join(f"{m.get('Code', '')} {m.get('Value', '')}".strip() for m in messages)
    return words or "no message"


def metric_data_queries(alarm: Alarm, primary: MetricQuery, period: int) -> list[MetricDataQueryTypeDef]:
    """GetMetricData queries: every query the primary one needs, with only the primary returned."""
    wanted = alarm.queries if primary.expression else (primary,)
    queries = []
    for query in wanted:
        if query.id == alarm.threshold_metric_id:
            continue  # the anomaly band itself: the threshold line, not the metric
        entry: MetricDataQueryTypeDef = {"Id": query.id, "ReturnData": query.id == primary.id}
        if query.expression:
            entry["Expression"] = query.expression
        elif query.metric:
            entry["MetricStat"] = {
                "Metric": {
                    "Namespace": query.metric.namespace,
                    "MetricName": query.metric.name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in query.metric.dimensions],
                },
                "Period": query.period or period,
                "Stat": query.stat or "Average",
            }
        else:
            continue
        if query.label:
            entry["Label"] = query.label
        queries.append(entry)
    return queries


def label_of(query: MetricQuery) -> str:
    if query.label:
        return query.label
    if query.metric:
        return f"{query.metric.name} ({query.stat or 'Average'})"
    return query.expression or query.id


def _floor(moment: datetime, period: int) -> datetime:
    seconds = int(moment.timestamp())
    return datetime.fromtimestamp(seconds - seconds % period, tz=moment.tzinfo)
