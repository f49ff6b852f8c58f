"""The digest's schedule: local day and hour in an IANA zone (daylight saving included), one key per week."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.analytics.schedule import ScheduleError, WeeklySchedule, parse_schedule

BERLIN = parse_schedule({"day": "monday", "hour": 8, "timezone": "Europe/Berlin"}, "digest.schedule")


@pytest.mark.parametrize(
    ("utc", "due"),
    [
        (datetime(2026, 11, 30, 7, 0, tzinfo=UTC), True),  # CET: 08:00 local
        (datetime(2026, 11, 30, 8, 0, tzinfo=UTC), False),  # 09:00 local
        (datetime(2026, 3, 30, 6, 30, tzinfo=UTC), True),  # CEST (summer time): 08:30 local
        (datetime(2026, 3, 30, 7, 0, tzinfo=UTC), False),
        (datetime(2026, 12, 1, 7, 0, tzinfo=UTC), False),  # a Tuesday
    ],
)
def test_due_in_local_time(utc: datetime, due: bool) -> None:
    assert BERLIN.due(utc) is due


def test_the_week_key_is_the_local_iso_week() -> None:
    # Sunday 23:30 UTC is already Monday in Berlin: a new week there
    assert BERLIN.week_key(datetime(2026, 11, 29, 23, 30, tzinfo=UTC)) == "digest#2026-W49"
    assert WeeklySchedule().week_key(datetime(2026, 11, 29, 23, 30, tzinfo=UTC)) == "digest#2026-W48"
    assert BERLIN.describe() == "Mondays at 08:00 Europe/Berlin"


def test_defaults_and_mistakes() -> None:
    assert parse_schedule(None, "x") == WeeklySchedule(0, 8, "UTC")
    for raw, message in (
        ({"day": "funday"}, "x.day: one of monday"),
        ({"hour": 24}, "x.hour: a whole hour"),
        ({"hour": "8"}, "x.hour: a whole hour"),
        ({"timezone": "Mars/Olympus"}, "is not an IANA time zone"),
        ({"when": "soon"}, "expected {day"),
    ):
        with pytest.raises(ScheduleError, match=message.replace("{", r"\{")):
            parse_schedule(raw, "x")
