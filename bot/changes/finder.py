"""What changed before an alarm: the card's one call. The ledger answers when it has been recording since the
window's start; for the part of the window before that (the ledger not deployed, switched off, or younger than
the window) CloudTrail's LookupEvents does, bounded (``bot.changes.lookup``). Either failing degrades to a note —
the card says what it searched, never that nothing changed when it could not look.

    finder = ChangeFinder(ChangeLedger(dynamodb, table), CloudTrailLookup(cloudtrail))
    wanted = [*resources.of_metrics(alarm.metrics), *resources.of_nodes(neighbours), resources.account(account)]
    changes = finder.before(wanted, first_breach, deadline=deadline)

The account's feed (``resources.account``) holds the changes no alarm names by resource — stack deploys,
parameters, AppConfig deployments; the ledger alone has it (CloudTrail cannot be searched for it).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.aws import error_code
from bot.changes.model import Change, Changes
from bot.changes.resources import lookup_name, unsearchable

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from bot.changes.ledger import ChangeLedger, Window
    from bot.changes.lookup import CloudTrailLookup
    from bot.changes.model import Source
    from bot.delivery import Deadline

WINDOW = timedelta(hours=1)
"""How far back before the state change the card looks (issue #31: "in the hour before the state change")."""
MAX_RESOURCES = 20
"""The alarmed resource and its neighbours the ledger is asked about (40 items at most: one BatchGetItem)."""
LOOKUP_RESOURCES = 3
"""Of those, the ones CloudTrail is searched for (the first: the alarmed one): LookupEvents is slow and shared."""


class ChangeFinder:
    def __init__(self, ledger: ChangeLedger | None, lookup: CloudTrailLookup | None) -> None:
        """``ledger`` None: not deployed (``ChangeLedger`` off); ``lookup`` None: no CloudTrail fallback."""
        self.ledger = ledger
        self.lookup = lookup

    def before(
        self,
        resources: Iterable[str],
        breach: datetime,
        *,
        window: timedelta = WINDOW,
        deadline: Deadline,
    ) -> Changes:
        """The changes to ``resources`` (``bot.changes.resources`` keys, the alarmed resource's first) in the
        ``window`` before ``breach`` (the state change, or the first breaching datapoint), newest first."""
        wanted = list(dict.fromkeys(resources))[:MAX_RESOURCES]
        since, until = breach - window, breach
        notes: list[str] = []
        found: dict[str, Change] = {}
        searched_from = until  # the ledger covers [searched_from, until]
        used: list[Source] = []
        if self.ledger is not None and wanted:
            read = self._read_ledger(wanted, since, until, deadline, notes)
            if read is not None:
                if read.recording_since is not None:
                    searched_from = max(since, read.recording_since)
                    found.update((c.id, c) for c in read.items)
                    used.append("ledger")
                if read.dropped:
                    notes.append(f"at least {read.dropped} more changes in this window were counted, not kept")
        complete = searched_from <= since
        if not complete and self.lookup is not None and wanted:
            searchable = [r for r in wanted if lookup_name(r)]
            unsearched = [r for r in wanted if not lookup_name(r)]
            result = self.lookup.find(searchable[:LOOKUP_RESOURCES], since, min(searched_from, until), deadline)
            found.update((c.id, c) for c in result.items if c.id not in found)
            used.append("cloudtrail")
            notes.extend(result.notes)
            if unsearched:
                notes.append(unsearchable(unsearched))
            if len(searchable) > LOOKUP_RESOURCES:
                notes.append(
                    f"CloudTrail searched for the first {LOOKUP_RESOURCES} of {len(searchable)} resources"
                )
            complete = result.complete and not unsearched and len(searchable) <= LOOKUP_RESOURCES
        elif not complete:
            notes.append("no change ledger for this window and no CloudTrail lookup")
        items = tuple(sorted(found.values(), key=lambda c: c.at, reverse=True))
        source: Source = "ledger+cloudtrail" if len(used) == 2 else used[0] if used else "none"
        return Changes(items, since, until, source, complete, tuple(notes))

    def _read_ledger(
        self, wanted: list[str], since: datetime, until: datetime, deadline: Deadline, notes: list[str]
    ) -> Window | None:
        assert self.ledger is not None
        try:
            return self.ledger.read(wanted, since, until, deadline)
        except Exception as exc:  # the table unreachable, throttled: CloudTrail may still answer
            notes.append(f"change ledger unavailable: {error_code(exc) or type(exc).__name__}")
            return None
