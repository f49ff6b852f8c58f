"""Slash commands without Bolt: what to ``ack()`` (pure, no network) and how to run the query afterwards
(progress in the channel, results as a table, failures in words, an audit line for every query)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot import console
from bot.queries.folding import fold_errors, merge_traffic
from bot.queries.params import ParameterError
from bot.queries.plans import HelpRequested, QueryPlan, plan, split_command
from bot.queries.results import Progress, QueryError, QueryResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.queries.athena import AthenaRunner
    from bot.queries.catalog import QueryConfig
    from bot.queries.insights import InsightsRunner
    from bot.slack.render import Message

PROGRESS_EVERY_S = 3.0


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


class SlackOut(Protocol):
    def post(self, channel: str, message: Message) -> str | None:
        """Post to the channel; the message ts, or None when the bot cannot post there."""

    def update(self, channel: str, ts: str, message: Message) -> None: ...

    def respond(self, message: Message) -> None:
        """Answer through the command's response_url (works where the bot is not a member)."""


class QueryService:
    def __init__(
        self,
        config: QueryConfig,
        *,
        insights: InsightsRunner,
        athena: AthenaRunner,
        audit: Callable[[dict[str, Any]], None],
        region: str,
        partition: str = "aws",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.insights = insights
        self.athena = athena
        self.audit = audit
        self.region = region
        self.partition = partition
        self.now = now

    def acknowledge(self, invocation: Invocation) -> tuple[Message | str, bool]:
        """What ``ack()`` says, and whether the query should then run. Pure: no network, no clock skew."""
        command = invocation.command.lower()
        if command == "/lookout":
            from bot.slack.help import render_help  # only here: a plain ack loads no slack_sdk

            return render_help(self.config), False
        if not self.config.access_for(command).allows(invocation.user, invocation.channel):
            return (
                f"Sorry, {command} is limited to some people and channels here. "
                "Ask whoever runs Lookout to add you, or try another channel.",
                False,
            )
        try:
            query = self._plan(invocation)
        except HelpRequested:
            from bot.slack.help import render_help

            return render_help(self.config, only=command), False
        except ParameterError as exc:
            return f"⚠️ {exc}", False
        return f"Running {command}: {query.title}…", True

    def execute(self, invocation: Invocation, out: SlackOut) -> None:
        """Run the query: progress in the channel, then the table (or a failure in words), then an audit line."""
        from bot.slack.results import render_failure, render_progress, render_result

        try:
            query = self._plan(invocation)
        except (HelpRequested, ParameterError) as exc:
            out.respond(render_failure(None, str(exc), asked_by=invocation.user, command=invocation.command))
            return
        asked_by = invocation.user
        ts = out.post(invocation.channel, render_progress(query, None, asked_by=asked_by))
        started = time.monotonic()
        result: QueryResult | None = None
        outcome = "error"
        try:
            result, total = self._run(
                query, invocation, self._progress(out, invocation.channel, ts, query, asked_by)
            )
            outcome = "ok" if result.rows else "no data"
            url = self._console_url(query, result)
            message = render_result(query, result, asked_by=asked_by, console_url=url, total=total)
        except QueryError as exc:
            outcome = type(exc).__name__
            message = render_failure(query, str(exc), asked_by=asked_by, command=invocation.command)
        except Exception:
            reason = "something went wrong on Lookout's side; the details are in its logs"
            self._deliver(
                invocation,
                out,
                ts,
                render_failure(query, reason, asked_by=asked_by, command=invocation.command),
                query,
                None,
            )
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
        self._deliver(invocation, out, ts, message, query, result)

    @staticmethod
    def _progress(
        out: SlackOut, channel: str, ts: str | None, query: QueryPlan, asked_by: str
    ) -> Callable[[Progress], None]:
        """Edit the progress message at most every few seconds (chat.update is rate-limited)."""
        from bot.slack.results import render_progress

        last = [time.monotonic()]

        def update(progress: Progress) -> None:
            if ts and time.monotonic() - last[0] >= PROGRESS_EVERY_S:
                last[0] = time.monotonic()
                out.update(channel, ts, render_progress(query, progress, asked_by=asked_by))

        return update

    def _deliver(
        self,
        invocation: Invocation,
        out: SlackOut,
        ts: str | None,
        message: Message,
        query: QueryPlan,
        result: QueryResult | None,
    ) -> None:
        from slack_sdk.errors import SlackApiError

        from bot.slack.results import render_result

        if not ts:
            out.respond(message)
            return
        try:
            out.update(invocation.channel, ts, message)
        except SlackApiError as exc:
            if result is None or exc.response.get("error") not in {"invalid_blocks", "msg_blocks_too_long"}:
                raise
            fallback = render_result(  # a workspace or client without table blocks: code block instead
                query, result, asked_by=invocation.user, console_url=self._console_url(query, result), tables=False
            )
            out.update(invocation.channel, ts, fallback)

    def _plan(self, invocation: Invocation) -> QueryPlan:
        command, args = split_command(invocation.line)
        return plan(command, args, self.config, now=self.now())

    def _run(
        self, query: QueryPlan, invocation: Invocation, on_progress: Callable[[Progress], None]
    ) -> tuple[QueryResult, int | None]:
        if query.engine == "athena":
            token = hashlib.sha256(f"{invocation.trigger}|{invocation.line}".encode()).hexdigest()[:64]
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
