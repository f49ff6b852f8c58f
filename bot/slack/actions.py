"""The alarm message's buttons: Acknowledge, Silence 1 h / 4 h, More logs, Run /errors for this service.

Each click is acknowledged at once and handled in a lazy listener. Only users allowed by the settings may
press them (everyone, when the list is empty); the others get a polite ephemeral refusal.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.lifecycle.store import Conflict, Incident, IncidentStore
from bot.slack.lifecycle_render import status_notes
from bot.text import for_code_block, one_line, safe

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
        allowed: tuple[str, ...] = (),
        logs_client: Any = None,
        queries: QueryService | None = None,
    ) -> None:
        self.store = store
        self.allowed = allowed
        self._logs = logs_client
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
        incident = self._change(value, action_id, user)
        if incident is not None:
            self._refresh(body.get("message") or {}, incident, channel, ts, client)

    def _change(self, alarm_arn: str, action_id: str, user: str) -> Incident | None:
        for _ in range(8):
            incident = self.store.get(alarm_arn)
            if incident is None:
                return None
            if action_id == "lookout:ack":
                changed = replace(incident, acked_by=user)
            else:
                changed = replace(incident, silenced_until=time.time() + SILENCES[action_id], silenced_by=user)
            try:
                return self.store.put(changed)
            except Conflict:
                continue
        return None

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
        from bot.enrich.logs import trim

        incident = self.store.get(alarm_arn)
        spec = json.loads(incident.logs) if incident and incident.logs else None
        if not spec:
            client.chat_postMessage(channel=channel, thread_ts=ts, text="No log groups are known for this alarm.")
            return
        events: list[tuple[int, str, str]] = []
        for group in spec["groups"]:
            request = {
                "logGroupName": group,
                "startTime": int(spec["start"] * 1000),
                "endTime": int(spec["before"] * 1000) - 1,
                "limit": 1000,
            }
            if spec.get("pattern"):
                request["filterPattern"] = spec["pattern"]
            page = self.logs.filter_log_events(**request)
            events += [(e["timestamp"], group, e["message"]) for e in page.get("events", [])]
        newest = sorted(events, reverse=True)[:MORE_LINES]
        if not newest:
            client.chat_postMessage(
                channel=channel, thread_ts=ts, text="No older matching lines in the alarm window."
            )
            return
        lines = [f"{datetime.fromtimestamp(t / 1000, tz=UTC):%H:%M:%S} {trim(m)}" for t, _, m in newest]
        text = for_code_block(safe("\n".join(lines), 2800))
        client.chat_postMessage(
            channel=channel,
            thread_ts=ts,
            text=f"{len(newest)} more log lines",
            blocks=[
                {
                    "type": "section",
                    "block_id": "lookout:more-logs",
                    "text": {"type": "mrkdwn", "text": f"```{text}```"},
                }
            ],
        )
        if incident is not None:
            spec["before"] = newest[-1][0] / 1000
            with contextlib.suppress(Conflict):  # a lost race only means the next click starts from here again
                self.store.put(replace(incident, logs=json.dumps(spec)))

    def _run_errors(self, service: str, user: str, channel: str, client: WebClient, respond: Any) -> None:
        from bot.queries.service import Invocation
        from bot.slack.app import BoltOut

        if self.queries is None:
            respond(
                text="Queries are not set up in this deployment.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        invocation = Invocation(command="/errors", text=safe(one_line(service), 100), user=user, channel=channel)
        reply, runs = self.queries.acknowledge(invocation)
        if not runs:
            respond(
                text=reply if isinstance(reply, str) else reply.text,
                response_type="ephemeral",
                replace_original=False,
            )
            return
        self.queries.execute(invocation, BoltOut(client, respond))

    @property
    def logs(self) -> Any:
        if self._logs is None:
            from bot import aws

            self._logs = aws.client("logs")
        return self._logs
