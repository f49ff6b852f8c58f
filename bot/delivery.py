"""What every path that delivers something shares, whatever it delivers to: the time left (``Deadline``) and
where a message landed (``Posted``). Neutral ground: domain packages and the Slack side both import it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable


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
    def from_lambda_context(cls, context: Any, reserve_s: float = 1.0, default_s: float = 60.0) -> Deadline:
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
