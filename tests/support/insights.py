"""Queries run on the Insights stand-in over log events given in the test, as a client would run them."""

from __future__ import annotations

from typing import Any


def insights_rows(
    groups: dict[str, list[dict[str, Any]]], group: str, text: str, start_ms: int, end_ms: int
) -> list[dict[str, str]]:
    """Run ``text`` on the Insights stand-in over ``groups`` (log group → events) until it completes, as a
    client polls GetQueryResults; each result row as field → value."""
    from local.insights.standin import InsightsStandIn

    def source(region: str, name: str, start: int, end: int) -> list[dict[str, Any]]:
        return [e for e in sorted(groups[name], key=lambda e: e["timestamp"]) if start <= e["timestamp"] <= end]

    standin = InsightsStandIn(source)
    request = {
        "logGroupNames": [group],
        "startTime": start_ms // 1000,
        "endTime": end_ms // 1000,
        "queryString": text,
    }
    query_id = standin.start_query("us-east-1", request)["queryId"]
    while True:
        answer = standin.get_query_results({"queryId": query_id})
        if answer["status"] == "Complete":
            return [{c["field"]: c["value"] for c in row} for row in answer["results"]]
        assert answer["status"] in ("Scheduled", "Running"), answer
