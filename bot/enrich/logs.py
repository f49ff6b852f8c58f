"""Logs enricher: find the log groups behind an alarm and fetch the newest matching lines of its window.

Groups are found, in this order, from the alarm's tags (``lookout:log-groups`` under the configured prefixes
only, ``lookout:log-filter``), the metric filter that produces the alarm's metric, and naming conventions
(Lambda → ``/aws/lambda/<name>``). What is read is shown only for an alarm CloudWatch confirms (``confirm``).
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.enrich.confirm import OWN_KINDS
from bot.enrich.context import (
    TAG_LOG_FILTER,
    TAG_LOG_GROUPS,
    Context,
    NothingFound,
    SourceFailed,
    describe_error,
    split_list,
)
from bot.enrich.log_search import GroupSearch
from bot.enrich.model import LogLine, LogReport
from bot.text import one_line, redact, window

if TYPE_CHECKING:
    from collections.abc import Iterable
    from concurrent.futures import Executor, Future

    from mypy_boto3_logs import CloudWatchLogsClient

    from bot.alarms import MetricRef
    from bot.enrich.log_cursor import LogCursor

_FILTER_NAMESPACE = re.compile(r"[0-9A-Za-z.\-_/#:]{1,255}")
DEFAULT_PATTERN = '?ERROR ?Error ?error ?Exception ?"Task timed out" ?Traceback'
LINE_CHARS = 300
MORE_DEADLINE_S = 2.5


def log_report(ctx: Context) -> LogReport:
    alarm = ctx.alarm
    logs = ctx.client("logs")
    from_filters = ctx.pool.submit(_metric_filter_groups, logs, alarm.metrics)  # runs while tags are read
    sources, found_by = _groups(ctx, from_filters)
    if not sources:
        raise NothingFound(f"no log group is {found_by}")
    start, end = log_window(alarm.changed_at, alarm.period, alarm.evaluation_periods)
    searches = [
        GroupSearch(
            logs, group, pattern, start, end, ctx.settings.log_lines, ctx.stop_at(ctx.settings.logs_deadline_s)
        )
        for group, pattern in sources
    ]
    failed = _run(ctx.pool, searches)
    if not any(s.progress.calls or s.progress.events for s in searches) and not failed:
        raise SourceFailed(f"timed out after {ctx.deadline_s(ctx.settings.logs_deadline_s):g} s")
    return LogReport(
        groups=tuple(group for group, _ in sources),
        filter_pattern=sources[0][1],
        found_by=found_by,
        lines=_newest_lines(searches, ctx.settings.log_lines),
        window_start=start,
        window_end=end,
        changed_at=ctx.alarm.changed_at,
        unfinished=tuple((s.group, s.progress.reached) for s in searches if not s.progress.done),
        failed=tuple(failed.items()),
        cut=tuple((s.group, s.progress.cut) for s in searches if s.progress.cut),
    )


def _run(pool: Executor, searches: list[GroupSearch]) -> dict[str, str]:
    """Every group searched concurrently until done or the searches' deadline; what is unfinished then is
    read from each search's published progress (a thread blocked in a call is abandoned). Returns the
    groups whose search failed, with why; when every group failed, the first failure is raised."""
    if not searches:
        return {}
    futures = [pool.submit(search.run) for search in searches]
    wait(futures, timeout=max(0.0, searches[0].stop_at - time.monotonic()))
    errors = [(s.group, f.exception()) for s, f in zip(searches, futures, strict=True) if f.done()]
    failed = [(group, exc) for group, exc in errors if exc is not None]
    if failed and len(failed) == len(searches):
        raise failed[0][1]
    return {group: describe_error(exc) for group, exc in failed}


def _newest_lines(searches: list[GroupSearch], keep: int) -> tuple[LogLine, ...]:
    events = [(search.group, event) for search in searches for event in search.progress.events]
    events.sort(key=lambda item: (item[1].get("timestamp") or 0, item[1].get("eventId") or ""), reverse=True)
    return tuple(
        LogLine(
            timestamp=datetime.fromtimestamp((event.get("timestamp") or 0) / 1000, tz=UTC),
            group=group,
            message=trim(str(event.get("message") or "")),
        )
        for group, event in events[:keep]
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


def _groups(ctx: Context, from_filters: Future[list[tuple[str, str]]]) -> tuple[list[tuple[str, str]], str]:
    """(group, filter pattern) pairs and how they were found: the alarm's own groups (the metric filter that
    makes its metric, its Lambda function's), or the groups its ``lookout:log-groups`` tag names — only those
    under ``LOOKOUT_LOG_GROUP_PREFIXES`` (a tag must not make Lookout read, and post, any log group)."""
    tag_filter = ctx.tag(TAG_LOG_FILTER)
    tagged = split_list(ctx.tag(TAG_LOG_GROUPS))
    allowed = ctx.settings.log_group_prefixes
    own = ctx.alarm.kind in OWN_KINDS  # a forwarded error line's card names the group it came from
    readable = [group for group in tagged if own or (allowed and group.startswith(allowed))]
    skipped = f"; {len(tagged) - len(readable)} tagged outside the prefixes Lookout may read, skipped"
    note = skipped if len(readable) < len(tagged) else ""
    if readable:
        return [(group, tag_filter or DEFAULT_PATTERN) for group in readable][: ctx.settings.max_log_groups], (
            "tags" + note
        )
    filtered = from_filters.result()
    if filtered:
        pairs = [(group, tag_filter or pattern) for group, pattern in filtered]
        return pairs[: ctx.settings.max_log_groups], "metric filter" + note
    conventional = [
        f"/aws/lambda/{name}"
        for name in dict.fromkeys(
            m.dimension("FunctionName") for m in ctx.alarm.metrics if m.namespace == "AWS/Lambda"
        )
        if name
    ]
    pairs = [(group, tag_filter or DEFAULT_PATTERN) for group in conventional][: ctx.settings.max_log_groups]
    return pairs, ("convention" + note) if pairs else ("tagged, filtered or named after this alarm" + note)


def _metric_filter_groups(logs: CloudWatchLogsClient, metrics: Iterable[MetricRef]) -> list[tuple[str, str]]:
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


def older_lines(logs: CloudWatchLogsClient, cursor: LogCursor, limit: int) -> tuple[tuple[LogLine, ...], bool]:
    """(the next ``limit`` matching lines before the oldest one a message showed so far, whether the search
    covered what it had to) for "More logs". ``cursor`` is what the incident recorded — groups, filter
    pattern, the window's start and ``before``. The alarm's backwards search, so these are the newest before
    ``before``, not the oldest of the window."""
    start = datetime.fromtimestamp(cursor.start, tz=UTC)
    before = datetime.fromtimestamp(cursor.before, tz=UTC)
    stop_at = time.monotonic() + MORE_DEADLINE_S
    groups = list(cursor.groups)
    searches = [GroupSearch(logs, g, cursor.pattern, start, before, limit, stop_at) for g in groups]
    pool = ThreadPoolExecutor(max_workers=max(1, len(searches)), thread_name_prefix="lookout-more-logs")
    try:
        failed = _run(pool, searches)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return _newest_lines(searches, limit), not failed and all(s.progress.done for s in searches)
