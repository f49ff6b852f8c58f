"""What a typed notice is: the few facts on-call needs from a non-alarm event, plus how bad it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import regions
from bot.coerce import mapping, text

if TYPE_CHECKING:
    from collections.abc import Mapping

LEVELS = ("bad", "warn", "good", "info")


@dataclass(frozen=True)
class Notice:
    """A well-known kind of event (AWS Health, GuardDuty, a pipeline, a backup job…) read for its facts."""

    kind: str
    """"AWS Health", "GuardDuty", "CodePipeline", …"""
    headline: str
    """The one line that names it: "myPipeline · FAILED"."""
    level: str = "info"
    """"bad" (failed, high severity, open issue), "warn", "good" (succeeded, closed) or "info"."""
    facts: tuple[tuple[str, str], ...] = ()
    """(label, value) in the order on-call reads them; empty values are left out."""
    details: str = ""
    """A description or status message from the event (outside text: redacted and escaped when shown)."""


def field(data: Mapping[str, Any], *names: str) -> Any:
    """The first of ``names`` present in ``data``, matched case-insensitively (public samples write GuardDuty
    findings in PascalCase as well as AWS's camelCase)."""
    lowered = {str(k).lower(): v for k, v in data.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, "", [], {}):
            return value
    return None


def fact(label: str, value: object) -> tuple[str, str] | None:
    shown = text(value).strip() if value is not None else ""
    return (label, shown) if shown else None


def account_fact(value: object) -> tuple[str, str] | None:
    """An account id only when it is one: documentation samples carry 13-digit "accounts" and placeholders."""
    shown = text(value).strip() if value is not None else ""
    return ("Account", shown) if regions.is_account(shown) else None


def facts(*pairs: tuple[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(p for p in pairs if p is not None)


def detail_of(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    return mapping(payload.get("detail"))


def state_level(state: str) -> str:
    """FAILED/TIMEOUT/ABORTED… → bad, SUCCEEDED/COMPLETED → good, the rest informational."""
    upper = state.upper()
    if any(word in upper for word in ("FAIL", "TIMEOUT", "TIMED_OUT", "ABORT", "EXPIRED", "STOPPED", "ERROR")):
        return "bad"
    if any(word in upper for word in ("SUCCE", "COMPLETED", "SUCCESS")):
        return "good"
    return "info"
