"""The alarm card's first line: what fails and the most likely cause, in one line of mrkdwn.

"*api.payments.example* failing for orders-api: 429 ×4, 502 ×4 logged since 13:47 UTC — deployed 4 min before"
— from the evidence (``bot.enrich.evidence``): the neighbour X-Ray blames, the decisive log kinds with their
counts, else X-Ray's root-cause traces or its fault and throttle counts; a change before the breach when one is
given. Without evidence (offline, skipped, nothing found) it says what fails from the alarm alone — resource,
metric, threshold — and never a cause. Outside text is redacted, cut and escaped (``bot.text.safe``).

Not for: the alarm's condition in full (``bot.slack.blocks.alarm_text``) or deriving the evidence.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from bot.alarms import AlarmKind, AlarmState
from bot.enrich.evidence import NAMED, evidence_for
from bot.enrich.metrics import label_of
from bot.slack.blocks import format as fmt
from bot.text import escape, one_line, safe

if TYPE_CHECKING:
    from bot.alarms import Alarm
    from bot.enrich.evidence import Evidence, RecentChange, Sign
    from bot.enrich.model import Enrichment

NAME_CHARS = 120
LABEL_CHARS = 60
CHANGE_CHARS = 120
REASON_CHARS = 200


def headline(alarm: Alarm, enrichment: Enrichment, change: RecentChange | None = None) -> str:
    """The first line of ``alarm``'s card, or "" when there is nothing failing to name (not in ALARM, or its
    actions suppressed: the summary's first line says why)."""
    if alarm.state is not AlarmState.ALARM or alarm.suppressed:
        return ""
    return headline_text(alarm, evidence_for(alarm, enrichment, change), enrichment)


def headline_text(alarm: Alarm, evidence: Evidence, enrichment: Enrichment | None = None) -> str:
    resource = safe(one_line(evidence.resource), NAME_CHARS)
    if evidence.culprit:
        subject = f"*{safe(one_line(evidence.culprit), NAME_CHARS)}* failing for {resource}"
    elif evidence.found:
        subject = f"*{resource}* failing"
    else:
        subject = f"*{resource}*"
    said = _signs(evidence) if evidence.found else _alarm_alone(alarm, enrichment)
    line = f"{subject}: {said}" if said else f"{subject} in ALARM"  # nothing but its name: said as such
    return line + _change(evidence)


def _signs(evidence: Evidence) -> str:
    if evidence.source == "traces":
        return ", ".join(f"`{_label(s, quote=False)}` in {_traces(s.count)}" for s in evidence.signs)
    counts = ", ".join(f"{_label(s)} ×{s.count}" for s in evidence.signs)
    if evidence.source == "graph":
        return f"{counts} in X-Ray's last {evidence.window_minutes} min"
    since = f" since {evidence.since.astimezone(UTC):%H:%M} UTC" if evidence.since else ""
    return f"{counts} logged{since}" + (" (search incomplete)" if evidence.partial else "")


def _label(sign: Sign, quote: bool = True) -> str:
    """A status or an error name as it is; a line's head in quotes (it reads as text, not as a name)."""
    text = safe(one_line(sign.label), LABEL_CHARS).replace("`", "'")
    return f"“{text}”" if quote and " " in text and sign.label not in NAMED else text


def _traces(count: int) -> str:
    return f"{count} trace" + ("" if count == 1 else "s")


def _alarm_alone(alarm: Alarm, enrichment: Enrichment | None) -> str:
    """What the alarm itself says fails: its metric and threshold (with the latest value when the metric was
    read); a composite's children in ALARM; a check's or a forwarded log line's own reason."""
    if alarm.kind is AlarmKind.COMPOSITE:
        firing = [safe(one_line(c.name), NAME_CHARS) for c in alarm.children if c.state is AlarmState.ALARM]
        more = len(firing) - 3
        return f"{', '.join(firing[:3])}{f' and {more} more' if more > 0 else ''} in ALARM" if firing else ""
    if alarm.kind in (AlarmKind.CHECK, AlarmKind.LOG_ERROR):
        return safe(one_line(alarm.reason), REASON_CHARS)
    primary = alarm.primary
    if primary is None:
        return ""
    test = ""  # our own words after the metric's label
    op = fmt.COMPARISONS.get(alarm.comparison or "", "")
    if alarm.kind is AlarmKind.ANOMALY:
        test += f" {op or 'outside the band'}"
    elif alarm.threshold is not None:
        test += f" {op or 'vs'} {fmt.exact(alarm.threshold)}"
    report = enrichment.metric.value if enrichment else None
    if report is not None and report.latest is not None:
        test += f", latest {fmt.number(report.latest)}"
    return safe(one_line(label_of(primary)), NAME_CHARS) + escape(test)


def _change(evidence: Evidence) -> str:
    """ " — deployed 4 min before by alice": the change's resource named when it is not the one that fails."""
    change = evidence.change
    if change is None:
        return ""
    failing = evidence.culprit or evidence.resource
    what = safe(one_line(change.what), CHANGE_CHARS)
    if change.resource and change.resource != failing:
        what = f"{safe(one_line(change.resource), NAME_CHARS)} {what}"
    minutes = change.minutes_before
    when = f"{fmt.duration(round(abs(minutes) * 60))} " + ("before" if minutes >= 0 else "after the breach")
    who = f" by {safe(one_line(change.who), NAME_CHARS)}" if change.who else ""
    return f" — {what}{',' if what[-1:].isdigit() else ''} {when}{who}"  # "set to 2, 1 min before"
