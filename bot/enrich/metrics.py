"""Metric enricher: the alarm's metric (or expression) over the last ~30 periods, one slot per period."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.alarms import Alarm, AlarmKind, MetricQuery
from bot.enrich.context import Context, NothingFound
from bot.enrich.model import MetricReport


def metric_report(ctx: Context) -> MetricReport:
    alarm = ctx.alarm
    primary = alarm.primary
    if alarm.kind is AlarmKind.COMPOSITE or primary is None:
        raise NothingFound("composite alarm: its children carry the metrics")
    period = alarm.period or primary.period or 60
    points = ctx.settings.sparkline_points
    end = _floor(alarm.changed_at, period) + timedelta(seconds=period)
    start = end - timedelta(seconds=period * points)
    response = ctx.client("cloudwatch").get_metric_data(
        MetricDataQueries=metric_data_queries(alarm, primary, period),
        StartTime=start,
        EndTime=end,
        ScanBy="TimestampAscending",
    )
    series = next((r for r in response.get("MetricDataResults", []) if r.get("Id") == primary.id), None)
    if not series or not series.get("Values"):
        raise NothingFound(f"no datapoints for {label_of(primary)} in the last {points} periods")
    slots: list[float | None] = [None] * points
    for stamp, value in zip(series["Timestamps"], series["Values"], strict=False):
        index = int((stamp - start).total_seconds() // period)
        if 0 <= index < points:
            slots[index] = float(value)
    return MetricReport(
        label=label_of(primary),
        period=period,
        timestamps=tuple(start + timedelta(seconds=period * i) for i in range(points)),
        values=tuple(slots),
        threshold=alarm.threshold,
        comparison=alarm.comparison,
    )


def metric_data_queries(alarm: Alarm, primary: MetricQuery, period: int) -> list[dict[str, Any]]:
    """GetMetricData queries: every query the primary one needs, with only the primary returned."""
    wanted = alarm.queries if primary.expression else (primary,)
    queries = []
    for query in wanted:
        if query.id == alarm.threshold_metric_id:
            continue  # the anomaly band itself: the threshold line, not the metric
        entry: dict[str, Any] = {"Id": query.id, "ReturnData": query.id == primary.id}
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
