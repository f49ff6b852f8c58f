"""What a notice is: the few facts on-call needs from a non-alarm event, how bad it is (its level, read from a
state or severity word), when it happened and where to look. Readers build one with ``bot.notices.reading``."""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("bad", "warn", "good", "info")


@dataclass(frozen=True)
class Notice:
    """A well-known kind of event (AWS Health, GuardDuty, a pipeline, a backup job…) read for its facts."""

    kind: str
    """"AWS Health", "GuardDuty", "CodePipeline", …: the source, first in the card's header."""
    headline: str
    """The one line that names it and its state: "myPipeline · FAILED"."""
    level: str = "info"
    """"bad" (failed, high severity, non-compliant, an open issue), "warn", "good" (succeeded, closed) or
    "info"."""
    facts: tuple[tuple[str, str], ...] = ()
    """(label, value) in the order on-call reads them; empty values and placeholders are left out."""
    details: str = ""
    """A description or status message from the event (outside text: redacted and escaped when shown)."""
    time: str = ""
    """When it happened, as the event gives it (ISO-8601 as a rule); empty when the event does not say."""
    links: tuple[tuple[str, str], ...] = ()
    """(label, http(s) URL) the event carries: a console page, a review link, a runbook."""


_BAD: tuple[str, ...] = ("FAIL", "TIMEOUT", "TIMED_OUT", "TIMEDOUT", "ABORT", "EXPIRED", "STOPPED", "ERROR")
_BAD = (*_BAD, "NON_COMPLIANT", "NONCOMPLIANT", "THREATS_FOUND", "IMPAIRED", "CRITICAL", "HIGH", "UNSUCCESSFUL")
_BAD = (*_BAD, "CANCELLED")
_WARN = ("WARN", "MEDIUM", "STOPPING", "DEGRADED", "INSUFFICIENT", "PARTIAL", "ABANDONED", "SUPERSEDED")
_GOOD = ("SUCCE", "COMPLETED", "SUCCESS", "NO_THREATS_FOUND", "COMPLIANT", "PASSED", "RESOLVED", "CLOSED")


def state_level(state: str) -> str:
    """FAILED/TIMEOUT/ABORTED/NON_COMPLIANT/THREATS_FOUND… → bad, WARN/MEDIUM… → warn, SUCCEEDED/COMPLETED/
    COMPLIANT… → good, the rest informational. Success words are read only when no failure word is present."""
    upper = state.upper().replace(" ", "_").replace("-", "_")
    if upper.startswith("NO_THREATS") or upper == "COMPLIANT":
        return "good"
    if any(word in upper for word in _BAD):
        return "bad"
    if any(word in upper for word in _WARN):
        return "warn"
    if any(word in upper for word in _GOOD):
        return "good"
    return "info"


def worst(*levels: str) -> str:
    """The most serious of ``levels`` (bad > warn > good > info); "info" for none."""
    order = {"bad": 0, "warn": 1, "good": 2, "info": 3}
    return min(levels, key=lambda level: order.get(level, 3), default="info")
