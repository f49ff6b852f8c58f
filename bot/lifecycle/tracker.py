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
                self._forget(claimed)  # let Lambda's retry open it again
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
        saved = self.store.put(updated)
        if incident.storm and self.storms is not None:
            self.storms.add(incident.storm, _entry(alarm), deadline)
            return None
        posted = self.poster.update(
            render(self._presentation(saved, route, alarm)), saved.channel, saved.ts, deadline
        )
        if not saved.acked_by and not saved.silenced:
            note = refire_note(alarm, saved.notify_count, saved.opened_at)
            self.poster.post(render_note(note), saved.channel, deadline, thread_ts=saved.ts)
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
        saved = self.store.put(settled)
        if incident.storm and self.storms is not None:
            self.storms.add(incident.storm, _entry(alarm), deadline)
            return None
        posted = self.poster.update(
            render(self._presentation(saved, route, alarm)), saved.channel, saved.ts, deadline
        )
        self.poster.post(
            render_note(transition_note(alarm, saved.opened_at)), saved.channel, deadline, thread_ts=saved.ts
        )
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
        """Record the posted ts; a concurrent change in between is merged, never lost."""
        for _ in range(ATTEMPTS):
            try:
                self.store.put(incident)
                return
            except Conflict:
                current = self.store.get(incident.alarm_arn)
                if current is None:
                    return
                incident = replace(
                    current,
                    ts=incident.ts,
                    channel=incident.channel,
                    status="open" if current.status == "posting" else current.status,
                )

    def _forget(self, incident: Incident) -> None:
        with contextlib.suppress(Conflict):
            self.store.put(replace(incident, status="resolved", ts=""))


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
