"""The due checks of one scheduled minute, run concurrently under the invocation's deadline; their results
as EMF metrics (``CheckSuccess`` 1/0 and ``CheckLatency`` per check, so teams can alarm on them in CloudWatch
too) and their transitions as ``Alarm`` values for the alert pipeline.

A check still running when the deadline comes is reported unjudged (the run could not finish), never as
the target failing; a probe that raises is a failed run with the error as its evidence.

Not for: the probes themselves (``bot.checks.http``, ``bot.checks.xray``) or posting (the handler hands
the alarms to ``bot.alerting.AlertService``).
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.checks.alarm import LATENCY_METRIC, SUCCESS_METRIC, as_alarm, check_key, incident_name
from bot.checks.config import HttpProbe
from bot.checks.http import EXCERPT_CHARS, run_http
from bot.checks.model import Result
from bot.checks.xray import run_xray
from bot.delivery import Delivery
from bot.text import excerpt

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_xray import XRayClient
    from urllib3 import PoolManager

    from bot.alarms import Alarm
    from bot.checks.config import Check
    from bot.checks.state import Standing, StandingStore
    from bot.delivery import Deadline
    from bot.observability import Telemetry

MAX_WORKERS = 8


class Delivered(Protocol):
    """What the deliverer reports for one delivery (the alert service's ``Outcome``)."""

    @property
    def error(self) -> str | None: ...


Outcome = TypeVar("Outcome", bound=Delivered)


@dataclass(frozen=True)
class Announcement:
    """A transition to deliver, and the standing to mark once it was."""

    key: str
    standing: Standing
    alarm: Alarm


@dataclass
class CheckRunner:
    region: str
    account: str
    partition: str
    pool: PoolManager
    """urllib3's PoolManager for HTTP checks."""
    xray: XRayClient
    headers: Callable[[str], dict[str, str]]
    """A headers secret's name → its header values (Powertools Parameters, cached)."""
    telemetry: Telemetry
    store: StandingStore | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def run(self, checks: list[Check], deadline: Deadline, at: datetime | None = None) -> list[Result]:
        """Every check's result; ``at``: the run's time (the scheduled minute), else the runner's clock."""
        if not checks:
            return []
        clock = self.clock if at is None else (lambda: at)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(checks)))
        futures = {pool.submit(self._one, check, clock): check for check in checks}
        done, _ = concurrent.futures.wait(futures, timeout=max(0.1, deadline.remaining() - 2.0))
        pool.shutdown(wait=False, cancel_futures=True)
        results = []
        for future, check in futures.items():
            if future in done:
                results.append(future.result())
            else:
                results.append(Result(check.name, True, clock(), summary="the run ran out of time", judged=False))
        for check, result in zip(futures.values(), results, strict=True):
            self._measure(check, result)
        return results

    def transitions(self, checks: list[Check], results: list[Result]) -> list[Announcement]:
        """Each result recorded against its check's standing; what is to be announced: a transition made now,
        or one made earlier whose alert was not delivered (rebuilt from the standing, with its own time)."""
        if self.store is None:
            return []
        out = []
        for check, result in zip(checks, results, strict=True):
            key = check_key(check, self.region)
            standing, transition = self.store.record(key, result, check.fail_after)
            if standing.announced:
                continue
            run = result
            if transition is None:  # pending from an earlier run
                transition = "failing" if standing.failing else "passing"
                moment = datetime.fromisoformat(standing.since) if standing.since else result.at
                run = Result(check.name, not standing.failing, moment, None, standing.summary, standing.evidence)
            alarm = as_alarm(
                check,
                run,
                transition,
                standing,
                region=self.region,
                account=self.account,
                partition=self.partition,
                service=self.telemetry.settings.service_name,
            )
            out.append(Announcement(key, standing, alarm))
        return out

    def announced(self, announcement: Announcement) -> None:
        if self.store is not None:
            self.store.announced(announcement.key, announcement.standing)

    def announce(
        self, pending: list[Announcement], deliver: Callable[[list[Delivery]], list[Outcome]]
    ) -> list[Outcome]:
        """Hand the transitions to ``deliver`` (the alert service: one outcome each) and mark the delivered
        ones; a failed one stays unannounced for the next run."""
        outcomes = deliver([Delivery(p.alarm, via="check") for p in pending])
        for announcement, outcome in zip(pending, outcomes, strict=True):
            if not outcome.error:
                self.announced(announcement)
        return outcomes

    def _one(self, check: Check, clock: Callable[[], datetime]) -> Result:
        try:
            if isinstance(check.probe, HttpProbe):
                secret = check.probe.headers_secret
                return run_http(check, self.pool, self.headers(secret) if secret else None, clock)
            return run_xray(check, self.xray, clock)
        except Exception as error:  # noqa: BLE001 - a broken probe is a failed run, with the reason shown
            self.telemetry.logger.exception("check raised", extra={"check": check.name})
            why = excerpt(f"{type(error).__name__}: {error}", EXCERPT_CHARS)
            return Result(check.name, False, clock(), summary=f"the check could not run: {why}", evidence=(why,))

    def _measure(self, check: Check, result: Result) -> None:
        if not result.judged:
            return
        name = incident_name(check, self.region)
        self.telemetry.count(SUCCESS_METRIC, 1.0 if result.ok else 0.0, Check=name)
        if result.latency_ms is not None:
            self.telemetry.count(LATENCY_METRIC, result.latency_ms, "Milliseconds", Check=name)
