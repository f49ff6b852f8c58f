"""Run an Athena query in Lookout's workgroup and database (unqualified table names are its): parameters only
as ``ExecutionParameters``, poll with progress (QUEUED → RUNNING → SUCCEEDED / FAILED / CANCELLED), stop on
timeout, read pages of rows.

The workgroup's ``BytesScannedCutoffPerQuery`` (template) is the cost guardrail; a query it cancels is
reported as refused, in words.
"""

from __future__ import annotations

import time
from dataclasses import KW_ONLY, dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.queries.results import PolledRunner, Progress, QueryFailed, QueryRefused, QueryResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_athena import AthenaClient
    from mypy_boto3_athena.type_defs import GetQueryResultsInputTypeDef, StartQueryExecutionInputTypeDef

MAX_ROWS = 10_000
_CUTOFF_HINTS = ("bytes scanned limit", "exceeded the bytes scanned", "bytesscannedcutoff")


@dataclass
class AthenaRunner(PolledRunner):
    client: AthenaClient
    _: KW_ONLY
    workgroup: str = "lookout"
    database: str = "lookout"
    timeout: timedelta = timedelta(seconds=90)

    def run(
        self,
        sql: str,
        parameters: tuple[str, ...] = (),
        on_progress: Callable[[Progress], None] | None = None,
        request_token: str | None = None,
    ) -> QueryResult:
        request: StartQueryExecutionInputTypeDef = {
            "QueryString": sql,
            "WorkGroup": self.workgroup,
            "QueryExecutionContext": {"Database": self.database},
        }
        if parameters:
            request["ExecutionParameters"] = list(parameters)
        if request_token:
            request["ClientRequestToken"] = request_token[:128].ljust(32, "0")  # retried Lambda: same query
        query_id = str(self.client.start_query_execution(**request)["QueryExecutionId"])
        progress = self.polling.until_done(
            lambda started: self._check(query_id, started),
            lambda: self.client.stop_query_execution(QueryExecutionId=query_id),
            on_progress,
        )
        columns, rows, total = self._rows(query_id)
        return QueryResult(
            engine="athena",
            columns=columns,
            rows=rows,
            total_rows=total,
            seconds=progress.seconds,
            bytes_scanned=progress.bytes_scanned,
            query_id=query_id,
        )

    def _check(self, query_id: str, started: float) -> tuple[Progress, Progress | None]:
        execution = self.client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        status = execution.get("Status", {})
        state = str(status.get("State"))
        scanned = int(execution.get("Statistics", {}).get("DataScannedInBytes") or 0)
        progress = Progress(state, time.monotonic() - started, scanned)
        if state in {"FAILED", "CANCELLED"}:
            reason = str(status.get("StateChangeReason") or "")
            if any(hint in reason.lower() for hint in _CUTOFF_HINTS):
                raise QueryRefused("the query would scan more data than the workgroup allows; narrow the window")
            if state == "CANCELLED":
                raise QueryFailed("the Athena query was cancelled")
            raise QueryFailed(f"Athena could not run the query: {reason or 'no reason given'}")
        return progress, (progress if state == "SUCCEEDED" else None)

    def _rows(self, query_id: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], int | None]:
        columns: tuple[str, ...] = ()
        rows: list[tuple[str, ...]] = []
        kwargs: GetQueryResultsInputTypeDef = {"QueryExecutionId": query_id, "MaxResults": 1000}
        first = True
        while True:
            page = self.client.get_query_results(**kwargs)
            result_set = page.get("ResultSet", {})
            if first:
                columns = tuple(
                    c.get("Label") or c.get("Name", "")
                    for c in result_set.get("ResultSetMetadata", {}).get("ColumnInfo", [])
                )
            data = [
                tuple(cell.get("VarCharValue", "") for cell in row.get("Data", []))
                for row in result_set.get("Rows", [])
            ]
            if first and data and columns and data[0] == columns:
                data = data[1:]  # the header row Athena returns for SELECT
            first = False
            rows.extend(data)
            token = page.get("NextToken")
            if not token or len(rows) >= MAX_ROWS:
                return columns, tuple(rows[:MAX_ROWS]), (None if not token else len(rows))
            kwargs["NextToken"] = token
