"""Plain-text formatting helpers for the renderer: numbers, rates, durations, sparklines, comparisons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.alarms import breaching

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

BARS = "▁▂▃▄▅▆▇█"
GAP = "·"

COMPARISONS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": "≥",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "≤",
    "LessThanLowerOrGreaterThanUpperThreshold": "outside the band",
    "LessThanLowerThreshold": "below the band",
    "GreaterThanUpperThreshold": "above the band",
}


def sparkline(values: Sequence[float | None], threshold: float | None = None) -> str:
    """One bar per value scaled between the lowest and highest of values and threshold; gaps as ``·``."""
    present = [v for v in values if v is not None]
    if not present:
        return GAP * len(values)
    low = min([*present, *([threshold] if threshold is not None else [])])
    high = max([*present, *([threshold] if threshold is not None else [])])
    span = high - low
    out = []
    for value in values:
        if value is None:
            out.append(GAP)
        elif span == 0:
            out.append(BARS[len(BARS) // 2])
        else:
            out.append(BARS[min(len(BARS) - 1, int((value - low) / span * (len(BARS) - 1) + 0.5))])
    return "".join(out)


def threshold_marks(values: Sequence[float | None], threshold: float | None, comparison: str | None) -> str:
    """A line under the sparkline with ``^`` under every value that breaches the threshold."""
    breaches = breaching(comparison)
    if threshold is None or breaches is None:
        return ""
    marks = "".join("^" if v is not None and breaches(v, threshold) else " " for v in values)
    return marks.rstrip()


def number(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1000:.1f}k"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")


def exact(value: float) -> str:
    """A threshold as the alarm holds it, never rounded: 10000.5, 3, 0.00025, -1."""
    if float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


def percent(rate: float | None) -> str:
    if rate is None:
        return "–"
    if rate == 0:
        return "0%"
    return f"{rate * 100:.1f}%" if rate < 0.1 else f"{rate * 100:.0f}%"


def millis(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def clock(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S")


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
