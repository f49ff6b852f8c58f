"""Storms: when more than ``threshold`` alarms open in one channel within a window, they are grouped into one
summary message, kept updated, with every alarm's state changes in its thread, instead of a message each.

Never lost. Each state change of a storm's alarm is written as its own entry (``storm_store``) before its
delivery can succeed. Then the delivery either flushes the storm itself — it takes the flusher's lease — or
leaves it to the live lease holder, which posts round after round until nothing is pending and can only stop
by failing: it gives the lease back and raises, so Lambda retries it (the retry takes the lease again at once),
the next alarm of the channel takes over, and a holder whose retries all fail waits in the on-failure queue for
``lookout replay``. A writer that dies between counting and writing its entry leaves a hole the flusher gives
up after ``HOLE_S`` (the writer's retry counts again); a flusher that dies mid-round leaves the range it was
posting, and its successor looks for those replies before posting them.

Flat at scale. An alarm costs a few small writes whatever the storm's size; a round reads at most ``PAGE``
entries and costs one summary post or update and a reply or two; Slack sees a few calls per round.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from bot.lifecycle.decisions import StormRound
from bot.lifecycle.storm_store import PAGE, LeaseLost, StormStore
from bot.lifecycle.storm_summary import fold
from bot.table_keys import log_errors_storm
from bot.table_keys import storm as storm_key  # alarms and log-error kinds keep separate counts

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.delivery import Deadline
    from bot.lifecycle.decisions import Messenger, StormEntry
    from bot.lifecycle.storm_store import Head

LEASE_S = 30.0
"""A flusher's lease, renewed every round: one that stops renewing (killed, frozen) loses it this long after."""
HOLE_S = 10.0
"""An entry counted but not written for this long: its writer died (its retry counts again)."""
ROUND_S = 6.0
"""What a round may need at most; a flusher with less time left hands over and fails."""
POLL_S = 0.25


class StormIncomplete(RuntimeError):
    """The flusher ran out of time with entries still pending; it failed so that Lambda retries it."""


class Admission(NamedTuple):
    """Where an opening alarm goes: ``storm`` (None: a message of its own), and the ``window`` it counted in."""

    storm: str | None
    window: str


