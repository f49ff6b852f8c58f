"""What a person does to an incident from its message: acknowledge it, or silence it for a while. Each is a
conditional write of the incident record; the new record comes back so that the Slack side can redraw the
message's status line."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.lifecycle.store import Conflict

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.lifecycle.store import Incident, IncidentStore

ATTEMPTS = 8


def acknowledge(store: IncidentStore, alarm_arn: str, user: str) -> Incident | None:
    """The incident acknowledged by ``user`` (no more repeat notes); None when there is no such incident."""
    return _change(store, alarm_arn, lambda incident: replace(incident, acked_by=user))


def silence(store: IncidentStore, alarm_arn: str, user: str, seconds: int) -> Incident | None:
    """The incident silenced by ``user`` for ``seconds`` (no new posts until then)."""
    until = time.time() + seconds
    return _change(store, alarm_arn, lambda incident: replace(incident, silenced_until=until, silenced_by=user))


def _change(store: IncidentStore, alarm_arn: str, change: Callable[[Incident], Incident]) -> Incident | None:
    for _ in range(ATTEMPTS):
        incident = store.get(alarm_arn)
        if incident is None:
            return None
        try:
            return store.put(change(incident))
        except Conflict:
            continue
    return None
