"""The fallback without the ledger: CloudTrail's ``LookupEvents`` for the alarmed resource's recent management
events, read with the ledger's own parser (``bot.changes.parse``) and kept when they are changes to the resources
asked about.

LookupEvents "allows 2 requests per second per account and region" and takes one lookup attribute per request
(here ``ResourceName``: CloudTrail's name of the resource, ``bot.changes.resources.lookup_name``). So the search is
bounded three ways: calls are paced at least ``interval_s`` apart (client-side, in this process; throttling by
other callers is botocore's standard retry's to absorb, and a throttle that survives it ends the search), at most
``max_calls`` pages in all, and never a call the deadline leaves no time for. What it could not search it says
(``Found.notes``): the card shows "searched …" rather than "nothing changed".
"""

from __future__ import annotations

import time
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.aws import error_code
from bot.changes import resources as resource_keys
from bot.changes.model import Change, UnknownChange
from bot.changes.parse import parse_lookup_event

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime
    from typing import Unpack

    from mypy_boto3_cloudtrail.type_defs import (
        EventTypeDef,
        LookupEventsRequestTypeDef,
        LookupEventsResponseTypeDef,
    )

    from bot.delivery import Deadline

INTERVAL_S = 0.5
"""CloudTrail LookupEvents: 2 requests per second per account and region (CloudTrail quotas)."""
MAX_CALLS = 4
"""Pages in one search, across resources: 4 pages of 50 events, 1.5 s of pacing at most."""
PAGE_SIZE = 50
"""LookupEvents' largest ``MaxResults``."""
CALL_BUDGET_S = 1.5
"""The least time left for a call to be made (botocore's connect and first-byte wait, rarely more)."""


@dataclass(frozen=True)
class Found:
    items: tuple[Change, ...]
    """Newest first, each change once."""
    complete: bool
    notes: tuple[str, ...] = ()
    calls: int = 0


class Events(Protocol):
    """What the lookup asks of CloudTrail: its ``LookupEvents`` (a ``CloudTrailClient``, or a stand-in that
    builds one on its first call)."""

    def lookup_events(self, **request: Unpack[LookupEventsRequestTypeDef]) -> LookupEventsResponseTypeDef: ...


@dataclass(eq=False)
class CloudTrailLookup:
    cloudtrail: Events
    _: KW_ONLY
    interval_s: float = INTERVAL_S
    max_calls: int = MAX_CALLS
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next_call: float = field(default=float("-inf"), init=False)

    def find(self, resources: Iterable[str], since: datetime, until: datetime, deadline: Deadline) -> Found:
        """The changes to ``resources`` CloudTrail recorded between ``since`` and ``until``, the first resource
        searched first (the alarmed one)."""
        wanted = list(dict.fromkeys(resources))
        searchable = [(r, n) for r in wanted if (n := resource_keys.lookup_name(r))]
        unsearchable = [r for r in wanted if not resource_keys.lookup_name(r)]
        notes = [resource_keys.unsearchable(unsearchable)] if unsearchable else []
        changes: dict[str, Change] = {}
        calls, complete = 0, not notes
        for index, (_, name) in enumerate(searchable):
            token: str | None = None
            while True:
                if calls >= self.max_calls:
                    notes.append(_rest("page limit reached", searchable[index:], token))
                    return _found(changes, False, notes, calls)
                if not self._wait_for_slot(deadline):
                    notes.append(_rest("out of time", searchable[index:], token))
                    return _found(changes, False, notes, calls)
                calls += 1
                request: LookupEventsRequestTypeDef = {
                    "LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": name}],
                    "StartTime": since,
                    "EndTime": until,
                    "MaxResults": PAGE_SIZE,
                }
                if token:
                    request["NextToken"] = token
                try:
                    page = self.cloudtrail.lookup_events(**request)
                except Exception as exc:  # a throttle botocore's retries could not absorb, access denied, 5xx
                    why = error_code(exc) or type(exc).__name__
                    notes.append(_rest(f"CloudTrail answered {why}", searchable[index:], token))
                    return _found(changes, False, notes, calls)
                for found in page.get("Events") or []:
                    change = _change(found)
                    if change is not None and set(change.resources) & set(wanted):
                        changes.setdefault(change.id, change)
                token = page.get("NextToken")
                if not token:
                    break
        return _found(changes, complete, notes, calls)

    def _wait_for_slot(self, deadline: Deadline) -> bool:
        """Wait for the next call's slot (``interval_s`` after the last), unless the deadline would pass."""
        wait = max(0.0, self._next_call - self.clock())
        if deadline.remaining() - wait < CALL_BUDGET_S:
            return False
        if wait:
            self.sleep(wait)
        self._next_call = self.clock() + self.interval_s
        return True


def _change(found: EventTypeDef) -> Change | None:
    """A LookupEvents event as a change, or None: most events on a resource are no change the ledger keeps (reads,
    other actions, failed calls), and one the parser cannot read is skipped, not fatal, on this path."""
    try:
        parsed = parse_lookup_event(found)
    except UnknownChange:
        return None
    return parsed if isinstance(parsed, Change) else None


def _rest(why: str, left: list[tuple[str, str]], token: str | None) -> str:
    first = left[0][0] + (" (from its next page)" if token else "")
    others = [r for r, _ in left[1:]]
    return f"{why}: not searched {first}" + (f" and {', '.join(others)}" if others else "")


def _found(changes: dict[str, Change], complete: bool, notes: list[str], calls: int) -> Found:
    items = tuple(sorted(changes.values(), key=lambda c: c.at, reverse=True))
    return Found(items, complete, tuple(notes), calls)
