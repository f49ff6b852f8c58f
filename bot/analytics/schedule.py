"""When the weekly digest posts: a day of the week, an hour and a time zone from ``infra/lookout.yaml``.

``digest: {schedule: {day: monday, hour: 8, timezone: Europe/Berlin}}`` — the template's scheduler wakes the
digest function every hour and the function posts in the hour the schedule names, in that zone's local
time (daylight saving included), so the schedule lives with the rest of the digest's configuration instead of
in a deployment parameter. ``week_key`` names the run (the ISO week in that zone), which the handler uses to
post each week's digest exactly once however often the scheduler delivers.

Not for: what the digest holds (``bot.analytics.digest``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import table_keys

if TYPE_CHECKING:
    from datetime import datetime

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ScheduleError(ValueError):
    """The schedule is invalid; the message names the file and field."""


@dataclass(frozen=True)
class WeeklySchedule:
    day: int = 0
    """0 = Monday … 6 = Sunday."""
    hour: int = 8
    timezone: str = "UTC"

    def local(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.timezone))

    def due(self, now: datetime) -> bool:
        """Whether ``now`` (aware) falls in the scheduled hour of the scheduled day, in local time."""
        local = self.local(now)
        return local.weekday() == self.day and local.hour == self.hour

    def week_key(self, now: datetime) -> str:
        year, week, _ = self.local(now).isocalendar()
        return table_keys.digest(year, week)

    def describe(self) -> str:
        return f"{DAYS[self.day].capitalize()}s at {self.hour:02d}:00 {self.timezone}"


def parse_schedule(raw: Any, where: str) -> WeeklySchedule:
    """``{day, hour, timezone}``, each optional (Monday, 8, UTC)."""
    if raw is None:
        return WeeklySchedule()
    if not isinstance(raw, dict) or set(raw) - {"day", "hour", "timezone"}:
        raise ScheduleError(f"{where}: expected {{day: monday, hour: 8, timezone: UTC}}")
    day = str(raw.get("day", "monday")).lower()
    if day not in DAYS:
        raise ScheduleError(f"{where}.day: one of {', '.join(DAYS)}, got {raw.get('day')!r}")
    hour = raw.get("hour", 8)
    if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
        raise ScheduleError(f"{where}.hour: a whole hour from 0 to 23, got {hour!r}")
    zone = str(raw.get("timezone", "UTC"))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"{where}.timezone: {zone!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
    return WeeklySchedule(DAYS.index(day), hour, zone)
