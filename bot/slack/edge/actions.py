"""The alarm message's buttons: Acknowledge, Silence 1 h / 4 h, More logs, Run /errors for this service.

Each click is acknowledged at once and handled in a lazy listener. Only users allowed by the settings may
press them (everyone, when the list is empty); the others get a polite ephemeral refusal. Acknowledge and
silence are lifecycle operations (``bot.lifecycle.controls``), more logs an enrichment one
(``bot.enrich.logs.older_lines``); this module only reads the click and draws the answer.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.lifecycle import controls
from bot.lifecycle.store import Conflict, Incident, IncidentStore
from bot.slack.blocks.lifecycle import render_more_logs, status_notes
from bot.slack.edge.answers import ChannelAnswer, blocks_of, bolt_respond
from bot.text import one_line, safe

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.queries.service import QueryService

MORE_LINES = 50
SILENCES = {"lookout:silence-1h": 3600, "lookout:silence-4h": 4 * 3600}


class IncidentActions:
    def __init__(
        self,
        store: IncidentStore,
        *,
        logs_client: Any,
        allowed: tuple[str, ...] = (),
        queries: QueryService | None = None,
    ) -> None:
        self.store = store
        self.allowed = allowed
        self.logs = logs_client
        self.queries = queries

    def register(self, app: App) -> None:
        for action in ("lookout:ack", *SILENCES, "lookout:more-logs", "lookout:run-errors"):
            app.action(action)(ack=lambda ack: ack(), lazy=[self.handle])
        app.action("lookout:open-query")(lambda ack: ack())  # link buttons still send an action
        for index in range(8):
            app.action(f"lookout:link:{index}")(lambda ack: ack())

    def handle(self, body: dict[str, Any], client: WebClient, respond: Any) -> None:
        action = body["actions"][0]
        user = str(body.get("user", {}).get("id", ""))
        if self.allowed and user not in self.allowed:
            respond(
                text="Sorry, only the people Lookout is set up for can use these buttons.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        action_id, value = action["action_id"], str(action.get("value", ""))
        channel = str(body.get("container", {}).get("channel_id") or body.get("channel", {}).get("id", ""))
        ts = str(body.get("container", {}).get("message_ts") or body.get("message", {}).get("ts", ""))
        if action_id == "lookout:run-errors":
            self._run_errors(value, user, channel, client, respond)
            return
        if action_id == "lookout:more-logs":
            self._more_logs(value, channel, ts, client)
            return
        if action_id == "lookout:ack":
            incident = controls.acknowledge(self.store, value, user)
        else:
            incident = controls.silence(self.store, value, user, SILENCES[action_id])
        if incident is not None:
            self._refresh(body.get("message") or {}, incident, channel, ts, client)

    def _refresh(
        self, message: dict[str, Any], incident: Incident, channel: str, ts: str, client: WebClient
    ) -> None:
        """The same message with its status line (acknowledged by, silenced until) rewritten."""
        notes = status_notes(
            acked_by=incident.acked_by, silenced_until=incident.silenced_until, silenced_by=incident.silenced_by
        )
        blocks = [b for b in message.get("blocks", []) if b.get("block_id") != "lookout:status"]
        at = next((i + 1 for i, b in enumerate(blocks) if b.get("block_id") == "lookout:header"), 0)
        if notes:
            blocks.insert(
                at,
                {
                    "type": "context",
                    "block_id": "lookout:status",
                    "elements": [{"type": "mrkdwn", "text": "\n".join(notes)}],
                },
            )
        client.chat_update(channel=channel, ts=ts, text=message.get("text") or "Lookout alert", blocks=blocks)

    def _more_logs(self, alarm_arn: str, channel: str, ts: str, client: WebClient) -> None:
        """The next 50 matching lines before the oldest one shown so far, as a thread reply."""
        from bot.enrich.logs import older_lines

        incident = self.store.get(alarm_arn)
        spec = json.loads(incident.logs) if incident and incident.logs else None
        if not spec:
            client.chat_postMessage(channel=channel, thread_ts=ts, text="No log groups are known for this alarm.")
            return
        lines, complete = older_lines(self.logs, spec, MORE_LINES)
        reply = render_more_logs(lines, complete=complete)
        client.chat_postMessage(channel=channel, thread_ts=ts, text=reply.text, blocks=blocks_of(reply))
        if incident is not None and lines:
            spec["before"] = lines[-1].timestamp.timestamp()
            with contextlib.suppress(Conflict):  # a lost race only means the next click starts from here again
                self.store.put(replace(incident, logs=json.dumps(spec)))

    def _run_errors(self, service: str, user: str, channel: str, client: WebClient, respond: Any) -> None:
        from bot.queries.service import Invocation

        if self.queries is None:
            respond(
                text="Queries are not set up in this deployment.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        invocation = Invocation(command="/errors", text=safe(one_line(service), 100), user=user, channel=channel)
        ack = self.queries.acknowledge(invocation)
        if not ack.runs:
            respond(text=ack.text, response_type="ephemeral", replace_original=False)
            return
        self.queries.execute(invocation, ChannelAnswer(invocation, client, bolt_respond(respond)))
