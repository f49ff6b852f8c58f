"""The digest's week: the claim that posts each week's digest once is the ISO week of the run's scheduled time in
the digest's time zone (EventBridge Scheduler's cron runs in that zone: the template's DigestTimezone)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.analytics.schedule import digest_week


@pytest.mark.parametrize(
    ("scheduled", "zone", "week"),
    [
        # Mondays at 00:00 in Berlin are Sunday 23:00 UTC (CET) or 22:00 UTC (CEST): already the new week there
        (datetime(2026, 11, 29, 23, 0, tzinfo=UTC), "Europe/Berlin", "digest#2026-W49"),
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), "Europe/Berlin", "digest#2026-W14"),
        (datetime(2026, 11, 29, 23, 0, tzinfo=UTC), "UTC", "digest#2026-W48"),
        # Mondays at 08:00 in New York: the same Monday in UTC
        (datetime(2026, 11, 30, 13, 0, tzinfo=UTC), "America/New_York", "digest#2026-W49"),
        # the ISO year, not the calendar year
        (datetime(2027, 1, 1, 9, 0, tzinfo=UTC), "UTC", "digest#2026-W53"),
    ],
)
def test_a_run_belongs_to_the_iso_week_of_its_scheduled_time_in_the_zone(
    scheduled: datetime, zone: str, week: str
) -> None:
    assert digest_week(scheduled, zone) == week


def test_weekly_runs_across_a_daylight_saving_change_get_a_key_each() -> None:
    # GIVEN Mondays at 00:00 Europe/London, the clocks going forward on Sunday 2026-03-29
    runs = [datetime(2026, 3, 23, 0, 0, tzinfo=UTC), datetime(2026, 3, 29, 23, 0, tzinfo=UTC)]
    # THEN the two runs are two weeks there, although both are week 13 in UTC
    assert [digest_week(run, "Europe/London") for run in runs] == ["digest#2026-W13", "digest#2026-W14"]
    assert {digest_week(run, "UTC") for run in runs} == {"digest#2026-W13"}
