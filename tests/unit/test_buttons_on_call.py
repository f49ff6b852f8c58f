"""What a button asks of the lifecycle (``bot.lifecycle.on_call``): acknowledge and silence come back as the
status the message draws; "More logs" reads a page without writing, and moves the record's cursor on only once
the page was shown — and not over a cursor that moved meanwhile (another click, a newer message)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.enrich.log_cursor import LogCursor
from bot.enrich.model import LogLine
from bot.lifecycle import on_call
from bot.lifecycle.on_call import OlderLogs, OnCall, Status
from bot.lifecycle.store import Conflict, Incident

ARN = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:api"
CURSOR = LogCursor(groups=("/aws/lambda/api",), pattern="ERROR", start=1_000.0, before=5_000.0)


class Store:
    """The incident store's conditional writes, in memory."""

    def __init__(self, incident: Incident | None) -> None:
        self.incident = incident
        self.puts = 0

    def get(self, alarm_arn: str) -> Incident | None:
        return self.incident if self.incident and self.incident.alarm_arn == alarm_arn else None

    def put(self, incident: Incident) -> Incident:
        assert self.incident is not None
        if incident.version != self.incident.version:
            raise Conflict(incident.alarm_arn)
        self.puts += 1
        self.incident = replace(incident, version=incident.version + 1)
        return self.incident


def line(at: float) -> LogLine:
    return LogLine(timestamp=datetime.fromtimestamp(at, tz=UTC), group="/aws/lambda/api", message="ERROR")


def desk(store: Store, pages: list[Any]) -> OnCall:
    return OnCall(store, logs=pages)  # type: ignore[arg-type] # an in-memory store; pages for the logs client


@pytest.fixture(autouse=True)
def searched(monkeypatch: pytest.MonkeyPatch) -> list[LogCursor]:
    asked: list[LogCursor] = []

    def lines_before(logs: list[Any], cursor: LogCursor, limit: int) -> tuple[tuple[LogLine, ...], bool]:
        asked.append(cursor)
        return logs.pop(0), True

    monkeypatch.setattr(on_call, "lines_before", lines_before)
    return asked


def test_acknowledge_and_silence_come_back_as_the_status_to_draw() -> None:
    store = Store(Incident(alarm_arn=ARN, channel="C1"))
    assert desk(store, []).acknowledge(ARN, "U1") == Status(acked_by="U1")
    status = desk(store, []).silence(ARN, "U2", 3600)
    assert status is not None and status.acked_by == "U1" and status.silenced_by == "U2"
    assert 3590 < status.silenced_until - time.time() <= 3600
    assert desk(Store(None), []).acknowledge(ARN, "U1") is None


def test_more_logs_reads_then_moves_on_once_shown(searched: list[LogCursor]) -> None:
    store = Store(Incident(alarm_arn=ARN, channel="C1", logs=CURSOR.stored()))
    oncall = desk(store, [(line(4_900.0), line(4_000.0)), (line(3_900.0),)])
    page = oncall.older_logs(ARN, 50)
    assert page.lines and store.puts == 0  # reading writes nothing
    oncall.shown(page)
    assert LogCursor.from_stored(store.incident.logs) == replace(CURSOR, before=4_000.0)  # type: ignore[union-attr]
    oncall.older_logs(ARN, 50)
    assert searched[-1].before == 4_000.0  # the next click goes on from there


def test_a_cursor_moved_meanwhile_is_not_overwritten() -> None:
    store = Store(Incident(alarm_arn=ARN, channel="C1", logs=CURSOR.stored()))
    oncall = desk(store, [(line(4_000.0),)])
    page = oncall.older_logs(ARN, 50)
    newer = replace(CURSOR, before=9_000.0)  # a newer message of the incident, with its own lines
    store.incident = replace(store.incident, logs=newer.stored())  # type: ignore[arg-type]
    oncall.shown(page)
    assert LogCursor.from_stored(store.incident.logs) == newer and store.puts == 0  # type: ignore[union-attr]


def test_no_cursor_means_no_log_groups_known_and_nothing_searched(searched: list[LogCursor]) -> None:
    store = Store(Incident(alarm_arn=ARN, channel="C1"))
    page = desk(store, []).older_logs(ARN, 50)
    assert page == OlderLogs(ARN) and page.next_cursor is None and searched == []
