"""Which week a run of the weekly digest belongs to: the claim that posts each week's digest once.

When it runs is the template's: EventBridge Scheduler invokes the digest function on ``cron(0 DigestHour ? *
DigestDay *)`` evaluated in ``DigestTimezone`` (``ScheduleExpressionTimezone``), daylight saving included — an
hour that does not exist on the day the clocks go forward is skipped, one that happens twice runs once
(EventBridge Scheduler User Guide, "Schedule types"). Scheduler delivers at least once and retries a failed
invocation, so ``handlers/digest.py`` claims ``digest_week`` of the run's scheduled time: the ISO week in that
time zone, the same for every delivery and retry of one run, and different for each week's run.

Not for: what the digest holds (``bot.analytics.digest``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import table_keys

if TYPE_CHECKING:
    from datetime import datetime


def digest_week(at: datetime, timezone: str = "UTC") -> str:
    """The claim's key for a run at ``at`` (aware): ``digest#<ISO year>-W<week>`` of ``at`` in ``timezone``."""
    year, week, _ = at.astimezone(ZoneInfo(timezone)).isocalendar()
    return table_keys.digest(year, week)
