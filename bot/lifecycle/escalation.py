"""Escalation when nobody acknowledges: an incident firing for its period without Acknowledge gets a thread note
that calls its escalation group (step 1), and a period later a page on the escalation SNS topic (step 2).

No process waits. At an incident's opening the tracker writes the steps' policy into the incident record and
adds the alarm's ARN to the index item of the minute the first step is due (``table_keys.escalation``). The
scheduled function's minute tick (``handlers/checks.py``) sweeps the index items of the last ``LOOK_BACK``
minutes and the incidents they name; each step that is due runs exactly once per (alarm ARN, opening, step)
under Powertools Idempotency (``ExactlyOnce``), then is recorded on the incident with its version-conditional
put. Acknowledge, Silence and OK stop it: read at sweep time, and read again under the step's claim just
before its call, so that one landing while the tick runs wins over a step not yet sent. A re-fire changes
nothing (the clock is the opening's, in the alarm's own time). Every step still pending is first carried into
the next minute's item, so one that fails, or a tick that dies or never runs, leaves it for the next tick.

What "once" means for each step. The claim makes the step run once while it holds, and it completes only after
Slack or SNS answered; a tick killed in between (a timeout) leaves a claim that expires with the invocation, and
the next try takes the step again:

- The thread note is posted exactly once. It carries its key in Slack's message metadata, and a step that may
  have been tried before (``Indexed.again``: taken after its first due minute, or by a tick whose minute was
  already swept — Lambda's retry of it) looks for that key in the thread before posting, as a retried post of
  the alert looks for its own (``search_first``). Left: a thread whose first 50 messages do not include the note
  (``conversations.replies`` reads oldest first), or one Slack will not let us read, gets it again.
- The page is published at least once. SNS keeps nothing a retry could look in, and an escalation topic's
  subscribers (e-mail, HTTPS pagers) rule out a FIFO topic and its deduplication. A page SNS took whose tick then
  died before the claim completed, or whose answer was lost, is published again by the next try; every copy
  carries the same ``dedupe_key`` (``page_key``: a message attribute, and a line of the text) for subscribers
  to drop repeats — as SNS's own at-least-once delivery to subscribers asks of them anyway. Claiming the page
  as done before publishing would trade that repeat for a page that can be lost: not what escalation is for.

Not for: drawing the note (``bot.slack``: the ``Messenger`` renders ``Note("escalation")``) or creating clients.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, TypedDict

from bot import aws, coerce, table_keys
from bot.alarms import Alarm, AlarmKind, AlarmState
from bot.console import alarm_url
from bot.lifecycle.decisions import Note
from bot.lifecycle.store import Conflict
from bot.text import excerpt

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

    from bot.delivery import Deadline
    from bot.lifecycle.alarm_path import Lifecycle
    from bot.lifecycle.decisions import Messenger
    from bot.lifecycle.once import ExactlyOnce
    from bot.lifecycle.routing import Route
    from bot.lifecycle.store import Incident, IncidentStore
    from bot.lifecycle.storm_store import StormStore

_LOG = logging.getLogger(__name__)

LOOK_BACK = 5
"""Minutes before the tick's own that it reads: Scheduler retries a minute's tick for up to five minutes
(``MaximumEventAgeInSeconds: 300``), and each retry reads the same minutes (its scheduled time is the same)."""
RESERVE_S = 5.0
"""A step starts only with this much of the invocation left: Slack's or SNS's answer must fit in it. The
steps left for lack of time were carried to the next minute."""
GIVE_UP_S = 24 * 3600
"""A step still not taken a day after it was due is dropped (logged and counted): its incident's message
has been in the channel, unacknowledged, all that while."""
CATCH_UP = GIVE_UP_S // 60
"""Minutes of missed ticks a tick reads back at most (older steps are dropped anyway)."""
ATTEMPTS = 8
SUBJECT_CHARS = 99
"""SNS: a Subject is ASCII, one line, under 100 characters."""

Count = Callable[[str], None]


def _powertools_count(name: str) -> None:
    """The default counter: Powertools Metrics instances share one metric set, flushed by the handler's
    ``Telemetry.wrap_handler`` (the lifecycle is built without telemetry). Never fails a delivery."""
    with contextlib.suppress(Exception):
        from aws_lambda_powertools import Metrics

        Metrics().add_metric(name=name, unit="Count", value=1)


# --- values and pure decisions ---------------------------------------------------------------------------------


def minute_at(moment: float) -> int:
    """The first tick (minutes since the epoch) at or after ``moment``: the tick that finds a step due then."""
    return math.ceil(moment / 60)


def due_at(incident: Incident, step: int) -> float:
    """When ``step`` (1: the thread note, 2: the page) of the incident's opening is due, in the alarm's time."""
    first = incident.opened_at + incident.escalate_after_s
    return first if step == 1 else first + incident.escalate_page_s


class Opening(TypedDict):
    """An incident record's escalation fields at its opening (``Incident``'s fields of the same names)."""

    escalate_after_s: int
    escalate_page_s: int
    escalate_to: str
    escalated: int
    name: str
    reason: str


def opening(route: Route, alarm: Alarm) -> Opening:
    """The escalation fields of an incident record at its opening (a new clock, no step taken): the route's
    policy, or none — for a composite alarm whose actions are suppressed (maintenance calls nobody)."""
    if route.escalate_after_s is None or alarm.suppressed:
        return {
            "escalate_after_s": 0,
            "escalate_page_s": 0,
            "escalate_to": "",
            "escalated": 0,
            "name": "",
            "reason": "",
        }
    return {
        "escalate_after_s": route.escalate_after_s,
        "escalate_page_s": route.escalate_page_s,
        "escalate_to": route.escalate_to,
        "escalated": 0,
        "name": alarm.name[:256],
        "reason": excerpt(alarm.reason, 300),  # redacted before the cut, as stored
    }


def stopped(incident: Incident) -> bool:
    """Acknowledged, silenced during this incident, or resolved: its clock stopped."""
    return (
        bool(incident.acked_by)
        or incident.silenced_until > incident.opened_at
        or incident.status == "resolved"
        or incident.state == AlarmState.OK.value
    )


def escalation_line(incident: Incident, *, posting: str | None = None) -> str:
    """What the card says about the incident's escalation (our own mrkdwn): "escalates to @x at 03:26 UTC",
    "escalated to @x at 03:26 UTC · paged at 03:41 UTC", or "" (none, or its clock stopped before a step).
    ``posting``: the card is being posted (not edited) and calls this mention. A group it does not call is not
    named on it, so that posting the card does not call the escalation group ("escalates at 03:26 UTC unless
    acknowledged"); edited messages notify nobody, so later cards name it."""
    if not incident.escalate_after_s:
        return ""
    to = incident.escalate_to
    note_at = _clock(minute_at(due_at(incident, 1)) * 60)
    if incident.escalated >= 1:
        line = f"escalated to {to} at {note_at}" if to else f"escalated at {note_at}"
        if incident.escalated >= 2:
            line += f" · paged at {_clock(minute_at(due_at(incident, 2)) * 60)}"
        return line
    if stopped(incident):
        return ""
    if to and (posting is None or set(to.split()) <= set(posting.split())):
        return f"escalates to {to} at {note_at}"
    return f"escalates at {note_at} unless acknowledged"


Standing = Literal["due", "later", "waiting", "stopped", "done", "abandoned"]


def standing(incident: Incident | None, tick: float, *, pages: bool) -> tuple[Standing, int]:
    """Where an indexed incident stands at the tick (scheduled time ``tick``), and its next step:
    ``due`` (take it now), ``later`` (not posted yet, or not in ALARM: look again next minute), ``waiting``
    (its next step's own index entry brings it back), ``stopped``, ``done``, or ``abandoned`` (due too long)."""
    if incident is None or not incident.escalate_after_s or stopped(incident):
        return "stopped", 0
    step = incident.escalated + 1
    if step > (2 if pages else 1):
        return "done", step
    due = due_at(incident, step)
    if due > tick:
        return "waiting", step
    if tick - due > GIVE_UP_S:
        return "abandoned", step
    if incident.status == "posting" or (not incident.ts and not incident.storm):
        return "later", step  # its message is being posted: the note needs its thread
    if incident.state != AlarmState.ALARM.value:
        return "later", step  # INSUFFICIENT_DATA: neither firing nor over
    return "due", step


@dataclass(frozen=True)
class Page:
    """What the escalation topic receives: ``subject`` (SNS's e-mail subject), a readable ``message``, and
    ``attributes`` (SNS message attributes, for subscription filter policies)."""

    subject: str
    message: str
    attributes: dict[str, str] = field(default_factory=dict)


def page_key(incident: Incident) -> str:
    """The page's dedupe key: the same for every copy of one opening's page (a repeat after a tick died between
    SNS's answer and its claim, or SNS's own at-least-once delivery), never the same for two openings."""
    step = table_keys.escalation_step(incident.alarm_arn, incident.opened_at, 2)
    return "lookout-" + hashlib.sha256(step.encode()).hexdigest()[:32]


def page_for(incident: Incident, tick: float, channel: str, thread_ts: str, *, dedupe_key: str = "") -> Page:
    """The page of an incident nobody acknowledged (plain text: e-mail and pager integrations show it).
    ``dedupe_key`` (``page_key``): said in the text and in the ``dedupe_key`` attribute, for subscribers that
    drop repeats."""
    alarm = alarm_of(incident)
    since = datetime.fromtimestamp(incident.opened_at, UTC)
    minutes = max(0, int(tick - incident.opened_at) // 60)
    to = " ".join(re.findall(r"[SUW][A-Z0-9]{6,20}", incident.escalate_to)) or "nobody (no escalation group)"
    lines = [
        f"{alarm.name} has been in ALARM since {since:%H:%M} UTC ({minutes} min); nobody acknowledged it.",
        "",
        f"Alarm:    {alarm.name}",
        f"ARN:      {alarm.arn}",
        f"State:    ALARM since {since:%Y-%m-%d %H:%M:%S} UTC",
        f"Where:    account {alarm.account or 'unknown'} · {alarm.region or 'region unknown'}",
        f"Reason:   {alarm.reason or '(none given)'}",
        f"Slack:    channel {channel}, message {thread_ts or '(in a storm summary)'}; the thread note called {to}"
        f" at {_clock(minute_at(due_at(incident, 1)) * 60)}",
    ]
    if alarm.kind is AlarmKind.METRIC and alarm.region:
        lines.append(f"Console:  {alarm_url(alarm)}")
    if dedupe_key:
        lines.append(f"Page id:  {dedupe_key} (a repeat of this page carries the same id)")
    subject = _ascii(f"Lookout escalation: {alarm.name} in ALARM for {minutes} min, unacknowledged")
    attributes = {"alarm_arn": alarm.arn, "state": "ALARM", "opened_at": since.isoformat(), "channel": channel}
    if dedupe_key:
        attributes["dedupe_key"] = dedupe_key
    return Page(subject=subject[:SUBJECT_CHARS], message="\n".join(lines), attributes=attributes)


def alarm_of(incident: Incident) -> Alarm:
    """The incident's alarm as it opened (what the note and the page name), from its record and its ARN."""
    parts = incident.alarm_arn.split(":", 5)
    partition, service, region, account = (parts + ["", "", "", "", ""])[1:5]
    resource = parts[5] if len(parts) > 5 else incident.alarm_arn
    kind = AlarmKind.METRIC
    if service == "lookout":
        kind = AlarmKind.CHECK if resource.startswith("check/") else AlarmKind.LOG_ERROR
    name = incident.name or resource.removeprefix("alarm:").split("/", 1)[-1]
    return Alarm(
        name=name,
        arn=incident.alarm_arn,
        kind=kind,
        state=AlarmState.ALARM,
        previous_state=AlarmState.OK,
        reason=incident.reason,
        changed_at=datetime.fromtimestamp(incident.opened_at, UTC),
        account=account,
        region=region,
        partition=partition or "aws",
    )


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%H:%M UTC")


def _ascii(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)


# --- the index -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indexed:
    """What a tick read from the index: the ARNs it looks at (each with the earliest minute it is indexed in),
    and the last minute a tick swept before it (None: no tick ever did)."""

    arns: dict[str, int]
    swept: int | None = None

    def again(self, minute: int, due_minute: int) -> bool:
        """Whether a step first due at ``due_minute`` may have been tried before by the tick of ``minute``: an
        earlier minute's tick found it due (every tick since carried it), or this very minute was swept already
        — Lambda's retry of a tick (its scheduled time is the same), or one running beside it."""
        return minute > due_minute or (self.swept is not None and self.swept >= minute)


class EscalationIndex:
    """Which incidents have an escalation step due in which minute: ``escalation#<minute>#<shard>`` items, each
    a string set of alarm ARNs (``table_keys``)."""

    def __init__(
        self,
        table: str,
        client: DynamoDBClient,
        *,
        count: Count | None = None,
        logger: logging.Logger | Logger | None = None,
    ) -> None:
        self.table = table
        self.client = client
        self.count = count or _powertools_count
        self.log: logging.Logger | Logger = logger or _LOG

    def add(self, arns: Iterable[str], minute: int) -> None:
        """Add ``arns`` to ``minute``'s items: one UpdateItem per shard they fall in (a set: adding twice is
        adding once)."""
        shards: dict[int, set[str]] = {}
        for arn in arns:
            shards.setdefault(table_keys.escalation_shard(arn), set()).add(arn)
        for shard, members in sorted(shards.items()):
            self.client.update_item(
                TableName=self.table,
                Key=table_keys.key(table_keys.escalation(minute, shard)),
                UpdateExpression="ADD arns :arns SET #ttl = :ttl",
                ExpressionAttributeNames={"#ttl": table_keys.TTL_ATTRIBUTE},
                ExpressionAttributeValues=table_keys.values(
                    arns=members, ttl=table_keys.expires(table_keys.ESCALATION_TTL_S, minute * 60)
                ),
            )

    def register(self, incident: Incident, now: float) -> bool:
        """Index an opening's first step (when it escalates and nothing was taken yet): in its due minute, or
        this minute when that is past (a late delivery). Never raises: a failure is logged and counted
        (``EscalationsUnindexed``), and the alert stands — only its escalation is lost."""
        if not incident.escalate_after_s or incident.escalated or stopped(incident):
            return False  # a silenced alarm's opening: its clock never starts
        minute = max(minute_at(due_at(incident, 1)), int(now // 60))
        try:
            self.add([incident.alarm_arn], minute)
        except Exception:  # noqa: BLE001 - the alert was posted; escalation is what this costs
            self.log.exception("escalation not indexed: %s will not escalate", incident.alarm_arn)
            self.count("EscalationsUnindexed")
            return False
        return True

    def due(self, minute: int) -> Indexed:
        """The ARNs a tick at ``minute`` looks at, each with the earliest minute it is indexed in: those of the
        last ``LOOK_BACK`` minutes (what Scheduler's retries of this tick read too) and of every minute since the
        last tick that read and carried its own (``swept``), however long ago — ticks that never ran (a disabled
        schedule, a function that fails at init) lose nothing. The usual tick costs one BatchGetItem."""
        window = range(minute - LOOK_BACK, minute + 1)
        found, swept = self._read([*window], with_swept=True)
        if swept is not None and swept + 1 < window.start:  # ticks were missed: read the minutes they left
            missed = range(max(swept + 1, minute - CATCH_UP), window.start)
            found = {**self._read([*missed], with_swept=False)[0], **found}
        return Indexed(arns=found, swept=swept)

    def swept(self, minute: int) -> None:
        """Every minute up to ``minute`` was read and its pending steps carried past it (only ever forward)."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=table_keys.key(table_keys.ESCALATION_SWEPT),
                UpdateExpression="SET #minute = :minute, #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#minute) OR #minute < :minute",
                ExpressionAttributeNames={"#minute": "minute", "#ttl": table_keys.TTL_ATTRIBUTE},
                ExpressionAttributeValues=table_keys.values(
                    minute=minute, ttl=table_keys.expires(table_keys.ESCALATION_TTL_S, minute * 60)
                ),
            )
        except Exception as exc:
            if aws.error_code(exc) != "ConditionalCheckFailedException":  # a later tick was there first
                raise

    def _read(self, minutes: list[int], *, with_swept: bool) -> tuple[dict[str, int], int | None]:
        """The ARNs indexed in ``minutes`` (and the ``swept`` minute): BatchGetItem by 100 keys, asking again
        for the keys DynamoDB left unprocessed."""
        keys = [table_keys.escalation(m, s) for m in minutes for s in range(table_keys.ESCALATION_SHARDS)]
        if with_swept:
            keys.append(table_keys.ESCALATION_SWEPT)
        found: dict[str, int] = {}
        swept: int | None = None
        for item in table_keys.batch_get(self.client, self.table, keys):
            pk = coerce.text(item[table_keys.KEY])
            if pk == table_keys.ESCALATION_SWEPT:
                swept = coerce.whole(item["minute"]) or 0
                continue
            minute = int(pk.removeprefix(table_keys.ESCALATION).split("#")[0])
            for arn in _strings(item.get("arns")):
                found[arn] = min(found.get(arn, minute), minute)
        return found, swept


def _strings(raw: object) -> list[str]:
    """A string set's members (DynamoDB's ``SS`` reads as a Python ``set``)."""
    return [str(member) for member in raw] if isinstance(raw, set | frozenset | list | tuple) else []


# --- the sweep -------------------------------------------------------------------------------------------------


class NotPostedYet(RuntimeError):
    """A storm member's summary has no message yet: the note has no thread to go in (looked at next minute)."""


class _NotNow(Exception):
    """The incident changed after the sweep read it: Acknowledge, Silence or OK stopped it (``stopped``), or it
    went INSUFFICIENT_DATA (its step waits, carried). Raised under the step's claim, so that Powertools releases
    it: nothing was sent."""

    def __init__(self, alarm_arn: str, *, stopped: bool) -> None:
        super().__init__(alarm_arn)
        self.stopped = stopped


class EscalationFailed(RuntimeError):
    """Some escalation steps could not be taken; they were carried to the next minute. Raised after the others
    were tried, so that the tick fails (Scheduler retries it, the operations alarm counts it)."""


@dataclass(frozen=True)
class Sweep:
    """What one tick did, by alarm ARN."""

    minute: int
    noted: tuple[str, ...] = ()
    paged: tuple[str, ...] = ()
    stopped: tuple[str, ...] = ()
    carried: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    """(ARN, error) of the steps that failed (carried: the next tick takes them)."""


@dataclass(eq=False)
class Escalations:
    store: IncidentStore
    index: EscalationIndex
    messenger: Messenger
    once: ExactlyOnce
    _: KW_ONLY
    storms: StormStore | None = None
    publish: Callable[[Page], None] | None = None
    """None (no escalation topic): the thread note is the only step."""
    count: Count = _powertools_count
    log: logging.Logger | Logger = _LOG
    reserve_s: float = field(default=RESERVE_S, init=False)

    @classmethod
    def for_lifecycle(
        cls,
        lifecycle: Lifecycle,
        *,
        publish: Callable[[Page], None] | None,
        count: Count | None = None,
        logger: logging.Logger | Logger | None = None,
    ) -> Escalations:
        """The sweep over the lifecycle's own store, messenger, claims and storms."""
        tracker = lifecycle.tracker
        store = tracker.store
        index = tracker.escalations or EscalationIndex(store.table, store.client, count=count, logger=logger)
        storms = tracker.storms.store if tracker.storms is not None else None
        return cls(
            store,
            index,
            tracker.messenger,
            lifecycle.exactly_once,
            storms=storms,
            publish=publish,
            count=count or _powertools_count,
            log=logger or _LOG,
        )

    def sweep(
        self,
        scheduled: datetime,
        deadline: Deadline,
        lambda_context: LambdaContext | None = None,
        *,
        raise_failed: bool = True,
    ) -> Sweep:
        """Take every escalation step due at the tick scheduled at ``scheduled`` (its minute), each once.
        Raises ``EscalationFailed`` after trying them all when one failed (``raise_failed``)."""
        minute = int(scheduled.timestamp()) // 60
        tick = minute * 60.0
        indexed = self.index.due(minute)
        pages = self.publish is not None
        due: list[tuple[Incident, int]] = []
        carry: list[str] = []
        ended: list[str] = []
        for arn in sorted(indexed.arns):
            incident = self.store.get(arn)
            where, step = standing(incident, tick, pages=pages)
            if where == "due" and incident is not None:
                due.append((incident, step))
                carry.append(arn)
            elif where == "later":
                carry.append(arn)
            elif where == "abandoned":
                self.log.error("escalation step %s of %s dropped: due for over a day", step, arn)
                self.count("EscalationsAbandoned")
            elif where in ("stopped", "done"):
                ended.append(arn)
        try:  # before any step: a step that fails, or a tick that dies, leaves it for the next minute
            if carry:
                self.index.add(carry, minute + 1)
            self.index.swept(minute)
        except Exception:  # noqa: BLE001 - not swept: the next tick reads these minutes again
            self.log.exception("escalations not carried to the next minute")
            self.count("EscalationCarryFailed")
        noted: list[str] = []
        paged: list[str] = []
        failed: list[tuple[str, str]] = []
        for incident, step in sorted(due, key=lambda d: due_at(d[0], d[1])):
            if deadline.remaining() < self.reserve_s:
                break  # carried: the next tick takes the rest
            again = indexed.again(minute, minute_at(due_at(incident, step)))
            try:
                self._take(incident, step, minute, deadline, lambda_context, again=again)
            except (NotPostedYet, _NotNow) as later:
                if isinstance(later, _NotNow) and later.stopped:
                    ended.append(incident.alarm_arn)
                continue  # carried
            except Exception as exc:  # noqa: BLE001 - the others are still tried; this one is carried
                self.log.exception("escalation step %s of %s failed", step, incident.alarm_arn)
                self.count("EscalationsFailed")
                failed.append((incident.alarm_arn, f"{type(exc).__name__}: {exc}"))
                continue
            (noted if step == 1 else paged).append(incident.alarm_arn)
        result = Sweep(
            minute=minute,
            noted=tuple(noted),
            paged=tuple(paged),
            stopped=tuple(ended),
            carried=tuple(carry),
            failed=tuple(failed),
        )
        if failed and raise_failed:
            raise EscalationFailed("; ".join(f"{arn}: {error}" for arn, error in failed))
        return result

    def _take(
        self,
        incident: Incident,
        step: int,
        minute: int,
        deadline: Deadline,
        lambda_context: LambdaContext | None,
        *,
        again: bool,
    ) -> None:
        """Step ``step`` of the incident, once (a claim per alarm ARN, opening and step), then recorded. Raises
        ``_NotNow`` when the incident changed after the sweep read it (stopped, or not in ALARM). ``again``: an
        earlier tick may have taken it and died before its claim completed, so the note is looked for in its
        thread before it is posted (a page cannot be looked for: see the module)."""
        channel, thread_ts = self._thread(incident)

        def act() -> dict[str, str]:
            current = self.store.get(incident.alarm_arn)  # under the claim, just before the call: a stop wins
            if current is None or current.opened_at != incident.opened_at or stopped(current):
                raise _NotNow(incident.alarm_arn, stopped=True)
            if current.state != AlarmState.ALARM.value:
                raise _NotNow(incident.alarm_arn, stopped=False)  # INSUFFICIENT_DATA: held, as ``standing`` does
            if step == 1:
                pages_at = minute_at(due_at(incident, 2)) * 60.0 if self.publish is not None else 0.0
                note = Note(
                    "escalation",
                    since=incident.opened_at,
                    count=1,
                    mention=incident.escalate_to,
                    pages_at=pages_at,
                )
                self.messenger.note(alarm_of(incident), note, channel, thread_ts, deadline, search_first=again)
            else:
                assert self.publish is not None
                page = page_for(incident, minute * 60.0, channel, thread_ts, dedupe_key=page_key(incident))
                self.publish(page)
            return {"step": str(step)}

        key = table_keys.escalation_step(incident.alarm_arn, incident.opened_at, step)
        _, ran = self.once.run(key, act, lambda_context=lambda_context, deadline=deadline)
        if ran:
            self.count("EscalationNotes" if step == 1 else "EscalationPages")
        if step == 1 and self.publish is not None:  # indexed before the step is recorded: never lost between
            self.index.add([incident.alarm_arn], max(minute_at(due_at(incident, 2)), minute))
        self._record(incident, step)

    def _thread(self, incident: Incident) -> tuple[str, str]:
        """Where the note goes: the incident's own message, or its storm's summary."""
        if incident.ts:
            return incident.channel, incident.ts
        if incident.storm and self.storms is not None:
            head = self.storms.head(incident.storm)
            if head.summary_ts:
                return head.summary_channel or head.channel or incident.channel, head.summary_ts
        raise NotPostedYet(incident.alarm_arn)

    def _record(self, incident: Incident, step: int) -> None:
        """The step on the incident record (conditional on its version; a lost race re-reads). A record that
        holds a newer opening by now is left alone: its clock is its own."""
        for _ in range(ATTEMPTS):
            current = self.store.get(incident.alarm_arn)
            if current is None or current.opened_at != incident.opened_at or current.escalated >= step:
                return
            try:
                self.store.put(replace(current, escalated=step))
                return
            except Conflict:
                continue
        raise Conflict(incident.alarm_arn)


def sns_publisher(sns: SNSClient, topic_arn: str) -> Callable[[Page], None]:
    """Pages published to ``topic_arn`` through the injected SNS client."""

    def publish(page: Page) -> None:
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            name: {"DataType": "String", "StringValue": value[:1024]}
            for name, value in page.attributes.items()
            if value
        }
        sns.publish(TopicArn=topic_arn, Subject=page.subject, Message=page.message, MessageAttributes=attributes)

    return publish
