"""Where "More logs" goes on: a ``LogCursor`` names the alarm's log groups, its filter pattern, the window's start
and the oldest line shown so far, and finds the next lines before it. The lifecycle keeps it on the incident
record in its stored form (``stored()`` / ``from_stored()``); nothing else reads or writes that form.

Not for: the alarm's own log search (``bot.enrich.logs``) or drawing the lines (``bot.slack.blocks``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot import coerce

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

    from bot.enrich.model import LogLine, LogReport

_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogCursor:
    groups: tuple[str, ...]
    pattern: str
    start: float
    """The alarm window's start (epoch seconds): no line older than this is searched."""
    before: float
    """The oldest line shown so far (epoch seconds): the next lines are older."""

    @classmethod
    def from_report(cls, report: LogReport) -> LogCursor:
        """Where the alarm message's lines came from; with none shown, the end of the window."""
        oldest = min((line.timestamp.timestamp() for line in report.lines), default=report.window_end.timestamp())
        return cls(
            groups=tuple(report.groups),
            pattern=report.filter_pattern,
            start=report.window_start.timestamp(),
            before=oldest,
        )

    @classmethod
    def from_stored(cls, text: str) -> LogCursor | None:
        """The cursor an incident record holds; None when it holds none (no log groups were known) or one this
        code cannot read."""
        if not text:
            return None
        try:
            data = coerce.mapping(json.loads(text))
        except ValueError:
            data = {}
        start, before = coerce.number(data.get("start")), coerce.number(data.get("before"))
        if start is None or before is None:
            _LOG.warning("an incident holds a log cursor that cannot be read: %.200s", text)
            return None
        cursor = cls(
            groups=tuple(str(group) for group in coerce.items(data.get("groups"))),
            pattern=str(data.get("pattern") or ""),
            start=start,
            before=before,
        )
        return cursor if cursor.groups else None

    def stored(self) -> str:
        """The form the records in the table hold: ``{"groups", "pattern", "start", "before"}`` as JSON."""
        return json.dumps(
            {"groups": list(self.groups), "pattern": self.pattern, "start": self.start, "before": self.before}
        )

    def past(self, line: LogLine) -> LogCursor:
        """The cursor once ``line`` (the oldest of a page) has been shown."""
        return replace(self, before=line.timestamp.timestamp())


def lines_before(logs: CloudWatchLogsClient, cursor: LogCursor, limit: int) -> tuple[tuple[LogLine, ...], bool]:
    """(the next ``limit`` matching lines before the cursor, newest first; whether the search covered what it
    had to), with the alarm's own backwards search."""
    # here, not at the top: the Slack function imports this module at init (its buttons) and searches only on
    # a "More logs" click; the search's modules would cost that init 5 ms (measured)
    from bot.enrich.logs import older_lines

    return older_lines(logs, cursor, limit)
