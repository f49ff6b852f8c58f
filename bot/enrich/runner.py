"""Run the enrichers of one alarm concurrently, each under its own deadline; never let one stop the post.

A source that fails or runs out of time becomes a ``Finding`` with a short note. Worker threads that are
still blocked at the deadline are abandoned (their sockets time out on their own); the alert goes out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import TYPE_CHECKING, ParamSpec, Protocol, TypeVar

from bot.enrich.changes import changes_report
from bot.enrich.confirm import NotConfirmed, confirmed, same_metrics
from bot.enrich.context import ClientFactory, Context, NothingFound, SourceFailed, alarm_tags, describe_error
from bot.enrich.logs import log_report
from bot.enrich.metrics import metric_report
from bot.enrich.model import Enrichment, Finding
from bot.enrich.xray import xray_report

if TYPE_CHECKING:
    from bot.alarms import Alarm
    from bot.config import Settings

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")
Observer = Callable[[Finding[object]], None]


class Wrapper(Protocol):
    """(name, fn) → fn run as a traced subsegment (``Telemetry.in_thread``), or fn itself."""

    def __call__(self, name: str, fn: Callable[P, R], /) -> Callable[P, R]: ...


def _untraced(name: str, fn: Callable[P, R]) -> Callable[P, R]:
    return fn


Routed = Callable[[tuple[tuple[str, str], ...]], None]
"""Hears an enrichment's tags before the enrichment ends (``Enricher.enrich``)."""


class Enricher:
    """Enriches alarms with X-Ray, logs and metric findings, concurrently and within deadlines."""

    def __init__(
        self,
        settings: Settings,
        clients: ClientFactory,
        observer: Observer | None = None,
        wrap: Wrapper | None = None,
    ) -> None:
        self.settings = settings
        self.clients = clients
        self.observer = observer
        self.wrap: Wrapper = wrap or _untraced

    def enrich(self, alarm: Alarm, budget_s: float | None = None, routed: Routed | None = None) -> Enrichment:
        """Findings for ``alarm``, kept only when CloudWatch confirms the alarm (``bot.enrich.confirm``); no
        source runs longer than its deadline or the overall budget. ``routed`` hears the tags the result will
        carry as soon as CloudWatch confirmed the alarm and its tags were read (the routing needs no more),
        while the other sources still run; it may not hear at all (then the result's are the ones)."""
        if not alarm.region:  # every source is regional: asking another region would answer wrongly
            return Enrichment.skipped("the alarm's region is unknown")
        if alarm.region not in (self.settings.region, *self.settings.enrich_regions):
            return Enrichment.skipped(
                f"not enriched: the alarm is in {alarm.region}, and Lookout reads {self.settings.region} only"
                " (LOOKOUT_ENRICH_REGIONS adds regions)"
            )
        started = time.monotonic()
        enrichment, trusted = self._enrich(alarm, budget_s, started, routed=routed)
        if trusted is None or same_metrics(alarm, trusted):
            return enrichment
        left = None if budget_s is None else budget_s - (time.monotonic() - started)
        if left is not None and left < 0.5:
            return Enrichment.skipped("not enriched: the notification's metrics are not the alarm's in CloudWatch")
        return self._enrich(trusted, left, time.monotonic(), confirmed_as=trusted)[0]  # CloudWatch's metrics

    def _enrich(
        self,
        alarm: Alarm,
        budget_s: float | None,
        started: float,
        confirmed_as: Alarm | None = None,
        routed: Routed | None = None,
    ) -> tuple[Enrichment, Alarm | None]:
        """The sources run on ``alarm`` while CloudWatch is asked about it; (what may be shown, CloudWatch's
        alarm — None when it does not confirm it, and nothing is shown)."""
        pool = ThreadPoolExecutor(max_workers=12, thread_name_prefix="lookout-enrich")
        try:
            confirmation = pool.submit(lambda: confirmed_as or confirmed(alarm, self.clients))
            tags = pool.submit(alarm_tags, alarm, self.clients)
            if routed is not None:
                _tell_when_known(confirmation, tags, routed)
            ctx = Context(
                alarm=alarm,
                settings=self.settings,
                clients=self.clients,
                pool=pool,
                tags=tags,
                started=started,
                budget_s=budget_s,
            )
            s = self.settings
            xray = pool.submit(self.wrap("## xray", xray_report), ctx)
            logs = pool.submit(self.wrap("## logs", log_report), ctx)
            metric = pool.submit(self.wrap("## metric", metric_report), ctx)
            changes = pool.submit(self.wrap("## changes", changes_report), ctx)
            xray_found = self._collect("X-Ray", xray, _cap(s.xray_deadline_s, budget_s), started)
            logs_found = self._collect("Logs", logs, _cap(s.logs_deadline_s, budget_s), started)
            metric_found = self._collect("Metric", metric, _cap(s.metrics_deadline_s, budget_s), started)
            changes_found = self._collect("Changes", changes, _cap(s.changes_deadline_s, budget_s), started)
            try:
                longest = max(s.xray_deadline_s, s.logs_deadline_s, s.metrics_deadline_s, s.changes_deadline_s)
                trusted = confirmation.result(
                    timeout=max(0.0, _cap(longest, budget_s) - (time.monotonic() - started))
                )
            except FutureTimeout:
                return Enrichment.skipped("not enriched: CloudWatch did not confirm the alarm in time"), None
            except NotConfirmed as exc:
                return Enrichment.skipped(f"not enriched: {exc}"), None
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        enrichment = Enrichment(
            xray=xray_found,
            logs=logs_found,
            metric=metric_found,
            tags=tuple(_read(tags).items()),
            changes=changes_found,
        )
        return enrichment, trusted

    def _collect(self, source: str, future: Future[T], deadline: float, started: float) -> Finding[T]:
        remaining = max(0.0, deadline - (time.monotonic() - started))
        try:
            finding: Finding[T] = Finding(source, value=future.result(timeout=remaining))
        except FutureTimeout:
            finding = Finding(source, note=f"timed out after {deadline:g} s", failed=True)
        except NothingFound as exc:
            finding = Finding(source, note=str(exc))
        except SourceFailed as exc:
            finding = Finding(source, note=str(exc), failed=True)
        except Exception as exc:  # noqa: BLE001 - a failing source degrades the message, never stops it
            finding = Finding(source, note=describe_error(exc), failed=True)
        finding = replace(finding, seconds=round(time.monotonic() - started, 3))
        if self.observer:
            self.observer(finding)
        return finding


def _tell_when_known(confirmation: Future[Alarm], tags: Future[dict[str, str]], routed: Routed) -> None:
    """Call ``routed`` once both are done with the tags to route by: those read for an alarm CloudWatch
    confirmed, none for one it does not (its findings, tags included, are not kept)."""

    def ready(_: object) -> None:
        if confirmation.done() and tags.done():
            confirmed = not confirmation.cancelled() and confirmation.exception() is None
            routed(tuple(_read(tags).items()) if confirmed else ())

    confirmation.add_done_callback(ready)
    tags.add_done_callback(ready)


def _read(tags: Future[dict[str, str]]) -> dict[str, str]:
    """The alarm's tags if they were read in time; unreadable tags only mean default routing."""
    if not tags.done():
        return {}
    try:
        return tags.result()
    except Exception:  # noqa: BLE001
        return {}


def _cap(deadline: float, budget: float | None) -> float:
    return deadline if budget is None else max(0.0, min(deadline, budget))
