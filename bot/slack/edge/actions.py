"""The alarm message's buttons: Acknowledge, Silence 1 h / 4 h, More logs, Run /errors for this service.

This module reads the click, asks the lifecycle (``bot.lifecycle.on_call``) to carry it out, has
``bot.slack.blocks`` draw the outcome and the one writer send it. It neither writes the incident store nor builds
Block Kit. Only users allowed by the settings may press the buttons (everyone, when the list is empty); the
others get a polite ephemeral refusal. Which button is routed where: ``bot.slack.edge.app``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NotRequired, TypedDict

from bot.lifecycle.on_call import OnCall
from bot.queries.commands import Invocation
from bot.slack.blocks.lifecycle import render_more_logs, render_note, with_status
from bot.slack.edge.answers import ChannelAnswer
from bot.text import one_line, safe

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

    from bot.delivery import Deadline
    from bot.lifecycle.on_call import Status
    from bot.lifecycle.store import IncidentStore
    from bot.queries.commands import QueryService
    from bot.slack.transport.post import SlackPoster

MORE_LINES = 50
ACKNOWLEDGE = "lookout:ack"
SILENCES = {"lookout:silence-1h": 3600, "lookout:silence-4h": 4 * 3600}
MORE_LOGS = "lookout:more-logs"
RUN_ERRORS = "lookout:run-errors"
BUTTONS = (ACKNOWLEDGE, *SILENCES, MORE_LOGS, RUN_ERRORS)
"""The buttons with work behind them (``bot.slack.blocks.lifecycle`` draws them)."""
LINKS = ("lookout:open-query", *(f"lookout:link:{index}" for index in range(8)))
"""Link buttons: Slack still sends an action, which only needs its ack."""
NOT_ALLOWED = "Sorry, only the people Lookout is set up for can use these buttons."
NO_QUERIES = "Queries are not set up in this deployment."


class Pressed(TypedDict):
    action_id: str
    value: NotRequired[str]


class Named(TypedDict, total=False):
    id: str


class Container(TypedDict, total=False):
    channel_id: str
    message_ts: str


class Click(TypedDict):
    """The fields of Slack's ``block_actions`` payload a click is read by (Slack's "block_actions payloads"): Bolt
    hands it over as ``body`` once the request's signature holds."""

    actions: list[Pressed]
    user: NotRequired[Named]
    channel: NotRequired[Named]
    container: NotRequired[Container]
    message: NotRequired[dict[str, object]]
    """The message the button is on, as Slack holds it (redrawn with its new status)."""
    response_url: NotRequired[str]
    trigger_id: NotRequired[str]


class IncidentActions:
    def __init__(
        self,
        store: IncidentStore,
        *,
        logs_client: CloudWatchLogsClient,
        allowed: tuple[str, ...] = (),
        queries: QueryService | None = None,
    ) -> None:
        self.on_call = OnCall(store, logs_client)
        self.allowed = allowed
        self.queries = queries

    def press(self, body: Click, writer: SlackPoster, deadline: Deadline) -> None:
        """One click, acked already: its work, its answer sent by ``writer`` within ``deadline``."""
        action = body["actions"][0]
        user = str(body.get("user", {}).get("id", ""))
        response_url = str(body.get("response_url") or "")
        if self.allowed and user not in self.allowed:
            writer.respond(response_url, render_note(NOT_ALLOWED), deadline, response_type="ephemeral")
            return
        action_id, value = action["action_id"], str(action.get("value", ""))
        channel = str(body.get("container", {}).get("channel_id") or body.get("channel", {}).get("id", ""))
        ts = str(body.get("container", {}).get("message_ts") or body.get("message", {}).get("ts", ""))
        if action_id == RUN_ERRORS:
            trigger = str(body.get("trigger_id", ""))
            self._run_errors(value, user, channel, trigger, writer, response_url, deadline)
            return
        if action_id == MORE_LOGS:
            self._more_logs(value, channel, ts, writer, deadline)
            return
        status: Status | None
        if action_id == ACKNOWLEDGE:
            status = self.on_call.acknowledge(value, user)
        else:
            status = self.on_call.silence(value, user, SILENCES[action_id])
        if status is not None:
            writer.redraw(with_status(body.get("message") or {}, status), channel, ts, deadline)

    def _more_logs(self, alarm_arn: str, channel: str, ts: str, writer: SlackPoster, deadline: Deadline) -> None:
        """The next lines before the oldest one shown so far, as a thread reply; the cursor moves on once the reply
        is in the channel (a reply that failed is asked for again from the same place)."""
        page = self.on_call.older_logs(alarm_arn, MORE_LINES)
        reply = render_more_logs(page.lines, complete=page.complete, known=page.cursor is not None)
        key = f"more-logs|{alarm_arn}|{page.cursor.before}" if page.cursor is not None else None
        writer.post(reply, channel, deadline, thread_ts=ts, key=key)
        self.on_call.shown(page)

    def _run_errors(
        self,
        service: str,
        user: str,
        channel: str,
        trigger: str,
        writer: SlackPoster,
        response_url: str,
        deadline: Deadline,
    ) -> None:
        if self.queries is None:
            writer.respond(response_url, render_note(NO_QUERIES), deadline, response_type="ephemeral")
            return
        text = safe(one_line(service), 100)
        invocation = Invocation(command="/errors", text=text, user=user, channel=channel, trigger=trigger)
        ack = self.queries.acknowledge(invocation)
        if not ack.runs:
            writer.respond(response_url, render_note(ack.text), deadline, response_type="ephemeral")
            return
        answer = ChannelAnswer(invocation, writer, response_url=response_url, deadline=deadline)
        self.queries.execute(invocation, answer)
