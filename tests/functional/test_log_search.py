"""The backwards log search on real FilterLogEvents bodies (tests/fixtures/aws/logs_*.json name their
sources), through botocore's Stubber, which checks each request's time slice and each body's shape."""

from __future__ import annotations

import copy
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import boto3
from botocore.stub import Stubber

from bot.config import Settings
from bot.enrich.context import Context
from bot.enrich.log_search import PAGE_LIMIT, GroupSearch
from bot.enrich.logs import DEFAULT_PATTERN, log_report
from tests.support.fixtures import aws_body
from tests.support.log_search import alarm, at, window

if TYPE_CHECKING:
    from datetime import datetime

CLI = "logs_cli_filter_log_events.json"  # MESSAGE1 at 09:17:23.827, MESSAGE2 at 09:21:08.991 (2024-04-08 UTC)
EMPTY_WITH_TOKEN = "logs_empty_page_with_token.json"
GROUP = "demo-log-group"


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def request(lo: datetime, hi: datetime, token: str | None = None) -> dict[str, Any]:
    params = {
        "logGroupName": GROUP,
        "startTime": ms(lo),
        "endTime": ms(hi) - 1,
        "limit": PAGE_LIMIT,
        "filterPattern": DEFAULT_PATTERN,
    }
    if token:
        params["nextToken"] = token
    return params


def page(*messages: str) -> dict[str, Any]:
    """Events of the CLI example's page, by message (each stays inside the slice that is asked for)."""
    events = aws_body(CLI)["events"]
    return {"events": [e for e in events if e["message"] in messages], "searchedLogStreams": []}


def storm_page(first: datetime, count: int, step_ms: int, token: str | None) -> dict[str, Any]:
    """``count`` events shaped like the CLI example's, oldest first as FilterLogEvents returns them."""
    template = aws_body(CLI)["events"][1]
    events = []
    for i in range(count):
        event = copy.deepcopy(template)
        event.update(timestamp=ms(first) + i * step_ms, message=f"ERROR storm {i}", eventId=f"{i:056d}")
        events.append(event)
    body: dict[str, Any] = {"events": events, "searchedLogStreams": []}
    if token:
        body["nextToken"] = token
    return body


def stubbed(*calls: tuple[dict[str, Any], dict[str, Any]]) -> tuple[Any, Stubber]:
    client = boto3.client("logs", region_name="us-east-1")
    stubber = Stubber(client)
    for body, params in calls:
        stubber.add_response("filter_log_events", body, params)
    stubber.activate()
    return client, stubber


def test_empty_pages_with_a_token_are_followed_and_the_search_runs_backwards() -> None:
    start, end = window()
    logs, stubber = stubbed(
        (aws_body(EMPTY_WITH_TOKEN), request(at(20, 30), end)),  # the last two minutes first
        (page("Test MESSAGE2"), request(at(20, 30), end, token="long text")),
        (page("Test MESSAGE1"), request(start, at(20, 30))),  # then wider, back to the window's start
    )
    progress = GroupSearch(logs, GROUP, DEFAULT_PATTERN, start, end, 10, time.monotonic() + 5).run()
    stubber.assert_no_pending_responses()
    assert [e["message"] for e in progress.events] == ["Test MESSAGE2", "Test MESSAGE1"]
    assert progress.done and progress.reached == start and progress.calls == 3


def test_a_storm_slice_is_narrowed_to_its_end_so_the_lines_are_the_newest() -> None:
    start, end = window()
    logs, stubber = stubbed(
        (storm_page(at(20, 30), PAGE_LIMIT, 10, token="more"), request(at(20, 30), end)),  # a full page: dense
        (storm_page(at(22, 16), 12, 1000, token=None), request(at(22, 15), end)),  # the last 15 s
    )
    progress = GroupSearch(logs, GROUP, DEFAULT_PATTERN, start, end, 10, time.monotonic() + 5).run()
    stubber.assert_no_pending_responses()
    assert progress.done and len(progress.events) == 10
    assert progress.events[0]["message"] == "ERROR storm 11"  # 09:22:27, the newest
    assert min(e["timestamp"] for e in progress.events) >= ms(at(22, 15))


def test_a_search_out_of_calls_is_unfinished_never_empty_handed_silence() -> None:
    start, end = window()
    calls = [({"events": [], "searchedLogStreams": []}, request(at(20, 30), end))]
    calls.append((aws_body(EMPTY_WITH_TOKEN), request(start, at(20, 30))))
    calls += [(aws_body(EMPTY_WITH_TOKEN), request(start, at(20, 30), token="long text"))] * 2
    logs, stubber = stubbed(*calls)
    progress = GroupSearch(logs, GROUP, DEFAULT_PATTERN, start, end, 10, time.monotonic() + 5, max_calls=4).run()
    stubber.assert_no_pending_responses()
    assert (progress.done, progress.reached, progress.events, progress.calls) == (False, at(20, 30), (), 4)


def test_the_deadline_stops_the_search_between_calls() -> None:
    start, end = window()
    logs, _ = stubbed(
        ({"events": [], "searchedLogStreams": []}, request(at(20, 30), end)),
        (page("Test MESSAGE1"), request(start, at(20, 30))),
    )
    logs.meta.events.register("before-parameter-build.logs.FilterLogEvents", lambda **_: time.sleep(0.15))
    progress = GroupSearch(logs, GROUP, DEFAULT_PATTERN, start, end, 10, time.monotonic() + 0.1).run()
    assert (progress.done, progress.reached, progress.calls) == (False, at(20, 30), 1)


def test_log_report_on_a_storm_shows_the_newest_lines(monkeypatch: Any) -> None:
    start, end = window()
    group = "/aws/lambda/orders-api"
    logs, stubber = stubbed(
        (
            storm_page(at(20, 30), PAGE_LIMIT, 10, token="more"),
            {**request(at(20, 30), end), "logGroupName": group},
        ),
        (storm_page(at(22, 16), 12, 1000, token=None), {**request(at(22, 15), end), "logGroupName": group}),
    )
    done: Future[dict[str, str]] = Future()
    done.set_result({})
    ctx = Context(alarm(), Settings(), lambda service, region: logs, ThreadPoolExecutor(4), done)
    report = log_report(ctx)
    stubber.assert_no_pending_responses()
    assert report.unfinished == () and report.lines[0].message == "ERROR storm 11"
    assert report.lines[0].timestamp == at(22, 27)
