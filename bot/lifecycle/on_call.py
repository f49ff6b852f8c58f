"""What on-call asks of an incident from its message — acknowledge it, silence it for a while, see older log
lines — carried out by the lifecycle: conditional writes of the incident record (``acknowledge``, ``silence``), the
"More logs" cursor read and moved on. Returns values for the Slack side to draw: the incident's ``Status``, a
page of ``OlderLogs``. Never imports ``bot.slack``; never draws or sends anything.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.enrich.log_cursor import LogCursor, lines_before
from bot.lifecycle.store import Conflict

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_logs import CloudWatchLogsClient

    from bot.enrich.model import LogLine
    from bot.lifecycle.store import Incident, IncidentStore


@dataclass(frozen=True)
class Status:
    """What the incident's message says of it: who acknowledged it, until when it is silenced and by whom."""

    acked_by: str = ""
    silenced_until: float = 0.0
    silenced_by: str = ""
    escalation: str = ""
    """The escalation line (``bot.lifecycle.escalation.escalation_line``): after a click, an escalation that
    happened stays said; one that was pending is stopped by the click, and goes."""

    @classmethod
    def of(cls, incident: Incident) -> Status:
        # here, not at the top: the Slack function's buttons need only this line of it, and the module's
        # dataclasses cost its cold start 10 ms (measured)
        from bot.lifecycle.escalation import escalation_line

        return cls(
            acked_by=incident.acked_by,
            silenced_until=incident.silenced_until,
            silenced_by=incident.silenced_by,
            escalation=escalation_line(incident),
        )


@dataclass(frozen=True)
class OlderLogs:
    """One page of "More logs": the lines before ``cursor`` (newest first) and whether the search covered what
    it had to. ``cursor`` None: no log groups are known for the alarm (nothing was searched)."""

    alarm_arn: str
    cursor: LogCursor | None = None
    lines: tuple[LogLine, ...] = ()
    complete: bool = True

    @property
    def next_cursor(self) -> LogCursor | None:
        """Where the page after this one starts (None: this page showed nothing, the cursor stays)."""
        return self.cursor.past(self.lines[-1]) if self.cursor is not None and self.lines else None


class OnCall:
    def __init__(self, store: IncidentStore, logs: CloudWatchLogsClient) -> None:
        """``logs``: the CloudWatch Logs client the older lines are searched with."""
        self.store = store
        self.logs = logs

    def acknowledge(self, alarm_arn: str, user: str) -> Status | None:
        """The incident acknowledged by ``user`` (no more repeat notes); None when there is no such incident."""
        incident = acknowledge(self.store, alarm_arn, user)
        return Status.of(incident) if incident is not None else None

    def silence(self, alarm_arn: str, user: str, seconds: int) -> Status | None:
        """The incident silenced by ``user`` for ``seconds`` (no new posts until then)."""
        incident = silence(self.store, alarm_arn, user, seconds)
        return Status.of(incident) if incident is not None else None

    def older_logs(self, alarm_arn: str, limit: int) -> OlderLogs:
        """The next ``limit`` lines before the oldest one the incident's messages showed. Reads only: once the
        page is shown, ``shown(page)`` moves the cursor on."""
        incident = self.store.get(alarm_arn)
        cursor = LogCursor.from_stored(incident.logs) if incident is not None else None
        if cursor is None:
            return OlderLogs(alarm_arn)
        lines, complete = lines_before(self.logs, cursor, limit)
        return OlderLogs(alarm_arn, cursor=cursor, lines=lines, complete=complete)

    def shown(self, page: OlderLogs) -> None:
        """The page reached the channel: the next click starts before its oldest line — unless the record moved
        on meanwhile (another click, a newer message with its own lines), whose cursor then stands."""
        after = page.next_cursor
        if after is None:
            return
        incident = self.store.get(page.alarm_arn)
        if incident is None or LogCursor.from_stored(incident.logs) != page.cursor:
            return
        with contextlib.suppress(Conflict):  # a lost race only means the next click starts from here again
            self.store.put(replace(incident, logs=after.stored()))


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
