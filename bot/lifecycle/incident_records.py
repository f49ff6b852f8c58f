"""The incident record's bookkeeping that every lifecycle decision shares: whether a record already holds a
state change (a retry of its delivery), how a write that lost a race is merged instead of lost, and what a
storm entry says about a state change."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.enrich.log_cursor import LogCursor
from bot.lifecycle.store import Conflict, Incident
from bot.text import excerpt

if TYPE_CHECKING:
    from bot.alarms import Alarm
    from bot.enrich.model import Enrichment
    from bot.lifecycle.decisions import StormEntry
    from bot.lifecycle.routing import Route
    from bot.lifecycle.store import IncidentStore

ATTEMPTS = 8


def save_merged(store: IncidentStore, incident: Incident) -> None:
    """Record what was posted; a concurrent change in between (a click, a newer state) is merged, not lost."""
    for _ in range(ATTEMPTS):
        try:
            store.put(incident)
            return
        except Conflict:
            current = store.get(incident.alarm_arn)
            if current is None:
                current = replace(incident, version=0)
            incident = merged(incident, current)


def merged(ours: Incident, current: Incident) -> Incident:
    """``current`` (with its version, clicks and silences) plus our message and, when newer, our state."""
    merged = replace(current, ts=ours.ts or current.ts, channel=ours.channel or current.channel)
    if ours.changed_at >= current.changed_at:
        merged = replace(
            merged,
            state=ours.state,
            changed_at=ours.changed_at,
            status=ours.status,
            history=ours.history,
            notify_count=max(ours.notify_count, current.notify_count),
            last_notified_at=ours.last_notified_at,
            opened_at=ours.opened_at,
            logs=ours.logs or current.logs,
            storm=ours.storm or current.storm,
            storm_seq=ours.storm_seq or current.storm_seq,
            service=ours.service or current.service,
        )
    return replace(merged, status="open") if merged.status == "posting" else merged


def applied(incident: Incident, alarm: Alarm) -> bool:
    """The record already holds this very state change (a retry of its delivery)."""
    return (
        alarm.time_known
        and incident.changed_at == alarm.changed_at.timestamp()
        and incident.state == alarm.state.value
        and incident.status != "posting"
    )


def storm_entry(alarm: Alarm, route: Route, *, was: str, opening: bool) -> StormEntry:
    """A storm entry: what its thread reply and the summary say about this state change."""
    return {
        "id": alarm.change_key,
        "arn": alarm.arn,
        "name": alarm.name,
        "state": alarm.state.value,
        "was": was,
        "opening": opening,
        "reason": excerpt(alarm.reason, 300),  # redacted before the cut, as stored
        "at": alarm.changed_at.timestamp(),
        "where": f"{alarm.account} · {alarm.region}",
        "mention": route.mention,
        "severity": route.severity,
    }


def logs_of(enrichment: Enrichment) -> str:
    """Where the message's log lines came from (a ``LogCursor``, in the form the record keeps): "More logs"
    continues there. Empty when the message showed no log search."""
    report = enrichment.logs.value
    return "" if report is None else LogCursor.from_report(report).stored()
