"""Logs Insights stand-in: StartQuery / GetQueryResults / StopQuery / DescribeQueries over the log events of
the embedded CloudWatch Logs (moto), executed for real (moto ignores ``filter``, ``stats`` and ``parse``).

A query goes Scheduled → Running (partial results over the first half of the events) → Complete, one step
per GetQueryResults call, with ``recordsMatched``, ``recordsScanned`` and ``bytesScanned``; a query whose data
the stand-in cannot answer for (``local.insights.evaluation`` raises ``MalformedQuery``) ends Failed.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.insights.execution import discover, result_rows, run
from local.insights.lang import Command, MalformedQuery, parse_query

EventSource = Callable[[str, str, int, int], list[dict[str, Any]]]
"""(region, log group, start ms, end ms) → events, oldest first; raises KeyError for a missing group."""
ACCOUNT = "123456789012"


@dataclass
class Query:
    query_id: str
    text: str
    groups: list[str]
    commands: list[Command]
    records: list[dict[str, Any]]
    limit: int | None
    created: float
    status: str = "Scheduled"
    error: str = ""
    polls: int = 0
    bytes_scanned: int = 0
    result: tuple[list[str], list[dict[str, Any]], int] | None = field(default=None, repr=False)


class InsightsStandIn:
    def __init__(self, events: EventSource) -> None:
        self._events = events
        self._queries: dict[str, Query] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start_query(self, region: str, request: dict[str, Any]) -> dict[str, Any]:
        commands = parse_query(str(request.get("queryString", "")))  # MalformedQuery before anything runs
        groups = list(
            request.get("logGroupNames") or ([request["logGroupName"]] if request.get("logGroupName") else [])
        )
        if not groups:
            raise MalformedQuery("give logGroupName or logGroupNames")
        start_ms, end_ms = int(request["startTime"]) * 1000, int(request["endTime"]) * 1000 + 999
        records: list[dict[str, Any]] = []
        scanned = 0
        for group in groups:
            for event in self._events(region, group, start_ms, end_ms):
                records.append(discover(event, group, ACCOUNT))
                scanned += len(str(event.get("message", "")).encode()) + 26  # message plus event overhead
        records.sort(key=lambda r: int(r["@timestamp"]))
        with self._lock:
            query_id = f"{next(self._ids):08x}-0000-4000-8000-{int(time.time()):012x}"
            self._queries[query_id] = Query(
                query_id,
                str(request["queryString"]),
                groups,
                commands,
                records,
                int(request["limit"]) if request.get("limit") else None,
                time.time(),
                bytes_scanned=scanned,
            )
        return {"queryId": query_id}

    def get_query_results(self, request: dict[str, Any]) -> dict[str, Any]:
        query = self._query(request)
        with self._lock:
            query.polls += 1
            if query.status in ("Scheduled", "Running") and query.polls >= 2:
                query.status = "Complete"
            elif query.status == "Scheduled":
                query.status = "Running"
        if query.status == "Failed":
            empty = {"recordsMatched": 0.0, "recordsScanned": 0.0, "bytesScanned": 0.0}
            return {"status": "Failed", "statistics": empty, "results": []}
        share = 1.0 if query.status == "Complete" else 0.5 if query.status == "Running" else 0.0
        seen = query.records[: int(len(query.records) * share)]
        try:
            if query.status == "Complete" and query.result is None:
                query.result = run(query.commands, query.records, query.limit)
            columns, rows, matched = (
                query.result
                if query.status == "Complete" and query.result
                else run(query.commands, seen, query.limit)
            )
            results = result_rows(columns, rows) if query.status in ("Running", "Complete") else []
        except MalformedQuery as exc:
            # A value the stand-in cannot answer for (an overflow, a negative substr index) fails the query while
            # it runs, as Insights reports a query that fails after it started: status Failed, no rows.
            with self._lock:
                query.status, query.error = "Failed", str(exc)
            results, matched = [], 0
        statistics = {
            "recordsMatched": float(matched),
            "recordsScanned": float(len(seen)),
            "bytesScanned": float(int(query.bytes_scanned * share)),
        }
        return {"status": query.status, "statistics": statistics, "results": results}

    def stop_query(self, request: dict[str, Any]) -> dict[str, Any]:
        query = self._query(request)
        with self._lock:
            stopped = query.status in ("Scheduled", "Running")
            if stopped:
                query.status = "Cancelled"
        return {"success": stopped}

    def describe_queries(self, request: dict[str, Any]) -> dict[str, Any]:
        status = request.get("status")
        with self._lock:
            queries = [q for q in self._queries.values() if not status or q.status == status]
        return {
            "queries": [
                {
                    "queryId": q.query_id,
                    "queryString": q.text,
                    "status": q.status,
                    "createTime": int(q.created * 1000),
                    "logGroupName": q.groups[0],
                }
                for q in queries[: int(request.get("maxResults") or 1000)]
            ]
        }

    def _query(self, request: dict[str, Any]) -> Query:
        query = self._queries.get(str(request.get("queryId")))
        if query is None:
            raise KeyError(f"no query {request.get('queryId')}")
        return query
