"""Logs enricher: find the log groups behind an alarm and fetch the newest matching lines of its window.

Groups are found, in this order, from the alarm's tags (``lookout:log-groups``, ``lookout:log-filter``), the
metric filter that produces the alarm's metric, and naming conventions (Lambda → ``/aws/lambda/<name>``).
"""

from __future__ import annotations

import re
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.enrich.context import TAG_LOG_FILTER, TAG_LOG_GROUPS, Context, NothingFound, split_list
from bot.enrich.model import LogLine, LogReport
from bot.text import one_line, redact, window

_FILTER_NAMESPACE = re.compile(r"[0-9A-Za-z.\-_/#:]{1,255}")
DEFAULT_PATTERN = '?ERROR ?Error ?error ?Exception ?"Task timed out" ?Traceback'
MAX_PAGES = 10
PAGE_LIMIT = 1000
LINE_CHARS = 300


def log_report(ctx: Context) -> LogReport:
    alarm = ctx.alarm
    logs = ctx.client("logs")
    from_filters = ctx.pool.submit(_metric_filter_groups, logs, alarm.metrics)  # runs while tags are read
    sources, found_by = _groups(ctx, from_filters)
    allowed = ctx.settings.log_group_prefixes
    readable = [source for source in sources if not allowed or source[0].startswith(allowed)]
    if len(readable) < len(sources):  # a tag must not make Lookout read (and post) any log group
        if not readable:
            raise NothingFound(f"the log groups found by {found_by} are outside the prefixes Lookout may read")
        found_by += f"; {len(sources) - len(readable)} outside the prefixes Lookout may read, skipped"
    sources = readable[: ctx.settings.max_log_groups]
    if not sources:
        raise NothingFound("no log group is tagged, filtered or named after this alarm's metric")
    start, end = log_window(alarm.changed_at, alarm.period, alarm.evaluation_periods)
    keep = ctx.settings.log_lines
    fetches = [
        ctx.pool.submit(_newest_events, logs, group, pattern, start, end, keep) for group, pattern in sources
    ]
    events = [
        (group, event) for (group, _), fetch in zip(sources, fetches, strict=True) for event in fetch.result()
    ]
    events.sort(key=lambda item: (item[1].get("timestamp") or 0, item[1].get("eventId") or ""), reverse=True)
    lines = tuple(
        LogLine(
            timestamp=datetime.fromtimestamp((event.get("timestamp") or 0) / 1000, tz=UTC),
            group=group,
            message=trim(str(event.get("message") or "")),
        )
        for group, event in events[:keep]
    )
    return LogReport(
        groups=tuple(group for group, _ in sources),
        filter_pattern=sources[0][1],
        found_by=found_by,
        lines=lines,
        window_start=start,
        window_end=end,
    )


def log_window(
    changed_at: datetime, period: int | None, evaluation_periods: int | None
) -> tuple[datetime, datetime]:
    """The evaluated periods before the state change (at least 5 min), and a minute after it for late lines."""
    lookback = max(300, (period or 60) * ((evaluation_periods or 1) + 1))
    return changed_at - timedelta(seconds=lookback), changed_at + timedelta(seconds=60)


def trim(message: str) -> str:
    """One line, at most ``LINE_CHARS`` characters, secrets redacted — the redaction works on a window of the
    event (what is shown plus an overlap), so a 256 KB event costs what a short one does."""
    text = redact(window(one_line(message), LINE_CHARS))  # one_line is linear; the patterns see a window
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"


def _groups(ctx: Context, from_filters: Any) -> tuple[list[tuple[str, str]], str]:
    tag_filter = ctx.tag(TAG_LOG_FILTER)
    tagged = split_list(ctx.tag(TAG_LOG_GROUPS))
    if tagged:
        return [(group, tag_filter or DEFAULT_PATTERN) for group in tagged], "tags"
    filtered: list[tuple[str, str]] = from_filters.result()
    if filtered:
        return [(group, tag_filter or pattern) for group, pattern in filtered], "metric filter"
    conventional = [
        f"/aws/lambda/{name}"
        for name in dict.fromkeys(
            m.dimension("FunctionName") for m in ctx.alarm.metrics if m.namespace == "AWS/Lambda"
        )
        if name
    ]
    return [(group, tag_filter or DEFAULT_PATTERN) for group in conventional], "convention"


def _metric_filter_groups(logs: Any, metrics: Any) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for metric in dict.fromkeys(metrics):
        if (
            metric.namespace.startswith("AWS/")
            or not metric.name
            or not _FILTER_NAMESPACE.fullmatch(metric.namespace)
        ):
            continue  # AWS-vended metrics, and namespaces a metric filter cannot write to, never come from one
        page = logs.describe_metric_filters(metricName=metric.name, metricNamespace=metric.namespace)
        for item in page.get("metricFilters", []):
            found.setdefault(item["logGroupName"], item.get("filterPattern") or "")
    return list(found.items())


def _newest_events(
    logs: Any, group: str, pattern: str, start: datetime, end: datetime, keep: int
) -> list[dict[str, Any]]:
    """The newest ``keep`` events of the window: FilterLogEvents pages run oldest first, so keep a tail."""
    tail: deque[dict[str, Any]] = deque(maxlen=keep)
    kwargs: dict[str, Any] = {
        "logGroupName": group,
        "startTime": int(start.timestamp() * 1000),
        "endTime": int(end.timestamp() * 1000),
        "limit": PAGE_LIMIT,
    }
    if pattern:
        kwargs["filterPattern"] = pattern
    for _ in range(MAX_PAGES):
        page = logs.filter_log_events(**kwargs)
        tail.extend(page.get("events", []))
        token = page.get("nextToken")
        if not token or token == kwargs.get("nextToken"):
            break
        kwargs["nextToken"] = token
    return list(tail)


def older_lines(logs: Any, spec: dict[str, Any], limit: int) -> tuple[LogLine, ...]:
    """The next ``limit`` matching lines before the oldest one a message showed so far ("More logs"):
    ``spec`` is what the incident recorded — groups, filter pattern, the window's start and ``before``."""
    events: list[tuple[int, str, str]] = []
    for group in spec.get("groups", ()):
        request: dict[str, Any] = {
            "logGroupName": group,
            "startTime": int(spec["start"] * 1000),
            "endTime": int(spec["before"] * 1000) - 1,
            "limit": PAGE_LIMIT,
        }
        if spec.get("pattern"):
            request["filterPattern"] = spec["pattern"]
        page = logs.filter_log_events(**request)
        events += [(e.get("timestamp") or 0, group, str(e.get("message") or "")) for e in page.get("events", [])]
    newest = sorted(events, reverse=True)[:limit]
    return tuple(
        LogLine(timestamp=datetime.fromtimestamp(t / 1000, tz=UTC), group=group, message=trim(message))
        for t, group, message in newest
    )
