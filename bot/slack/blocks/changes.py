"""The alarm card's "Changed before this": the changes to the alarmed resource, its X-Ray neighbours and the
account in the hour before the state change, newest first — when, what, to which resource, by whom, with the
console link — or, when there were none, that nothing changed in the window searched, and where it searched.
A search that could not cover the whole window says what it missed, never "nothing changed".
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from bot.slack.blocks import format as fmt
from bot.text import one_line, safe

if TYPE_CHECKING:
    from datetime import datetime

    from bot.changes.model import Change, Changes
    from bot.enrich.model import Finding

SHOWN = 5
"""Changes listed; the rest are counted."""
SOURCES = {
    "ledger": "change ledger",
    "cloudtrail": "CloudTrail",
    "ledger+cloudtrail": "change ledger and CloudTrail",
    "none": "no change ledger, no CloudTrail search",
}


def changes_text(finding: Finding[Changes], breach: datetime) -> str:
    """The section's mrkdwn, each change timed against ``breach`` (the first breaching datapoint, as the first
    line times it): every outside value (resources, principals, values) redacted and escaped."""
    found = finding.value
    if found is None:
        return f"*Changed before this* — _{safe(finding.note or 'not searched', 300)}_"
    where = f"{found.describe_window()} · {SOURCES.get(found.source, found.source)}"
    lines = [f"*Changed before this* — {where}"]
    if not found.items:
        nothing = "nothing changed" if found.complete else "no changes found"
        lines[0] = f"*Changed before this* — _{nothing} in {where}_"
    for change in found.items[:SHOWN]:
        lines.append(_line(change, breach))
    if len(found.items) > SHOWN:
        lines.append(f"… and {len(found.items) - SHOWN} more in the window")
    lines.extend(f"_{safe(one_line(note), 300)}_" for note in found.notes)
    return "\n".join(lines)


def _line(change: Change, breach: datetime) -> str:
    """``• 13:42 UTC, 4 min before the breach · orders-api deployed · by deploy/gha-42``, the resource linked."""
    seconds = round((breach - change.at).total_seconds())
    after = "before the breach" if seconds >= 0 else "after the breach began"
    when = f"{change.at.astimezone(UTC):%H:%M} UTC, {fmt.duration(abs(seconds))} {after}"
    resource = safe(one_line(change.resource), 120)
    if change.link:
        resource = f"<{change.link}|{resource}>"
    who = f" · by {safe(one_line(change.principal), 120)}" if change.principal else ""
    return f"• {when} · *{resource}* {safe(one_line(change.what), 300)}{who}"
