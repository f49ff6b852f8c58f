"""The log search's moment: the AWS CLI example's log events (2024-04-08 09:17 and 09:21 UTC) fall in the
window of an alarm that changed at 09:21:30."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.alarms import Alarm
from bot.enrich.logs import log_window
from bot.events import parse_event
from tests.support.fixtures import load_event

CHANGED = datetime(2024, 4, 8, 9, 21, 30, tzinfo=UTC)


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2024, 4, 8, 9, minute, second, tzinfo=UTC)


def window() -> tuple[datetime, datetime]:
    return log_window(CHANGED, 60, 3)  # 09:16:30 .. 09:22:30


def alarm() -> Alarm:
    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(item, Alarm)
    return replace(item, changed_at=CHANGED, period=60, evaluation_periods=3)
