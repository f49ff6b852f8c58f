"""A Slack poster that keeps its calls instead of sending them: what ``lookout render`` prints, and the double
tests and benchmarks hand the alarm path when they count what it would post.

Not for: anything that must reach Slack (``bot.slack.transport.post.SlackPoster``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.delivery import Posted
from bot.slack.transport.post import SlackPoster, post_payload

if TYPE_CHECKING:
    from bot.delivery import Deadline
    from bot.slack.blocks.render import Message


class RecordingPoster(SlackPoster):
    """A ``SlackPoster`` that keeps the calls instead of sending them: no token is read, nothing is sent."""

    def __init__(self) -> None:
        super().__init__(token_source=str)  # never called: nothing reaches Slack
        self.calls: list[dict[str, object]] = []

    def prefetch(self) -> None:
        """There is no token to read."""

    def post(
        self,
        message: Message,
        channel: str,
        deadline: Deadline,
        thread_ts: str | None = None,
        key: str | None = None,
        search_first: bool = False,
    ) -> Posted:
        del deadline, search_first  # nothing was posted before: there is nothing to find
        payload = post_payload(message, channel, thread_ts, key)
        self.calls.append({"method": "chat.postMessage", "payload": payload})
        return Posted(channel=channel, ts=f"{len(self.calls)}.000000")

    def update(self, message: Message, channel: str, ts: str, deadline: Deadline) -> Posted:
        del deadline
        self.calls.append({"method": "chat.update", "payload": {**message.payload(channel), "ts": ts}})
        return Posted(channel=channel, ts=ts)

    def probe(self, channel: str, deadline: Deadline) -> str | None:
        return None  # every call is taken
