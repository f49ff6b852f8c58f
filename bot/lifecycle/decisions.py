"""What the lifecycle decides and hands to the one owner that carries it out (``Messenger``): the card an
incident's message should show, the thread notes to add, the storm batches to publish.

These are values; drawing them in Block Kit and sending them is the Slack side's business
(``bot.slack.transport.courier``). Nothing here knows Slack.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypedDict

if TYPE_CHECKING:
    from bot.alarms import Alarm
    from bot.delivery import Deadline, Posted
    from bot.enrich.model import Enrichment


class Alert:
    """An alarm with what enrichment found for it — or is still finding: a ``Future``, waited for at the first
    use of ``enrichment`` (rendering), so that the lifecycle's decisions and writes run beside the sources."""

    __slots__ = ("_found", "alarm")

    def __init__(self, alarm: Alarm, enrichment: Enrichment | Future[Enrichment]) -> None:
        self.alarm = alarm
        self._found = enrichment

    @property
    def enrichment(self) -> Enrichment:
        found = self._found
        return found.result() if isinstance(found, Future) else found


@dataclass(frozen=True)
class Card:
    """How an incident's message should look beyond the alarm itself."""

    severity: str = ""
    mention: str = ""
    """Only on the first post of a firing alarm."""
    buttons: bool = False
    service: str = ""
    opened_at: float = 0.0
    acked_by: str = ""
    silenced_until: float = 0.0
    silenced_by: str = ""
    note: str = ""
    """A routing note (the tag's channel was not allowed), shown on the message."""
    untracked: bool = False
    """Posted without incident tracking (the incidents table was unreachable): later changes come as new
    messages, and this one may come twice."""
    escalation: str = ""
    """The incident's escalation, as one line of our own mrkdwn (``bot.lifecycle.escalation.escalation_line``):
    "escalates to <!subteam^S…> at 03:25 UTC", "escalated to <!subteam^S…> at 03:25 UTC · paged at 03:40 UTC";
    on a first post whose escalation group is not already called, without the group ("escalates at 03:25 UTC
    unless acknowledged"), so that posting the card does not call it. Empty: nothing to show."""


@dataclass(frozen=True)
class Note:
    """A reply in the incident's thread: still firing (``refire``, the ``count``-th time since ``since``), a
    change of state (``transition``, after the incident opened at ``since``), an ALARM older than the
    incident's OK at ``since`` that arrived after it (``late``: said, never reopened), or nobody acknowledged
    the incident that opened at ``since`` (``escalation``: step ``count`` — 1 — calls ``mention``, and the
    escalation topic is paged at ``pages_at``)."""

    kind: Literal["refire", "transition", "late", "escalation"]
    since: float
    count: int = 0
    mention: str = ""
    """Who the reply calls: a re-fire that pages (a composite alarm whose suppression ended) calls the route's
    mention, as a first post does — an edited message notifies no one; an escalation calls its group."""
    pages_at: float = 0.0
    """``escalation``: when the escalation topic will be paged if still nobody acknowledges (0: no page)."""


class StormEntry(TypedDict, total=False):
    """One state change of a storm's alarm (``bot.lifecycle.incident_records.storm_entry``), as the table keeps
    it (JSON) and its thread reply shows it; a number given up is ``{"tombstone": True}``. The summary lists
    alarms with their ``arn``, ``name``, ``state``, ``reason`` and ``at`` only."""

    id: str
    """The alarm's ``change_key``."""
    arn: str
    name: str
    state: str
    was: str
    opening: bool
    late: bool
    """An ALARM older than the incident's OK that arrived after it: said, never reopened."""
    reason: str
    at: float
    where: str
    mention: str
    severity: str
    tombstone: bool


@dataclass(frozen=True)
class StormRound:
    """One round of a storm flush: the summary as it now stands, and the entries ``first``..``last`` to reply
    with in its thread (tombstones left out). ``resumed``: a flusher before this one may have posted part of
    it, so look before posting."""

    key: str
    channel: str
    summary_ts: str
    alarms: int
    firing: int
    severity: str
    mentions: tuple[str, ...]
    top: tuple[StormEntry, ...]
    batch: tuple[StormEntry, ...]
    first: int
    last: int
    announce: tuple[str, ...] = ()
    """Mentions new to the storm in this round: the reply calls them."""
    resumed: bool = False
    errors: bool = False
    """A storm of new log-error kinds (their own count, never a channel's alarms)."""


class Messenger(Protocol):
    """The one owner of the chat side: renders what the lifecycle decided, and posts it."""

    def post(
        self, alert: Alert, card: Card | None, channel: str, deadline: Deadline, *, search_first: bool = False
    ) -> Posted:
        """Post the alert's message (``search_first``: an earlier try may have posted it before it died)."""
        ...

    def update(self, alert: Alert, card: Card, channel: str, ts: str, deadline: Deadline) -> Posted: ...

    def note(
        self,
        alarm: Alarm,
        note: Note,
        channel: str,
        thread_ts: str,
        deadline: Deadline,
        *,
        search_first: bool = False,
    ) -> None:
        """Reply in the thread with ``note`` (``search_first``: an earlier try may have posted it, then died)."""
        ...

    def storm_summary(self, storm_round: StormRound, deadline: Deadline) -> Posted:
        """Post the storm's summary (or update it, when the round has its ts); the summary as posted."""
        ...

    def storm_replies(self, storm_round: StormRound, summary: Posted, deadline: Deadline) -> None:
        """Reply with the round's entries in the summary's thread."""
        ...
