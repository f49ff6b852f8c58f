"""One Slack message per incident: ALARM opens it, re-evaluations update it and reply in its thread, OK and
INSUFFICIENT_DATA edit it and reply; acknowledged or silenced incidents stop the repeat replies. Storms are
handed to the ``StormDesk``. Every decision reads the incident record and writes it back conditionally.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.alarms import Alarm, AlarmState
from bot.lifecycle.store import Conflict, Incident, IncidentStore
from bot.slack.lifecycle_render import Presentation, refire_note, render_note, status_notes, transition_note

if TYPE_CHECKING:
    from bot.lifecycle.routing import Route
    from bot.lifecycle.storm import StormDesk
    from bot.slack.post import Deadline, Posted, SlackPoster
    from bot.slack.render import Message

Render = Callable[[Presentation], "Message"]
ATTEMPTS = 8


class IncidentTracker:
    def __init__(
        self,
        store: IncidentStore,
        poster: SlackPoster,
        storms: StormDesk | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.poster = poster
        self.storms = storms
        self.clock = clock
        self.sleep = sleep

    def deliver(
        self, alarm: Alarm, route: Route, render: Render, deadline: Deadline, extra: dict[str, str]
    ) -> Posted | None:
        """Post or update for this state change; the message posted or edited (None when grouped in a storm)."""
        for _ in range(ATTEMPTS):
            incident = self.store.get(alarm.arn)
            try:
                if (
                    incident is not None
                    and incident.status == "posting"
                    and self.clock() - incident.last_notified_at < 20
                ):
                    self.sleep(0.3)  # another delivery is posting this incident's message right now
                    continue
                if alarm.state is AlarmState.ALARM:
                    return self._firing(alarm, incident, route, render, deadline, extra)
                return self._settled(alarm, incident, route, render, deadline, extra)
            except Conflict:
                continue
        raise Conflict(alarm.arn)

    # --- ALARM -------------------------------------------------------------------------------------------

    def _firing(
        self,
        alarm: Alarm,
        incident: Incident | None,
        route: Route,
        render: Render,
        deadline: Deadline,
        extra: dict[str, str],
    ) -> Posted | None:
        now = self.clock()
        changed = alarm.changed_at.timestamp()
        if incident is not None and changed <= incident.changed_at:
            return None  # an older state change arriving late: the message already shows newer news
        if incident is not None and incident.status == "open":
            return self._refire(alarm, incident, route, render, deadline, extra)
        silenced = incident is not None and incident.silenced and incident.ts
        storm = None if silenced or self.storms is None else self.storms.admit(route.channel)
        base = incident or Incident(alarm_arn=alarm.arn, channel=route.channel)
        opened = replace(
            base,
            channel=base.channel if silenced else route.channel,
            state=alarm.state.value,
            opened_at=changed,
            changed_at=changed,
            history=((alarm.state.value, changed),),
            notify_count=1,
            last_notified_at=now,
            acked_by="",
            storm=storm or "",
            service=extra.get("service", ""),
            logs=extra.get("logs", ""),
            status="open" if storm else "posting",
            ts=base.ts if silenced else "",
        )
        claimed = self.store.put(opened)  # Conflict: another delivery opened it first → re-read
        if storm and self.storms is not None:
            self.storms.add(storm, _entry(alarm), deadline)
            return None
        message = render(self._presentation(claimed, route, alarm))
        if silenced:
            posted = self.poster.update(message, claimed.channel, claimed.ts, deadline)
        else:
            try:
                posted = self.poster.post(message, route.channel, deadline)
            except Exception:
                self._restore(incident, claimed)  # as if nothing happened: Lambda's retry opens it again
                raise
        self._save_after_post(replace(claimed, ts=posted.ts, channel=posted.channel, status="open"))
        return posted

    def _refire(
        self,
        alarm: Alarm,
        incident: Incident,
        route: Route,
        render: Render,
        deadline: Deadline,
        extra: dict[str, str],
    ) -> Posted | None:
        changed = alarm.changed_at.timestamp()
        updated = replace(
            incident,
            state=alarm.state.value,
            changed_at=changed,
            notify_count=incident.notify_count + 1,
            last_notified_at=self.clock(),
            history=(*incident.history, (alarm.state.value, changed))[-20:],
            logs=extra.get("logs", incident.logs),
        )
        if incident.storm and self.storms is not None:
            self.storms.add(incident.storm, _entry(alarm), deadline)
            self._save_after_post(updated)
            return None
        # Slack first, the record after: a failed call leaves the record as it was, so a retry redoes the work.
        posted = self.poster.update(
            render(self._presentation(updated, route, alarm)), updated.channel, updated.ts, deadline
        )
        if not updated.acked_by and not updated.silenced:
            note = refire_note(alarm, updated.notify_count, updated.opened_at)
            self.poster.post(render_note(note), updated.channel, deadline, thread_ts=updated.ts)
        self._save_after_post(updated)
        return posted

    # --- OK and INSUFFICIENT_DATA ------------------------------------------------------------------------

    def _settled(
        self,
        alarm: Alarm,
        incident: Incident | None,
        route: Route,
        render: Render,
        deadline: Deadline,
        extra: dict[str, str],
    ) -> Posted | None:
        changed = alarm.changed_at.timestamp()
        if incident is None or incident.status != "open" or not (incident.ts or incident.storm):
            message = render(Presentation(severity=route.severity, service=extra.get("service", "")))
            return self.poster.post(message, route.channel, deadline)  # nothing to edit: never silent
        if changed < incident.changed_at:
            return None
        settled = replace(
            incident,
            state=alarm.state.value,
            changed_at=changed,
            status="resolved" if alarm.state is AlarmState.OK else "open",
            history=(*incident.history, (alarm.state.value, changed))[-20:],
        )
        if incident.storm and self.storms is not None:
            self.storms.add(incident.storm, _entry(alarm), deadline)
            self._save_after_post(settled)
            return None
        # Slack first, the record after: a failed call leaves the record as it was, so a retry redoes the work.
        message = render(self._presentation(settled, route, alarm))
        posted = self.poster.update(message, settled.channel, settled.ts, deadline)
        note = render_note(transition_note(alarm, settled.opened_at))
        self.poster.post(note, settled.channel, deadline, thread_ts=settled.ts)
        self._save_after_post(settled)
        return posted

    # --- helpers -------------------------------------------------------------------------------------------

    def _presentation(self, incident: Incident, route: Route, alarm: Alarm) -> Presentation:
        notes = status_notes(
            acked_by=incident.acked_by,
            silenced_until=incident.silenced_until,
            silenced_by=incident.silenced_by,
            opened_at=incident.opened_at,
            alarm=alarm,
        )
        first_post = alarm.state is AlarmState.ALARM and incident.notify_count <= 1 and not incident.silenced
        return Presentation(
            severity=route.severity,
            mention=route.mention if first_post else "",
            notes=notes,
            buttons=alarm.state is not AlarmState.OK,
            service=incident.service,
        )

    def _save_after_post(self, incident: Incident) -> None:
        """Record what was posted; a concurrent change in between (a click, a newer state) is merged, not lost."""
        for _ in range(ATTEMPTS):
            try:
                self.store.put(incident)
                return
            except Conflict:
                current = self.store.get(incident.alarm_arn)
                if current is None:
                    current = replace(incident, version=0)
                incident = _merged(incident, current)

    def _restore(self, original: Incident | None, claimed: Incident) -> None:
        with contextlib.suppress(Conflict):
            if original is None:
                self.store.delete(claimed)
            else:
                self.store.put(replace(original, version=claimed.version))


def _merged(ours: Incident, current: Incident) -> Incident:
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
            service=ours.service or current.service,
        )
    return replace(merged, status="open") if merged.status == "posting" else merged


def _entry(alarm: Alarm) -> dict[str, Any]:
    return {
        "id": f"{alarm.arn}|{alarm.state.value}|{alarm.changed_at.timestamp()}",
        "arn": alarm.arn,
        "name": alarm.name,
        "state": alarm.state.value,
        "reason": alarm.reason[:300],
        "at": alarm.changed_at.timestamp(),
        "where": f"{alarm.account} · {alarm.region}",
    }
