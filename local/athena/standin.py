"""Athena stand-in: StartQueryExecution / GetQueryExecution / GetQueryResults / StopQueryExecution, executed
by DuckDB (``local.athena.sql``) over the Glue tables and S3 data of the embedded stack (moto returns canned
rows). States go QUEUED → RUNNING → SUCCEEDED or FAILED, one step per GetQueryExecution call; the
workgroup's ``BytesScannedCutoffPerQuery`` fails a query that reads more, as Athena does.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from local.athena.sql import AthenaError, Outcome, execute

PAGE = 1000


@dataclass
class Execution:
    id: str
    sql: str
    workgroup: str
    parameters: list[str]
    submitted: float
    state: str = "QUEUED"
    reason: str = ""
    outcome: Outcome | None = None
    error: str = ""
    scanned: int = 0
    polls: int = 0
    elapsed_ms: int = 0
    context: dict[str, Any] = field(default_factory=dict)


class AthenaStandIn:
    def __init__(self, clients: Any) -> None:
        self._clients = clients  # region, service → boto3 client bound to moto
        self._executions: dict[str, Execution] = {}
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def start_query_execution(self, region: str, request: dict[str, Any]) -> dict[str, Any]:
        token = request.get("ClientRequestToken")
        with self._lock:
            if token and token in self._tokens:
                return {"QueryExecutionId": self._tokens[token]}  # idempotent retry
        workgroup = str(request.get("WorkGroup") or "primary")
        cutoff = self._cutoff(region, workgroup)
        execution = Execution(
            str(uuid.uuid4()),
            str(request["QueryString"]),
            workgroup,
            list(request.get("ExecutionParameters") or []),
            time.time(),
            context=dict(request.get("QueryExecutionContext") or {}),
        )
        started = time.monotonic()
        try:
            outcome = execute(
                execution.sql,
                execution.parameters,
                self._lookup(region),
                self._reader(region),
                database=execution.context.get("Database"),
            )
            execution.scanned = outcome.scanned
            if cutoff is not None and outcome.scanned > cutoff:
                execution.error = (
                    "Query exhausted resources at this scale factor: Bytes scanned limit was exceeded"
                )
            else:
                execution.outcome = outcome
        except AthenaError as exc:
            execution.error = str(exc)
        execution.elapsed_ms = int((time.monotonic() - started) * 1000)
        with self._lock:
            self._executions[execution.id] = execution
            if token:
                self._tokens[token] = execution.id
        return {"QueryExecutionId": execution.id}

    def get_query_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        execution = self._execution(request)
        with self._lock:
            execution.polls += 1
            if execution.state == "QUEUED":
                execution.state = "RUNNING"
            elif execution.state == "RUNNING":
                execution.state = "FAILED" if execution.error else "SUCCEEDED"
                execution.reason = execution.error
        status: dict[str, Any] = {"State": execution.state, "SubmissionDateTime": execution.submitted}
        if execution.reason:
            status["StateChangeReason"] = execution.reason
        if execution.state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            status["CompletionDateTime"] = time.time()
        done = execution.state in ("SUCCEEDED", "FAILED")
        return {
            "QueryExecution": {
                "QueryExecutionId": execution.id,
                "Query": execution.sql,
                "StatementType": "DML",
                "WorkGroup": execution.workgroup,
                "ExecutionParameters": execution.parameters,
                "QueryExecutionContext": execution.context,
                "Status": status,
                "Statistics": {
                    "DataScannedInBytes": execution.scanned if done else execution.scanned // 2,
                    "EngineExecutionTimeInMillis": execution.elapsed_ms,
                    "TotalExecutionTimeInMillis": execution.elapsed_ms + 5,
                },
                "ResultConfiguration": {"OutputLocation": f"s3://lookout-athena-results/{execution.id}.csv"},
            }
        }

    def get_query_results(self, request: dict[str, Any]) -> dict[str, Any]:
        execution = self._execution(request)
        if execution.state != "SUCCEEDED" or execution.outcome is None:
            raise ValueError(f"Query has not yet finished. Current state: {execution.state}")
        outcome = execution.outcome
        header = [[name for name, _ in outcome.columns]]
        rows = header + outcome.rows  # Athena's first row of a SELECT is the header
        start = int(request.get("NextToken") or 0)
        size = min(int(request.get("MaxResults") or PAGE), PAGE)
        page = rows[start : start + size]
        answer: dict[str, Any] = {
            "UpdateCount": 0,
            "ResultSet": {
                "Rows": [{"Data": [{"VarCharValue": v} if v is not None else {} for v in row]} for row in page],
                "ResultSetMetadata": {
                    "ColumnInfo": [
                        {
                            "CatalogName": "hive",
                            "SchemaName": "",
                            "TableName": "",
                            "Name": name,
                            "Label": name,
                            "Type": kind,
                            "Precision": precision,
                            "Scale": scale,
                            "Nullable": "UNKNOWN",
                            "CaseSensitive": kind == "varchar",
                        }
                        for (name, kind), (precision, scale) in zip(
                            outcome.columns, outcome.shapes or [(0, 0)] * len(outcome.columns), strict=True
                        )
                    ]
                },
            },
        }
        if start + size < len(rows):
            answer["NextToken"] = str(start + size)
        return answer

    def stop_query_execution(self, request: dict[str, Any]) -> dict[str, Any]:
        execution = self._execution(request)
        with self._lock:
            if execution.state in ("QUEUED", "RUNNING"):
                execution.state, execution.reason = "CANCELLED", "Query cancelled by user"
        return {}

    def _execution(self, request: dict[str, Any]) -> Execution:
        execution = self._executions.get(str(request.get("QueryExecutionId")))
        if execution is None:
            raise ValueError(f"QueryExecution {request.get('QueryExecutionId')} was not found")
        return execution

    def _cutoff(self, region: str, workgroup: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            config = self._clients(region, "athena").get_work_group(WorkGroup=workgroup)["WorkGroup"][
                "Configuration"
            ]
        except ClientError:
            if workgroup == "primary":
                return None
            raise ValueError(f"WorkGroup {workgroup} is not found.") from None
        cutoff = config.get("BytesScannedCutoffPerQuery")
        return int(cutoff) if cutoff else None

    def _lookup(self, region: str) -> Any:
        from botocore.exceptions import ClientError

        glue = self._clients(region, "glue")

        def lookup(database: str, table: str) -> dict[str, Any] | None:
            try:
                return dict(glue.get_table(DatabaseName=database, Name=table)["Table"])
            except ClientError:
                return None  # execute() reports TABLE_NOT_FOUND in Athena's words

        return lookup

    def _reader(self, region: str) -> Any:
        s3 = self._clients(region, "s3")

        def read(uri: str) -> tuple[bytes, int]:
            parts = urlsplit(uri)
            body = s3.get_object(Bucket=parts.netloc, Key=parts.path.lstrip("/"))["Body"].read()
            return body, len(body)

        def listing(location: str) -> list[str]:
            parts = urlsplit(location)
            keys: list[str] = []
            for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=parts.netloc, Prefix=parts.path.lstrip("/")
            ):
                keys.extend(o["Key"] for o in page.get("Contents", []) if not o["Key"].endswith("/"))
            return [f"s3://{parts.netloc}/{key}" for key in sorted(keys)]

        read.list = listing  # type: ignore[attr-defined]
        return read
