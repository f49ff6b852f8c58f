"""Shared test set-up: a clean, offline AWS environment, event fixtures and the golden-file switch."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from local.slack_api import SlackStandIn

FIXTURES = Path(__file__).parent / "fixtures"
EVENTS = FIXTURES / "events"
GOLDEN = FIXTURES / "golden"
AWS_BODIES = FIXTURES / "aws"

# Before anything imports boto3: no real credentials, no real endpoints, no tracing, no stray config.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_CONFIG_FILE="/dev/null",
    AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    LOOKOUT_TRACING="false",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="LookoutTest",
    POWERTOOLS_SERVICE_NAME="lookout-test",
    POWERTOOLS_DEV="false",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite golden files from current output")
    parser.addoption(
        "--clock-ahead",
        type=float,
        default=0.0,
        metavar="DAYS",
        help="run with every clock (this process's and its children's) moved DAYS ahead of today",
    )


def pytest_configure(config: pytest.Config) -> None:
    days = config.getoption("--clock-ahead")
    if days:
        from tests.support.clock import move_clock_ahead

        move_clock_ahead(days)


def pytest_report_header(config: pytest.Config) -> str | None:
    days = config.getoption("--clock-ahead")
    return f"clock moved {days:g} days ahead: today is {datetime.now(UTC):%Y-%m-%d %H:%M} UTC" if days else None


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def load_event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


def aws_body(name: str) -> Any:
    """A real AWS response body from ``tests/fixtures/aws`` (its file names the source)."""
    document = json.loads((AWS_BODIES / name).read_text())
    assert document["source"] and document["url"], f"{name} must name its source"
    return document["response"]


def event_names() -> list[str]:
    return sorted(p.name for p in EVENTS.glob("*.json"))


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    """The Slack Web API stand-in on a free loopback port (``slack.url`` for ``WebClient(base_url=...)``)."""
    from local.slack_api import SlackStandIn

    with SlackStandIn() as server:
        yield server


def insights_rows(
    groups: dict[str, list[dict[str, Any]]], group: str, text: str, start_ms: int, end_ms: int
) -> list[dict[str, str]]:
    """Run ``text`` on the Insights stand-in over ``groups`` (log group → events) until it completes, as a
    client polls GetQueryResults; each result row as field → value."""
    from local.insights_standin import InsightsStandIn

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
