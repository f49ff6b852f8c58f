"""What a check run found: a value the runner, the state store and the card share.

Not for: deciding incidents (``bot.checks.state``) or running probes (``bot.checks.http``, ``bot.checks.xray``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True)
class Result:
    check: str
    ok: bool
    at: datetime
    latency_ms: float | None = None
    summary: str = ""
    """One line: what happened (``HTTP 503 in 1.24 s``, ``fault rate 7.5 % > 5 %``)."""
    evidence: tuple[str, ...] = field(default=())
    """What on-call needs to see, one fact a line (status, latency against its limit, the failed assertion, a
    body excerpt; X-Ray figures with their thresholds). Outside text in it is redacted (``excerpt``), and
    escaped where it is shown."""
    judged: bool = True
    """False when the run could not judge (too few requests in the window): not a failure, not a pass."""
