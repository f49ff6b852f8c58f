"""Slash commands, whatever carries them: what to acknowledge (pure, no network) and how to run the query
afterwards. The service returns outcomes — an ``Ack``, then started, progress, result or failure through a
``Reporter`` — and an audit line for every query; drawing and sending them is the Slack side's business."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from bot import console
from bot.queries.catalog import CatalogError
from bot.queries.folding import fold_errors, merge_traffic
from bot.queries.params import ParameterError
from bot.queries.plans import HelpRequested, plan, split_command
from bot.queries.results import Progress, QueryError, QueryResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.queries.athena import AthenaRunner
    from bot.queries.catalog import QueryConfig
    from bot.queries.insights import InsightsRunner
    from bot.queries.query_plan import QueryPlan

PROGRESS_EVERY_S = 3.0

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ack:
    """What to answer at once: ``text`` (or help about ``help_for``: "" for all commands), and whether the
    query runs afterwards."""

    text: str
    runs: bool = False
    help_for: str | None = None


@dataclass(frozen=True)
class Invocation:
    """One slash command as Slack sent it."""

    command: str
    text: str
    user: str
    channel: str
    trigger: str = ""

    @property
    def line(self) -> str:
        return f"{self.command} {self.text}".strip()


class Reporter(Protocol):
    """Where a running command's outcomes go (the Slack side draws and sends them)."""

    def started(self, query: QueryPlan) -> None: ...

    def progress(self, query: QueryPlan, progress: Progress) -> None: ...

    def finished(
        self, query: QueryPlan, result: QueryResult, *, total: int | None, console_url: str | None
    ) -> None: ...

    def failed(self, query: QueryPlan | None, reason: str) -> None: ...


@dataclass
class QueryService:
    config: QueryConfig
    _: KW_ONLY
    insights: InsightsRunner
    athena: AthenaRunner
    audit: Callable[[dict[str, object]], None]
    region: str
    partition: str = "aws"
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def acknowledge(self, invocation: Invocation) -> Ack:
        """What to answer at once, and whether the query should then run. Pure: no network."""
        command = invocation.command.lower()
        if command == "/lookout":
            return Ack("Lookout commands", help_for="")
        if not self.config.access_for(command).allows(invocation.user, invocation.channel):
            return Ack(
                f"Sorry, {command} is limited to some people and channels here. "
                "Ask whoever runs Lookout to add you, or try another channel."
            )
        try:
            query = self._plan(invocation)
        except HelpRequested:
            return Ack(f"Help for {command}", help_for=command)
        except ParameterError as exc:
            return Ack(f"⚠️ {exc}")
        return Ack(f"Running {command}: {query.title}…", runs=True)

    def execute(self, invocation: Invocation, out: Reporter) -> None:
        """Run the query: started, progress at most every few seconds, then the result (or a failure in words),
        and an audit line."""
        try:
            query = self._plan(invocation)
        except (HelpRequested, ParameterError) as exc:
            out.failed(None, str(exc))
            return
        if query.saved:
            try:
                self.config.queries[query.saved].check_tables()  # parsed here when the config was loaded without
            except CatalogError as exc:
                _LOG.error("saved query refused: %s", exc)
                out.failed(query, f"this saved query cannot run: {exc}")
                return
        out.started(query)
        started = time.monotonic()
        result: QueryResult | None = None
        outcome = "error"
        try:
            result, total = self._run(query, invocation, self._progress(out, query))
            outcome = "ok" if result.rows else "no data"
        except QueryError as exc:
            outcome = type(exc).__name__
            out.failed(query, str(exc))
        except Exception:
            out.failed(query, "something went wrong on Lookout's side; the details are in its logs")
            raise
        finally:
            self.audit(
                {
                    "user": invocation.user,
                    "channel": invocation.channel,
                    "command": invocation.line,
                    "engine": query.engine,
                    "query": query.query,
                    "parameters": list(query.parameters),
                    "log_groups": list(query.log_groups),
                    "table": query.table,
                    "bytes_scanned": result.bytes_scanned if result else 0,
                    "duration_ms": round((time.monotonic() - started) * 1000),
                    "outcome": outcome,
                }
            )
        if result is not None:
            out.finished(query, result, total=total, console_url=self._console_url(query, result))

    @staticmethod
    def _progress(out: Reporter, query: QueryPlan) -> Callable[[Progress], None]:
        """Report progress at most every few seconds (chat.update is rate-limited)."""
        last = [time.monotonic()]

        def update(progress: Progress) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
                last[0] = time.monotonic()
                out.progress(query, progress)

        return update

    def _plan(self, invocation: Invocation) -> QueryPlan:
        return self.plan_line(invocation.line, self.now())

    def plan_line(self, line: str, now: datetime) -> QueryPlan:
        """A command line (``/traffic 7d by customer``) planned as if it ran at ``now`` (the digest's weeks)."""
        command, args = split_command(line)
        return plan(command, args, self.config, now=now)

    def run_plan(self, query: QueryPlan, token: str) -> QueryResult:
        """Run a planned query to its result (no progress reports); ``token`` makes Athena's start idempotent."""
        return self._run_with_token(query, token, lambda _: None)[0]

    def _run(
        self, query: QueryPlan, invocation: Invocation, on_progress: Callable[[Progress], None]
    ) -> tuple[QueryResult, int | None]:
        token = hashlib.sha256(f"{invocation.trigger}|{invocation.line}".encode()).hexdigest()[:64]
        return self._run_with_token(query, token, on_progress)

    def _run_with_token(
        self, query: QueryPlan, token: str, on_progress: Callable[[Progress], None]
    ) -> tuple[QueryResult, int | None]:
        if query.engine == "athena":
            return self.athena.run(query.query, query.parameters, on_progress, request_token=token), None
        result = self.insights.run(query.query, query.log_groups, query.start, query.end, on_progress)
        if query.kind == "errors":
            return fold_errors(result)
        if query.kind == "traffic" and query.companion:
            errors = self.insights.run(query.companion, query.log_groups, query.start, query.end)
            by, label = next(iter(query.labels.items()))
            return merge_traffic(result, errors, by, label), None
        return result, None

    def _console_url(self, query: QueryPlan, result: QueryResult) -> str | None:
        if query.engine == "athena":
            return console.athena_url(self.region, self.partition, result.query_id) if result.query_id else None
        return console.insights_url(
            self.region, self.partition, query.log_groups, query.query, query.start, query.end
        )