@dataclass(eq=False)
class StormDesk:
    store: StormStore
    messenger: Messenger
    _: KW_ONLY
    threshold: int = 3
    window_s: int = 60
    gather_s: float = 3.0
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    lease_s: float = field(default=LEASE_S, init=False)
    hole_s: float = field(default=HOLE_S, init=False)
    round_s: float = field(default=ROUND_S, init=False)

    def admit(self, channel: str, family: str = "", counted: str = "") -> Admission:
        """Count an alarm opening in ``channel``: the storm it joins, or None (it is posted on its own). A storm
        of the window before that is still going keeps its burst, across window boundaries. ``family``: a
        separate budget (``table_keys.LOG_ERRORS_STORM``: log-error kinds). ``counted``: the window this alarm
        last counted in (its incident's ``Admission.window``); an alarm that opens again in that window
        (ALARM → OK → ALARM) is not counted twice, so one flapping alarm never makes a storm."""
        window = int(self.clock() // self.window_s)
        current = storm_key(channel, window, family)
        again = counted == current
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lookout-admit") as pool:
            read = pool.submit(self.store.head, storm_key(channel, window - 1, family))  # beside the count
            rank = self.store.head(current).openings if again else self.store.open(current, channel)
            previous = read.result()
        going = previous.key if previous.count else previous.joined
        if going:
            self.store.join(current, going)  # only in a storm: its window's openings go to the going one
            return Admission(going, current)
        return Admission(current if rank > self.threshold else None, current)

    def number(self, key: str, channel: str) -> int:
        """A sequence number for the next entry of storm ``key`` (recorded with the incident before the entry
        is written, so a retry knows which entry is its own)."""
        return self.store.count(key, channel)

    def forget(self, key: str, seq: int) -> None:
        """A number that will never get its entry (its incident's write lost a race): give it up now."""
        self.store.give_up(key, seq)

    def add(self, key: str, channel: str, seq: int, entry: StormEntry) -> int:
        """Write ``entry`` as number ``seq`` (another if ``seq`` was given up); the number it got. The delivery's
        caller flushes the storm afterwards (``flush_or_hand_off``), once for all its deliveries: a burst in
        one event gathers once, and a retry of a delivery already done flushes again."""
        while not self.store.put_entry(key, seq, entry):
            seq = self.number(key, channel)
        return seq

    def ensure(self, key: str, channel: str, seq: int, entry: StormEntry) -> int:
        """A retry of a delivery: its entry ``seq`` written again if it never was, or was given up."""
        found = self.store.entry(key, seq) if seq else None
        if found is not None and not found.get("tombstone"):
            return seq
        return self.add(key, channel, seq if seq and found is None else self.number(key, channel), entry)

    def flush_or_hand_off(self, key: str, deadline: Deadline, owner: str) -> None:
        """After the deliveries wrote their entries: flush the storm with the lease, or leave it to the live
        flusher. Raises when the flush could not finish, so that the caller fails and Lambda retries it."""
        head = self.store.take_lease(key, owner, self.lease_s)
        if head is None:
            return  # a live flusher holds the lease: it shows every entry counted before it lets go, or fails
        try:
            self._flush(head, deadline, owner)
        except Exception:  # a failure we live through: hand over at once (a killed process keeps its lease)
            with contextlib.suppress(Exception):  # the next alarm, or our retry, goes on
                self.store.release(key, owner)
            raise

    def _flush(self, head: Head, deadline: Deadline, owner: str) -> None:
        key = head.key
        if head.flushing is None:  # let the other alarms of the burst arrive: fewer, fuller rounds
            self.sleep(max(0.0, min(self.gather_s, deadline.remaining() - self.round_s)))
        holes: dict[int, float] = {}
        while True:
            head = self.store.head(key)
            if head.lease_owner != owner:
                return  # our lease ran out and another flusher took the storm over: it goes on
            if not head.pending:
                if self.store.release(key, owner, if_shown=head.shown):
                    return
                continue  # an entry was counted while we let go
            if deadline.remaining() < self.round_s:
                pending = head.count - head.shown
                raise StormIncomplete(f"{pending} storm entries still pending; the next flusher posts them")
            ready = self._ready(head, holes)
            if not ready:
                self.sleep(POLL_S)  # an entry counted but not yet written
                continue
            try:
                self._round(head, ready, deadline, owner)
            except LeaseLost:
                return  # we were too slow: the flusher that took over resumes this round
            waiting = self.store.head(key).count - ready[-1][0]
            if 0 < waiting < PAGE:  # more came during the round, not a page yet: gather the next batch
                self.sleep(max(0.0, min(self.gather_s, deadline.remaining() - self.round_s)))

    def _ready(self, head: Head, holes: dict[int, float]) -> list[tuple[int, StormEntry]]:
        """The entries next in line, in order, up to the first one not yet written (given up once it is
        ``HOLE_S`` late); a round a predecessor was posting is resumed as it was."""
        first, last = head.flushing or (head.shown + 1, min(head.count, head.shown + PAGE))
        found = self.store.entries(head.key, first, last)
        ready: list[tuple[int, StormEntry]] = []
        for seq in range(first, last + 1):
            if seq not in found:
                late = holes.setdefault(seq, time.monotonic())
                if time.monotonic() - late < self.hole_s or not self.store.give_up(head.key, seq):
                    break
                found[seq] = {"tombstone": True}
            ready.append((seq, found[seq]))
        return ready

    def _round(self, head: Head, ready: list[tuple[int, StormEntry]], deadline: Deadline, owner: str) -> None:
        key, (first, last) = head.key, (ready[0][0], ready[-1][0])
        resumed = head.flushing is not None
        summary, announce = fold(self.store.summary(key), ready)
        if resumed:
            announce = list(head.announce)  # the replies as they were: the same lines under the same keys
        else:  # what this round posts, under which keys: a successor looks for them before it posts again
            self.store.record(key, owner, self.lease_s, flushing=[first, last], announce=announce)
        storm_round = StormRound(
            key=key,
            channel=head.summary_channel or head.channel,
            summary_ts=head.summary_ts,
            alarms=summary.alarms,
            firing=summary.firing,
            severity=summary.severity,
            mentions=tuple(summary.mentions),
            top=tuple(summary.top),
            batch=tuple(e for _, e in ready if not e.get("tombstone")),
            first=first,
            last=last,
            announce=tuple(announce),
            resumed=resumed,
            errors=log_errors_storm(key),
        )
        posted = self.messenger.storm_summary(storm_round, deadline)
        if not head.summary_ts:  # known at once: a successor then searches its thread by the channel's id
            self.store.record(key, owner, self.lease_s, summary_ts=posted.ts, summary_channel=posted.channel)
        if storm_round.batch:
            self.messenger.storm_replies(storm_round, posted, deadline)
        self.store.save_summary(key, summary)
        self.store.record(key, owner, self.lease_s, shown=last, flushing=None)


__all__ = ["LeaseLost", "StormDesk", "StormIncomplete", "storm_key"]
