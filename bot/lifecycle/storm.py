"""Storms: when more than ``threshold`` alarms open in one channel within a window, they are grouped into one
summary message (kept updated) with their details in its thread, instead of one message each; the
``Messenger`` draws and posts them.

Concurrent invocations append their alarm to the storm record; whoever holds the flush lease waits a moment
for more, then posts or updates the summary and one detail reply per batch, until nothing is pending. Slack
sees a few calls per batch, not several per alarm, and stays near one message a second in the channel.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bot.lifecycle.store import Conflict, IncidentStore, Storm

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.delivery import Deadline
    from bot.lifecycle.decisions import Messenger

LEASE_S = 30.0


class StormDesk:
    def __init__(
        self,
        store: IncidentStore,
        messenger: Messenger,
        *,
        threshold: int = 3,
        window_s: int = 60,
        gather_s: float = 3.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.messenger = messenger
        self.threshold = threshold
        self.window_s = window_s
        self.gather_s = gather_s
        self.clock = clock
        self.sleep = sleep

    def admit(self, channel: str) -> str | None:
        """Count an alarm opening in ``channel``; the storm key when it is beyond the threshold, or when the
        storm of the window before is still going (a burst that crosses a window boundary stays one storm)."""
        window = int(self.clock() // self.window_s)
        rank, key = self.store.count_opening(channel, window)
        previous = self.store.storm(f"storm#{channel}#{window - 1}")
        if previous.count > self.threshold and (previous.summary_ts or previous.pending or previous.lease_until):
            return previous.key  # the storm of the window before is still going: stay in it
        return key if rank > self.threshold else None

    def add(self, key: str, entry: dict[str, Any], deadline: Deadline) -> None:
        """Queue ``entry`` for the storm's next flush; flush now if nobody else is flushing."""
        storm = self._update(key, lambda s: s.pending.append(entry) if not _known(s, entry) else None)
        if storm.lease_until > self.clock():
            return  # the lease holder will post it
        try:
            storm.lease_until = self.clock() + LEASE_S
            self.store.save_storm(storm)
        except Conflict:
            return self.add(key, entry, deadline) if not _known(self.store.storm(key), entry) else None
        self._flush(key, deadline)
        return None

    def _flush(self, key: str, deadline: Deadline) -> None:
        self.sleep(self.gather_s)  # let the other alarms of the burst arrive
        while True:
            storm = self.store.storm(key)
            if not storm.pending:
                storm.lease_until = 0.0
                try:
                    self.store.save_storm(storm)
                    return
                except Conflict:
                    continue  # something arrived while releasing
            if deadline.remaining() < 5:
                raise TimeoutError("storm flush ran out of time; Lambda's retry will flush the rest")
            batch = list(storm.pending)
            storm.summary_ts = self.messenger.storm(
                shown=storm.shown,
                batch=batch,
                channel=storm.channel,
                summary_ts=storm.summary_ts,
                deadline=deadline,
            )
            flushed = {e["id"] for e in batch}
            summary_ts = storm.summary_ts

            def mark(
                s: Storm, flushed: set[str] = flushed, ts: str = summary_ts, done: list[dict[str, Any]] = batch
            ) -> None:
                s.summary_ts = ts
                s.shown += [e for e in done if e["id"] not in {x["id"] for x in s.shown}]
                s.pending = [e for e in s.pending if e["id"] not in flushed]

            self._update(key, mark)
            if self.store.storm(key).pending:
                self.sleep(self.gather_s)  # gather the next batch: fewer, fuller rounds

    def _update(self, key: str, change: Callable[[Storm], Any]) -> Storm:
        for _ in range(20):
            storm = self.store.storm(key)
            change(storm)
            try:
                return self.store.save_storm(storm)
            except Conflict:
                continue
        raise Conflict(key)


def _known(storm: Storm, entry: dict[str, Any]) -> bool:
    return any(e["id"] == entry["id"] for e in storm.pending + storm.shown)
