"""One message per incident: ALARM opens it, re-evaluations update it and reply in its thread, OK and
INSUFFICIENT_DATA edit it and reply; acknowledged or silenced incidents stop the repeat replies. Storms are
handed to the ``StormDesk``. Every decision reads the incident record and writes it back conditionally; the
``Messenger`` carries each decision out (renders and posts) before the record says it was done.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.alarms import Alarm, AlarmKind, AlarmState
from bot.delivery import Posted
from bot.lifecycle.decisions import Alert, Card, Messenger, Note
from bot.lifecycle.escalation import escalation_line, opening
from bot.lifecycle.incident_records import applied, logs_of, save_merged, storm_entry
from bot.lifecycle.store import Conflict, Incident, IncidentStore
from bot.lifecycle.storm_members import StormMembers
from bot.table_keys import LOG_ERRORS_STORM

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.delivery import Deadline
    from bot.lifecycle.escalation import EscalationIndex
    from bot.lifecycle.routing import Route
    from bot.lifecycle.storm import StormDesk

ATTEMPTS = 8
STORM_TAG = "lookout:storm"
"""On a log-error card (built by the forwarder, never by an alarm's owner): ``alone`` keeps it out of storms."""
POSTING_S = 60.0
"""Longer than the alarm function's timeout (30 s): a ``posting`` record this old was left by an invocation
that died (timeout, out of memory) before Slack answered. Younger, its post may still be under way."""


@dataclass(eq=False)
class IncidentTracker:
    store: IncidentStore
    messenger: Messenger
    storms: StormDesk | None = None
    _: KW_ONLY
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    post_lone_oks: bool = False
    """Post an OK with no incident to resolve (every new alarm's INSUFFICIENT_DATA → OK): off by default."""
    escalations: EscalationIndex | None = None
    """Where an opening that escalates is indexed for the minute tick's sweep (``lifecycle.escalation``)."""
    members: StormMembers | None = field(init=False)

    def __post_init__(self) -> None:
        self.members = StormMembers(self.store, self.storms) if self.storms is not None else None

    def deliver(
        self,
        alert: Alert,
        route: Route,
        deadline: Deadline,
        extra: dict[str, str],
        read: Callable[[], Incident | None] | None = None,
    ) -> Posted | None:
        """Post or update for this state change; the message posted or edited (None when grouped in a storm).
        ``read``: the incident as read ahead (while the claim and the enrichment ran); a record read early can
        only be older than the table's, and every write is conditional on its version, so a stale one costs
        a re-read, never a wrong decision."""
        alarm = alert.alarm
        for attempt in range(ATTEMPTS):
            incident = self._read(alarm.arn, read if attempt == 0 else None)
            try:
                if incident is not None and self._posting_now(incident):
                    self.sleep(0.3)  # another delivery is posting this incident's message right now
                    continue
                if incident is not None and incident.storm and self.members and applied(incident, alarm):
                    self._index_again(incident, alarm)
                    return self.members.again(alert, incident, route)
                if alarm.state is AlarmState.ALARM:
                    return self._firing(alert, incident, route, deadline, extra)
                return self._settled(alert, incident, route, deadline, extra)
            except Conflict:
                continue
        raise Conflict(alarm.arn)

    # --- ALARM -------------------------------------------------------------------------------------------

    def _firing(
        self, alert: Alert, incident: Incident | None, route: Route, deadline: Deadline, extra: dict[str, str]
    ) -> Posted | None:
        alarm = alert.alarm
        now = self.clock()
        changed = alarm.changed_at.timestamp()
        resumed = incident is not None and self._never_posted(incident) and changed == incident.changed_at
        if resumed:
            pass  # the invocation that opened it died before recording Slack's answer: this retry posts it
        elif incident is not None and alarm.time_known and changed <= incident.changed_at:
            if incident.status == "resolved" and changed < incident.changed_at:
                return self._late(alert, incident, route, deadline)  # never reopens: the OK is newer news
            self._index_again(incident, alarm)
            return None  # an older state change arriving late: the message already shows newer news
        if incident is not None and incident.status == "open":
            return self._refire(alert, incident, route, deadline, extra)
        silenced = incident is not None and incident.silenced and incident.ts
        family = LOG_ERRORS_STORM if alarm.kind is AlarmKind.LOG_ERROR else ""  # their own storm budget
        storm, counted = None, incident.counted if incident is not None else ""
        if resumed:  # a retry of this very opening: its first try counted it, and decided
            pass
        elif family and dict(alarm.tags or ()).get(STORM_TAG) == "alone":
            pass  # a log group's overflow card: its names are the news, a storm entry would drop them
        elif not silenced and self.storms is not None:
            storm, counted = self.storms.admit(route.channel, family, counted)
        seq = self.storms.number(storm, route.channel) if storm and self.storms is not None else 0
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
            storm_seq=seq,
            counted=counted,
            service=extra.get("service", ""),
            logs=logs_of(alert.enrichment) if storm else "",  # a post's: written after it (the sources run on)
            status="open" if storm else "posting",
            ts=base.ts if silenced else "",
            **opening(route, alarm),  # a new clock: a re-fire never gets here, an opening after an OK does
        )
        try:
            claimed = self.store.put(opened)  # Conflict: another delivery opened it first → re-read
        except Conflict:
            if storm and self.storms is not None:
                self.storms.forget(storm, seq)  # no entry will ever take this number
            raise
        if storm and self.storms is not None:
            was = incident.state if incident is not None else ""
            entry = storm_entry(alarm, route, was=was, opening=True)
            self.storms.add(storm, route.channel, seq, entry)
            self._index(claimed)  # after its entry: the storm's thread shows it
            return Posted(channel=route.channel, ts="", storm=storm)
        card = self._card(claimed, route, alarm)
        if silenced:
            posted = self.messenger.update(alert, card, claimed.channel, claimed.ts, deadline)
        else:
            try:  # a retry of a post that may have landed (its invocation died) looks for it first
                posted = self.messenger.post(alert, card, route.channel, deadline, search_first=resumed)
            except Exception:
                self._restore(incident, claimed)  # as if nothing happened: Lambda's retry opens it again
                raise
        opened = replace(
            claimed, ts=posted.ts, channel=posted.channel, status="open", logs=logs_of(alert.enrichment)
        )
        self._index(opened)  # after the post, before the record: a retry that resumes the post indexes it too
        self._save_after_post(opened)
        return posted

    def _refire(
        self, alert: Alert, incident: Incident, route: Route, deadline: Deadline, extra: dict[str, str]
    ) -> Posted | None:
        alarm = alert.alarm
        changed = alarm.changed_at.timestamp()
        updated = replace(
            incident,
            state=alarm.state.value,
            changed_at=changed,
            notify_count=incident.notify_count + 1,
            last_notified_at=self.clock(),
            history=(*incident.history, (alarm.state.value, changed))[-20:],
            logs=logs_of(alert.enrichment),
        )
        if incident.storm and self.members is not None:
            return self.members.change(alert, incident, updated, route)
        # Slack first, the record after: a failed call leaves the record as it was, so a retry redoes the work.
        posted = self.messenger.update(
            alert, self._card(updated, route, alarm), updated.channel, updated.ts, deadline
        )
        if (
            not updated.acked_by
            and not updated.silenced
            and (alarm.suppression_ended or self._due(incident, route, changed))
        ):
            # CloudWatch runs the actions when a suppression ends: a page, so its people are called (each time)
            mention = route.mention if alarm.suppression_ended else ""
            note = Note("refire", since=updated.opened_at, count=updated.notify_count, mention=mention)
            self.messenger.note(alarm, note, updated.channel, updated.ts, deadline)
            updated = replace(updated, noted_at=changed)
        self._save_after_post(updated)
        return posted

    # --- OK and INSUFFICIENT_DATA ------------------------------------------------------------------------

    def _settled(
        self, alert: Alert, incident: Incident | None, route: Route, deadline: Deadline, extra: dict[str, str]
    ) -> Posted | None:
        alarm = alert.alarm
        changed = alarm.changed_at.timestamp()
        if incident is None or incident.status != "open" or not (incident.ts or incident.storm):
            return self._settled_alone(alert, incident, route, deadline, extra)
        if alarm.time_known and changed < incident.changed_at:
            return None  # an unreadable time cannot be ordered: it is applied as the newest news
        settled = replace(
            incident,
            state=alarm.state.value,
            changed_at=changed,
            status="resolved" if alarm.state is AlarmState.OK else "open",
            history=(*incident.history, (alarm.state.value, changed))[-20:],
        )
        if incident.storm and self.members is not None:
            return self.members.change(alert, incident, settled, route)
        # Slack first, the record after: a failed call leaves the record as it was, so a retry redoes the work.
        posted = self.messenger.update(
            alert, self._card(settled, route, alarm), settled.channel, settled.ts, deadline
        )
        self.messenger.note(
            alarm, Note("transition", since=settled.opened_at), settled.channel, settled.ts, deadline
        )
        self._save_after_post(settled)
        return posted

    def _settled_alone(
        self, alert: Alert, incident: Incident | None, route: Route, deadline: Deadline, extra: dict[str, str]
    ) -> Posted | None:
        """No open incident to edit: the change gets a message of its own (never silent). Its record is claimed
        before the post, as an opening's is: its own ALARM, arriving concurrently or after it (a retry, a
        replay), then knows it is older, and does not reopen."""
        alarm = alert.alarm
        changed = alarm.changed_at.timestamp()
        if incident is not None and alarm.time_known and changed < incident.changed_at:
            return None  # older than what the record holds
        recorded = incident is None or incident.status == "resolved" or self._never_posted(incident)
        lone = alarm.state is AlarmState.OK and alarm.previous_state is not AlarmState.ALARM  # from ALARM: news
        if lone and recorded and not self.post_lone_oks:
            return self._quiet_ok(alert, incident, route)
        card = Card(severity=route.severity, service=extra.get("service", ""), note=route.note)
        claimed = None
        if alarm.time_known and recorded:
            base = incident or Incident(alarm_arn=alarm.arn, channel=route.channel)
            claimed = self.store.put(  # Conflict: another delivery wrote it first → re-read and decide again
                replace(
                    base,
                    channel=route.channel,
                    ts="",
                    state=alarm.state.value,
                    status="posting",
                    changed_at=changed,
                    opened_at=base.opened_at or changed,
                    last_notified_at=self.clock(),
                    history=(*base.history, (alarm.state.value, changed))[-20:],
                    storm="",
                    storm_seq=0,
                )
            )
        try:
            posted = self.messenger.post(alert, card, route.channel, deadline)
        except Exception:
            if claimed is not None:
                self._restore(incident, claimed)
            raise
        if claimed is not None:
            self._save_after_post(replace(claimed, ts=posted.ts, channel=posted.channel, status="resolved"))
        return posted

    # --- helpers -------------------------------------------------------------------------------------------

    def _read(self, arn: str, ahead: Callable[[], Incident | None] | None) -> Incident | None:
        if ahead is not None:
            try:
                return ahead()
            except Exception:  # noqa: BLE001 - the read ahead failed: read now, and let that one's error count
                pass
        return self.store.get(arn)

    def _posting_now(self, incident: Incident) -> bool:
        return incident.status == "posting" and self.clock() - incident.last_notified_at < POSTING_S

    def _never_posted(self, incident: Incident) -> bool:
        """A ``posting`` record without a message, older than any invocation: its post never happened."""
        return incident.status == "posting" and not incident.ts and not self._posting_now(incident)

    @staticmethod
    def _card(incident: Incident, route: Route, alarm: Alarm) -> Card:
        first_post = alarm.state is AlarmState.ALARM and incident.notify_count <= 1 and not incident.silenced
        first_post = first_post and not alarm.suppressed  # maintenance, not a page: the people are not called
        posting = route.mention if first_post and not incident.ts else None  # a post calls; an edit calls nobody
        return Card(
            severity=route.severity,
            mention=route.mention if first_post else "",
            buttons=alarm.state is not AlarmState.OK,
            service=incident.service,
            opened_at=incident.opened_at,
            acked_by=incident.acked_by,
            silenced_until=incident.silenced_until,
            silenced_by=incident.silenced_by,
            note=route.note,
            escalation=escalation_line(incident, posting=posting),
        )

    def _index(self, incident: Incident) -> None:
        """An opening that escalates, indexed for the sweep (never raises: a failure is logged and counted, and
        only the escalation is lost)."""
        if self.escalations is not None:
            self.escalations.register(incident, now=self.clock())

    def _index_again(self, incident: Incident, alarm: Alarm) -> None:
        """A retry of an opening whose first try died between its post (or storm entry) and the index: indexed
        again (a set: twice is once)."""
        changed = alarm.changed_at.timestamp()
        if alarm.state is AlarmState.ALARM and incident.status == "open" and changed == incident.opened_at:
            self._index(incident)

    def _save_after_post(self, incident: Incident) -> None:
        save_merged(self.store, incident)

    @staticmethod
    def _due(incident: Incident, route: Route, changed: float) -> bool:
        """A "still firing" note is due: the alarm's policy notes re-evaluations, and its period (in the alarm's
        own time, so however often CloudWatch re-sends) has passed since the last note or the opening."""
        if route.renotify_s is None:
            return False
        return changed - (incident.noted_at or incident.opened_at) >= route.renotify_s

    def _quiet_ok(self, alert: Alert, incident: Incident | None, route: Route) -> Posted:
        """An OK with nothing to resolve and no ALARM before it — a new alarm's first evaluation (INSUFFICIENT_DATA
        → OK), an OK after an OK — is not posted. (ALARM → OK with no incident is posted: an ALARM Lookout has not
        seen, still on its way or lost.) It is recorded all the same, so that an older ALARM arriving after it
        knows it is late (``_late``)."""
        alarm = alert.alarm
        changed = alarm.changed_at.timestamp()
        if alarm.time_known and (incident is None or changed >= incident.changed_at):
            base = incident or Incident(alarm_arn=alarm.arn, channel=route.channel)
            self.store.put(  # Conflict: another delivery wrote it first → re-read and decide again
                replace(
                    base,
                    state=alarm.state.value,
                    status="resolved",
                    changed_at=changed,
                    opened_at=base.opened_at or changed,
                    history=(*base.history, (alarm.state.value, changed))[-20:],
                )
            )
        return Posted(channel=route.channel, ts="", quiet="an OK with no incident to resolve")

    def _late(self, alert: Alert, incident: Incident, route: Route, deadline: Deadline) -> Posted | None:
        """An ALARM older than the OK that resolved its incident: said in the thread, never reopened. When that
        OK was not posted (it had nothing to resolve then), the ALARM gets a message of its own, already OK."""
        if incident.ts:
            note = Note("late", since=incident.changed_at)
            self.messenger.note(alert.alarm, note, incident.channel, incident.ts, deadline)
            return None
        if incident.storm and self.members is not None:
            return self.members.late(alert, incident, route)
        at = datetime.fromtimestamp(incident.changed_at, UTC).strftime("%H:%M:%S UTC")
        card = Card(severity=route.severity, note=f"Already OK at {at}: that OK arrived before this ALARM")
        posted = self.messenger.post(alert, card, route.channel, deadline)
        self._save_after_post(replace(incident, ts=posted.ts, channel=posted.channel))
        return posted

    def _restore(self, original: Incident | None, claimed: Incident) -> None:
        with contextlib.suppress(Conflict):
            if original is None:
                self.store.delete(claimed)
            else:
                self.store.put(replace(original, version=claimed.version))
