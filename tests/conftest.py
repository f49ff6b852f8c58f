"""Shared test set-up: a clean, offline AWS environment, the golden-file switch, the clock switch and the Slack
stand-in fixture. Helpers live in ``tests/support``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from tests.support.offline import offline_environment

if TYPE_CHECKING:
    from collections.abc import Iterator

    from local.slack.api import SlackStandIn

# Before anything imports boto3: no real credentials, no real endpoints, no tracing, no stray config.
offline_environment()


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


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    """The Slack Web API stand-in on a free loopback port (``slack.url`` for ``WebClient(base_url=...)``)."""
    from local.slack.api import SlackStandIn

    with SlackStandIn() as server:
        yield server
