"""One CloudWatch Logs subscription delivery → the announcements it makes: decode, skip control messages and
Lookout's own log group (a forwarder reading its own errors would feed on itself), fold the lines into
kinds, count each kind in the ledger, and build the alarms to post for new kinds and due repeats.

The lines arrive already filtered: the subscription filter (or the account-level subscription filter policy)
applies the configured CloudWatch Logs filter pattern before Lambda is invoked, so only matching lines cost an
invocation.

Not for: posting (the handler hands the deliveries to ``bot.alerting.AlertService``).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot import coerce, table_keys
from bot.delivery import Delivery
from bot.logerrors.alarm import as_alarm, held_back
from bot.logerrors.kinds import fold
from bot.logerrors.payload import decode
from bot.regions import Where

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from bot.logerrors.kinds import Kind
    from bot.logerrors.ledger import Ledger


LEDGER_CALLS_AT_ONCE = 16
"""Kinds recorded at once (boto3 clients are thread-safe; ``bot.aws`` sizes their connection pools for this)."""
T = TypeVar("T")
R = TypeVar("R")


class Delivered(Protocol):
    """What the deliverer reports for one delivery (the alert service's ``Outcome``)."""

    @property
    def title(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    @property
    def in_progress(self) -> bool: ...


class ForwardFailed(RuntimeError):
    """A card could not be posted: the invocation fails so that Lambda retries the delivery."""


@dataclass
class Report:
    group: str = ""
    lines: int = 0
    kinds: int = 0
    announced: list[str] = field(default_factory=list)
    new_keys: list[str] = field(default_factory=list)
    """Ledger keys of the kinds announced as new: marked once their cards were delivered."""
    skipped: str = ""


@dataclass
class Forwarder:
    ledger: Ledger
    channel: str
    region: str
    account: str
    partition: str
    filter_pattern: str
    own_group: str = ""
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @property
    def where(self) -> Where:
        """Where the log groups are: the alarms' ARNs and console links."""
        return Where(self.partition, self.region, self.account)

    def batch_key(self, event: Mapping[str, object]) -> str:
        """Names the delivery (a retried invocation carries the same payload): its payload's digest."""
        data = str(coerce.mapping(event.get("awslogs")).get("data", ""))
        return table_keys.log_delivery(hashlib.sha256(data.encode()).hexdigest()[:32])

    def forward(
        self, event: Mapping[str, object], deliver: Callable[[list[Delivery]], Sequence[Delivered]]
    ) -> Report:
        """Count the delivery's lines, hand the announcements to ``deliver`` (the alert service, returning
        one outcome each), then mark the new kinds whose cards went out. A kind whose card another invocation
        is posting right now stays new here (that one marks it); any other failure raises, so that Lambda
        retries the delivery. The retry does not count the lines again: the ledger remembers which kinds each
        delivery counted (only a try that dies between counting and remembering, milliseconds, counts twice)."""
        deliveries, report = self.deliveries(event)
        outcomes = deliver(deliveries)
        new, delivered = set(report.new_keys), []
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            arn = getattr(delivery.item, "arn", "")  # a kind's card is named by its key's digest
            key = table_keys.log_kind(arn.rsplit("/", 1)[-1]) if arn else ""
            if not outcome.error and key in new:
                delivered.append(key)
        self._at_once(self.ledger.mark_announced, delivered)
        failed = [o for o in outcomes if o.error and not o.in_progress]
        if failed:
            raise ForwardFailed("; ".join(f"{o.title}: {o.error}" for o in failed))
        return report

    def deliveries(self, event: Mapping[str, object]) -> tuple[list[Delivery], Report]:
        batch = decode(event)
        report = Report(group=batch.group, lines=len(batch.events))
        if batch.control:
            report.skipped = "a control message (the subscription was created)"
            return [], report
        if self.own_group and batch.group == self.own_group:
            report.skipped = "Lookout's own log group"
            return [], report
        kinds = fold(batch)
        report.kinds = len(kinds)
        out = []
        held: list[Kind] = []
        now = self.clock()
        batch_key = self.batch_key(event)
        counted = self.ledger.counted_before(batch_key)
        decisions = self._at_once(lambda k: self.ledger.record(k, self.channel, counted=k.key in counted), kinds)
        self.ledger.mark_counted(batch_key, [k.key for k in kinds if k.key not in counted])
        placed = self.ledger.places([k for k, d in zip(kinds, decisions, strict=True) if d.why == "new"])
        for kind, decision in zip(kinds, decisions, strict=True):
            if decision.why is None:
                continue
            if decision.why == "new" and not placed[kind.key]:
                held.append(kind)  # counted, still new: announced when the group's minute has room
                continue
            alarm = as_alarm(decision, where=self.where, filter_pattern=self.filter_pattern, now=now)
            report.announced.append(alarm.name)
            if decision.why == "new":
                report.new_keys.append(kind.key)
            out.append(Delivery(alarm, via="logs"))
        if held:
            alarm = held_back(
                batch.group,
                self.ledger.hold(held),
                share=self.ledger.new_per_minute,
                where=self.where,
                now=now,
            )
            report.announced.append(alarm.name)
            out.append(Delivery(alarm, via="logs"))
        return out, report

    @staticmethod
    def _at_once(call: Callable[[T], R], items: list[T]) -> list[R]:
        """``call`` on each item, ``LEDGER_CALLS_AT_ONCE`` at a time (one UpdateItem a kind, independent of each
        other: 500 kinds take a few round trips, not 500); the results in order."""
        if len(items) <= 1:
            return [call(item) for item in items]
        workers = min(LEDGER_CALLS_AT_ONCE, len(items))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lookout-ledger") as pool:
            return list(pool.map(call, items))
