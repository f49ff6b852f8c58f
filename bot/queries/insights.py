"""Run a Logs Insights query: cap our concurrency, start, poll with progress, stop on timeout, read rows.

Our queries start with ``# lookout`` (Insights comments), so ``DescribeQueries`` tells ours apart from
dashboards' when counting how many are scheduled or running. Concurrent invocations may all see room and
start at once: after starting, each looks again, and every query beyond the first ``max_concurrent`` (by start
time, then id — the same order for everyone) is stopped and refused, so never more than the cap keep running.
"""

from __future__ import annotations

import threading
import time
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING

from bot.queries.results import PolledRunner, Progress, QueryFailed, QueryRefused, QueryResult

if TYPE_CHECKING:
    from collections.abc import Callable, Sized
    from datetime import datetime

    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_logs.type_defs import GetQueryResultsResponseTypeDef, QueryInfoTypeDef

MARKER = "# lookout"
DONE = {"Complete"}
FAILED = {"Failed", "Cancelled", "Timeout", "Unknown"}
_LOCAL = threading.BoundedSemaphore(4)


@dataclass
class InsightsRunner(PolledRunner):
    client: CloudWatchLogsClient
    _: KW_ONLY
    max_concurrent: int = 4

    def run(
        self,
        query: str,
        log_groups: tuple[str, ...],
        start: datetime,
        end: datetime,
        on_progress: Callable[[Progress], None] | None = None,
        limit: int = 10_000,
    ) -> QueryResult:
        text = query if query.startswith(MARKER) else f"{MARKER}\n{query}"
        if not _LOCAL.acquire(timeout=5):
            raise QueryRefused("Lookout is already running several queries here; try again in a minute")
        try:
            self._refuse_when_full(self._ours())
            query_id = self._start(text, log_groups, start, end, limit)
            ours = [q["queryId"] for q in self._ours()]
            if query_id in ours[self.max_concurrent :]:  # others started at the same moment, before us
                self.client.stop_query(queryId=query_id)
                self._refuse_when_full(ours)
            return self.polling.until_done(
                lambda started: self._check(query_id, started),
                lambda: self.client.stop_query(queryId=query_id),
                on_progress,
            )
        finally:
            _LOCAL.release()

    def _ours(self) -> list[QueryInfoTypeDef]:
        """Lookout's queries now scheduled or running, oldest first (by start time, then id)."""
        found = []
        for status in ("Scheduled", "Running"):
            queries = self.client.describe_queries(status=status, maxResults=1000).get("queries", [])
            found += [q for q in queries if str(q.get("queryString", "")).startswith(MARKER)]
        return sorted(found, key=lambda q: (int(q.get("createTime") or 0), str(q.get("queryId", ""))))

    def _refuse_when_full(self, ours: Sized) -> None:
        if len(ours) >= self.max_concurrent:
            raise QueryRefused(
                f"{len(ours)} Lookout queries are already running (the limit is {self.max_concurrent}); "
                "try again in a minute"
            )

    def _start(self, text: str, log_groups: tuple[str, ...], start: datetime, end: datetime, limit: int) -> str:
        from botocore.exceptions import ClientError

        try:
            response = self.client.start_query(
                logGroupNames=list(log_groups),
                startTime=int(start.timestamp()),
                endTime=int(end.timestamp()),
                queryString=text,
                limit=limit,
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            message = exc.response.get("Error", {}).get("Message", "")
            if code == "MalformedQueryException":
                raise QueryFailed(f"the query is not valid Logs Insights: {message}") from None
            if code == "LimitExceededException":
                raise QueryRefused(
                    "too many Logs Insights queries are running in this account; try again soon"
                ) from None
            if code == "ResourceNotFoundException":
                raise QueryFailed(f"a configured log group does not exist: {message}") from None
            if code in {"AccessDeniedException", "AccessDenied"}:
                raise QueryRefused("Lookout is not allowed to query these log groups") from None
            raise
        return str(response["queryId"])

    def _check(self, query_id: str, started: float) -> tuple[Progress, QueryResult | None]:
        response = self.client.get_query_results(queryId=query_id)
        status = str(response.get("status"))
        stats = response.get("statistics") or {}
        elapsed = time.monotonic() - started
        progress = Progress(
            status, elapsed, int(stats.get("bytesScanned") or 0), int(stats.get("recordsMatched") or 0)
        )
        if status in FAILED:
            raise QueryFailed(f"Logs Insights reported the query as {status.lower()}")
        return progress, (_result(query_id, response, progress) if status in DONE else None)


def _result(query_id: str, response: GetQueryResultsResponseTypeDef, progress: Progress) -> QueryResult:
    columns: list[str] = []
    records: list[dict[str, str]] = []
    for row in response.get("results", []):
        record = {c["field"]: str(c.get("value", "")) for c in row if c.get("field") != "@ptr"}
        for name in record:
            if name not in columns:
                columns.append(name)
        records.append(record)
    return QueryResult(
        engine="insights",
        columns=tuple(columns),
        rows=tuple(tuple(r.get(c, "") for c in columns) for r in records),
        seconds=progress.seconds,
        bytes_scanned=progress.bytes_scanned,
        records_matched=progress.records_matched,
        query_id=query_id,
    )
