"""State changes of alarms that are in a storm: numbered, recorded with their incident (so a retry finds its
own entry), then written through the ``StormDesk``; each returns where it went (``Posted.storm``), and the
delivery's caller flushes that storm."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.delivery import Posted
from bot.lifecycle.incident_records import save_merged, storm_entry
from bot.lifecycle.store import Conflict

if TYPE_CHECKING:
    from bot.lifecycle.decisions import Alert
    from bot.lifecycle.routing import Route
    from bot.lifecycle.store import Incident, IncidentStore
    from bot.lifecycle.storm import StormDesk


class StormMembers:
    def __init__(self, store: IncidentStore, storms: StormDesk) -> None:
        self.store = store
        self.storms = storms

    def change(self, alert: Alert, incident: Incident, updated: Incident, route: Route) -> Posted:
        """A storm alarm's change: numbered and recorded first (a retry then knows its entry), then written."""
        alarm = alert.alarm
        seq = self.storms.number(incident.storm, incident.channel)
        try:
            self.store.put(replace(updated, storm_seq=seq))  # Conflict: re-read and decide again
        except Conflict:
            self.storms.forget(incident.storm, seq)
            raise
        entry = storm_entry(alarm, route, was=incident.state, opening=False)
        self.storms.add(incident.storm, incident.channel, seq, entry)
        return Posted(channel=incident.channel, ts="", storm=incident.storm)

    def again(self, alert: Alert, incident: Incident, route: Route) -> Posted:
        """A retry of a storm alarm's change the record already holds: its entry written (again, if need be)."""
        alarm = alert.alarm
        was = incident.history[-2][0] if len(incident.history) > 1 else ""
        entry = storm_entry(alarm, route, was=was, opening=len(incident.history) <= 1)
        seq = self.storms.ensure(incident.storm, incident.channel, incident.storm_seq, entry)
        if seq != incident.storm_seq:
            save_merged(self.store, replace(incident, storm_seq=seq))
        return Posted(channel=incident.channel, ts="", storm=incident.storm)

    def late(self, alert: Alert, incident: Incident, route: Route) -> Posted:
        """An ALARM older than the OK that resolved this storm alarm: said in the storm's thread."""
        alarm = alert.alarm
        entry = storm_entry(alarm, route, was="ALARM", opening=False)
        entry["late"] = True
        seq = self.storms.number(incident.storm, incident.channel)
        self.storms.add(incident.storm, incident.channel, seq, entry)
        return Posted(channel=incident.channel, ts="", storm=incident.storm)
