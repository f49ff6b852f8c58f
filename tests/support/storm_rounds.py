"""A storm round as the storm desk hands it to the messenger, for tests of what the summary and thread show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.lifecycle.decisions import StormRound

if TYPE_CHECKING:
    from bot.lifecycle.storm_store import Summary


def storm_round(summary: Summary, batch: list[dict[str, Any]], announce: list[str] | None = None) -> StormRound:
    """The first round of storm ``storm#C1#1`` in channel C1: ``batch`` (entries 1…n) under ``summary``."""
    return StormRound(
        key="storm#C1#1",
        channel="C1",
        summary_ts="",
        alarms=summary.alarms,
        firing=summary.firing,
        severity=summary.severity,
        mentions=tuple(summary.mentions),
        top=tuple(summary.top),
        batch=tuple(batch),
        first=1,
        last=len(batch),
        announce=tuple(announce or ()),
    )
