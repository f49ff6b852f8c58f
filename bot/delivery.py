"""What every path that delivers something shares, whatever it delivers to: the unit of work (``Delivery``: an
alarm or a notification from a Lambda event), the time left (``Deadline``) and where a message landed
(``Posted``). Neutral ground: domain packages and the Slack side both import it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.typing import LambdaContext

    from bot.alarms import Alarm, Notification


@dataclass(frozen=True)
class Delivery:
    """One unit of work from a Lambda event: an alarm or a notification, with where it came from."""

    item: Alarm | Notification
    message_id: str | None = None
    via: str = "unknown"
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    storm: str = ""
    """Not posted on its own: written as an entry of this storm, which the delivery's caller flushes."""
    quiet: str = ""
    """Not posted, on purpose (why: an OK with no incident to resolve); counted, never lost."""


class Deadline:
    """Seconds left before the caller must give up (Lambda's remaining time less a reserve)."""

    def __init__(self, remaining_s: Callable[[], float]) -> None:
        self._remaining = remaining_s

    @classmethod
    def from_lambda_context(
        cls, context: LambdaContext | None, reserve_s: float = 1.0, default_s: float = 60.0
    ) -> Deadline:
        """Lambda's remaining time less ``reserve_s``; ``default_s`` from now without a context (a local run)."""
        get = getattr(context, "get_remaining_time_in_millis", None)
        if callable(get):
            return cls(lambda: get() / 1000 - reserve_s)
        return cls.after(default_s)

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        end = time.monotonic() + seconds
        return cls(lambda: end - time.monotonic())

    def remaining(self) -> float:
        return max(0.0, self._remaining())
