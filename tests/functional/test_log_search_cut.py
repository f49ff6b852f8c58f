"""The log section in the worst moment: more than 1,000 matching lines in the newest second, or log calls slower
than about 1.5 s. FilterLogEvents returns at most ``limit`` events a page, oldest first, with a ``nextToken``
while more remain (CloudWatch Logs API reference, FilterLogEvents); a slice the search cannot finish keeps the
pages it has, the card shows the newest lines among them and says the search was cut — never "no match so
far" with lines in hand.

Pages go through botocore's Stubber (which checks each request) or a fake client whose calls advance a
controlled clock by 1.6 s: no test sleeps or depends on the machine's speed."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import boto3
from botocore.stub import Stubber

from bot.config import Settings
from bot.enrich.context import Context
from bot.enrich.log_search import PAGE_LIMIT, GroupSearch
from bot.enrich.logs import DEFAULT_PATTERN, log_report
from bot.enrich.model import Enrichment, Finding
from bot.slack.blocks.render import render_alarm
from tests.support.log_search import alarm, window

if TYPE_CHECKING:
    from datetime import datetime

    import pytest

GROUP = "/aws/lambda/orders-api"
SLOW_S = 1.6


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def page(first_ms: int, count: int, step_ms: float, token: str | None, tag: str) -> dict[str, Any]:
    """A FilterLogEvents body: ``count`` events from ``first_ms`` on, oldest first, as the API returns them."""
    events = [
        {
            "logStreamName": "2024/04/08/[$LATEST]0123456789abcdef0123456789abcdef",
            "timestamp": first_ms + int(i * step_ms),
            "message": f"ERROR storm {tag}-{i}",
            "ingestionTime": first_ms + int(i * step_ms) + 200,
            "eventId": f"{first_ms + int(i * step_ms)}{i:06d}{tag}",
        }
        for i in range(count)
    ]
    body: dict[str, Any] = {"events": events, "searchedLogStreams": []}
    if token:
        body["nextToken"] = token
    return body


def request(lo_ms: int, hi_ms: int, token: str | None = None) -> dict[str, Any]:
    params = {
        "logGroupName": GROUP,
        "startTime": lo_ms,
        "endTime": hi_ms - 1,
        "limit": PAGE_LIMIT,
        "filterPattern": DEFAULT_PATTERN,
    }
    if token:
        params["nextToken"] = token
    return params


def newest(bodies: list[dict[str, Any]], keep: int) -> list[str]:
    events = [e for body in bodies for e in body["events"]]
    events.sort(key=lambda e: (e["timestamp"], e["eventId"]), reverse=True)
    return [e["message"] for e in events[:keep]]


def test_a_second_denser_than_the_budget_keeps_its_newest_lines() -> None:
    # GIVEN more than a page of matches in every slice down to the newest second, and 5 calls
    _, end = window()
    e = ms(end)
    slices = [(e - 120_000, "a"), (e - 15_000, "b"), (e - 1_875, "c")]  # each narrowed to its end by 8
    calls = [(page(lo, PAGE_LIMIT, 1, "more", tag), request(lo, e)) for lo, tag in slices]
    second = [page(e - 1000, PAGE_LIMIT, 0.5, "t1", "d"), page(e - 500, PAGE_LIMIT, 0.5, "t2", "e")]
    calls += [(second[0], request(e - 1000, e)), (second[1], request(e - 1000, e, token="t1"))]
    logs = boto3.client("logs", region_name="us-east-1")
    stubber = Stubber(logs)
    for body, params in calls:
        stubber.add_response("filter_log_events", body, params)
    with stubber:
        start, _ = window()
        progress = GroupSearch(
            logs, GROUP, DEFAULT_PATTERN, start, end, 10, time.monotonic() + 60, max_calls=5
        ).run()
        stubber.assert_no_pending_responses()
    # THEN the newest ten lines it read are kept, and the search says it was cut, and why
    assert [event["message"] for event in progress.events] == newest([body for body, _ in calls], 10)
    assert progress.events[0]["message"] == "ERROR storm e-999"
    assert (progress.done, progress.reached, progress.cut) == (
        False,
        None,
        "more than 1,000 matching lines a second",
    )


class SlowLogs:
    """FilterLogEvents that takes 1.6 s a call on a controlled clock: every slice holds more than a page."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.calls = 0
        self.search: GroupSearch | None = None
        self.seen_mid_call: Any = None

    def clock(self) -> float:
        return self.now

    def filter_log_events(self, **params: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 3 and self.search is not None:
            self.seen_mid_call = self.search.progress  # what a caller that stops waiting now would read
        self.now += SLOW_S
        return page(params["startTime"], PAGE_LIMIT, 1, "more", f"p{self.calls}")


def test_slow_calls_keep_the_pages_they_brought(monkeypatch: pytest.MonkeyPatch) -> None:
    logs = SlowLogs()
    monkeypatch.setattr(time, "monotonic", logs.clock)
    start, end = window()
    search = GroupSearch(logs, GROUP, DEFAULT_PATTERN, start, end, 10, logs.clock() + 3.75)  # a 4 s deadline
    logs.search = search
    progress = search.run()
    # THEN three calls fit (at 0, 1.6 and 3.2 s), and the newest lines of their pages are kept, marked cut
    assert logs.calls == 3 and len(progress.events) == 10 and progress.cut == "out of time"
    assert progress.events[0]["message"].startswith("ERROR storm p3-")
    # AND while the third call was under way, the first two pages were already published
    assert logs.seen_mid_call is not None and len(logs.seen_mid_call.events) == 10
    assert logs.seen_mid_call.cut == "out of time"


def test_the_card_shows_the_newest_lines_found_and_says_the_search_was_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logs = SlowLogs()
    monkeypatch.setattr(time, "monotonic", logs.clock)
    done: Future[dict[str, str]] = Future()
    done.set_result({})
    the_alarm = replace(alarm(), name="orders-api-errors")
    with ThreadPoolExecutor(4) as pool:
        ctx = Context(the_alarm, Settings(), lambda service, region: logs, pool, done, started=logs.clock())
        report = log_report(ctx)
    assert report.lines and report.cut == ((GROUP, "out of time"),)
    enrichment = replace(Enrichment.skipped("n/a"), logs=Finding("Logs", value=report))
    blocks = {b.block_id: b.to_dict() for b in render_alarm(the_alarm, enrichment).blocks}
    text = blocks["lookout:logs"]["text"]["text"]
    assert "no match so far" not in text and "ERROR storm p" in text
    assert "10 matching lines found in /aws/lambda/orders-api" in text
    assert (
        "_search cut short (out of time): the newest lines it found; newer and older ones may be missing_" in text
    )
