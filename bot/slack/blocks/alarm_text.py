"""The words of an alarm card that come from the alarm itself: the condition, what it reads, suppression, where.

Nothing lost, nothing invented: a metric-math alarm shows its expression and every input metric (namespace,
name, statistic, dimensions) whether or not enrichment ran; a single-metric alarm shows its dimensions; a
suppressed composite alarm says so first; a value the payload lacks is left out — never a placeholder word,
never the time of rendering for a time the payload did not give. Text here is mrkdwn, made safe.

The alarm's description is not part of the summary: it is the same standing note at every firing, read after
the evidence, so the card shows it whole at its foot (``description``) rather than between the reader and the
answer (``bot.slack.blocks.render`` says why).

Not for: enrichment sections or Block Kit (``bot.slack.blocks.render``).
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from bot.alarms import AlarmKind, AlarmState
from bot.enrich.metrics import label_of
from bot.slack.blocks import format as fmt
from bot.text import one_line, safe

if TYPE_CHECKING:
    from bot.alarms import Alarm, MetricQuery, Suppression

STATE_ICON = {
    AlarmState.ALARM: "🔴",
    AlarmState.OK: "✅",
    AlarmState.INSUFFICIENT_DATA: "⚪",
    AlarmState.UNKNOWN: "❔",
}
ENDED_NOTE = "Suppression ended: actions run now"
MAX_INPUTS = 10
MAX_EVIDENCE = 12
DESCRIPTION_CHARS = 1024
"""CloudWatch's limit for ``AlarmDescription``: shown whole (a runbook link cut in half helps nobody)."""
SUPPRESSED_BY = {
    "Alarm": "its suppressor alarm {who} is in ALARM",
    "WaitPeriod": "it waits up to {wait} for its suppressor alarm {who} to go into ALARM",
    "ExtensionPeriod": "its suppressor alarm {who} left ALARM; it waits up to {extension} more",
}
ENDED_BY = {
    "WaitPeriod": "its wait period ended without {who} going into ALARM",
    "ExtensionPeriod": "its extension period after {who} left ALARM ended",
    "Alarm": "its suppressor alarm {who} left ALARM",
}
"""CloudWatch runs a composite alarm's actions for its current state when a ``WaitPeriod`` or
``ExtensionPeriod`` ends (CloudWatch User Guide, "Composite alarm action suppression"): from ALARM, a page."""


def suppressed(alarm: Alarm) -> bool:
    return alarm.suppressed


def suppression_ended(alarm: Alarm) -> str:
    """ "its wait period ended without … going into ALARM (wait period 2 min, extension period 3 min)" when
    this ALARM's actions run because the previous state's suppression ended; "" otherwise."""
    held = alarm.suppression
    if held is None or not alarm.suppression_ended:
        return ""
    ended = held.reason.rsplit(" ", 1)[-1]  # "Actions suppressed by WaitPeriod"
    text = ENDED_BY.get(ended, "its suppression ({ended}) ended").format(
        who=held.suppressor or "its suppressor alarm", ended=ended
    )
    periods = [
        f"{name} period {fmt.duration(seconds)}"
        for name, seconds in (("wait", held.wait_period), ("extension", held.extension_period))
        if seconds
    ]
    return text + (f" ({', '.join(periods)})" if periods else "")


def transition(alarm: Alarm) -> str:
    """ " · ALARM → ALARM (suppression ended: actions run now)": the header's state change, with whether it
    pages (a suppressed alarm does not; one whose suppression ended does)."""
    text = f" · {alarm.previous_state.value} → {alarm.state.value}"
    if suppressed(alarm):
        return text + " (actions suppressed)"
    if alarm.suppression_ended:
        return text + f" ({ENDED_NOTE.lower()})"
    return text


def icon(alarm: Alarm) -> str:
    """The state's icon — a muted bell for an alarm whose actions are suppressed (maintenance, not a page)."""
    return "🔕" if suppressed(alarm) else STATE_ICON[alarm.state]


def summary(alarm: Alarm) -> str:
    condition = _condition(alarm)
    lines = [f"*{alarm.state.value}*" + (f"  ·  {safe(condition, 600)}" if condition else "")]
    if alarm.suppression and suppressed(alarm):
        lines.insert(0, f"🔕 *Actions suppressed* — {safe(suppression_text(alarm.suppression), 600)}")
    ended = suppression_ended(alarm)
    if ended:
        lines.insert(0, f"🔴 *{ENDED_NOTE}* — {safe(ended, 600)}: a live page")
    lines.extend(_reads(alarm))
    if alarm.reason:
        lines.append(f"> {safe(one_line(alarm.reason), 900)}")
    lines.extend(f"• {safe(one_line(fact), 400)}" for fact in alarm.evidence[:MAX_EVIDENCE])
    if alarm.kind is AlarmKind.COMPOSITE:
        if alarm.alarm_rule:
            lines.append(f"*Rule:* `{safe(one_line(alarm.alarm_rule), 500)}`")
        for child in alarm.children[:10]:
            lines.append(f"• {STATE_ICON[child.state]} {safe(child.name, 200)} is {child.state.value}")
        if len(alarm.children) > 10:
            lines.append(f"• … and {len(alarm.children) - 10} more")
        if alarm.suppression and not alarm.suppression.active and alarm.suppression.suppressor and not ended:
            lines.append(f"_Actions are suppressed while {safe(alarm.suppression.suppressor, 200)} is in ALARM._")
    return "\n".join(lines)


def description(alarm: Alarm) -> str:
    """ "Alarm description: …" — the alarm author's note (often a runbook link), whole as CloudWatch allows it
    (1,024 characters); "" when it has none."""
    if not alarm.description.strip():
        return ""
    return f"*Alarm description:* {safe(alarm.description.strip(), DESCRIPTION_CHARS)}"


def suppression_text(suppression: Suppression) -> str:
    """ "it waits up to 2 min for its suppressor alarm ServiceMaintenanceAlarm to go into ALARM: this may be
    planned maintenance, not a live page"."""
    template = SUPPRESSED_BY.get(suppression.by, "by " + suppression.by)
    wait = fmt.duration(suppression.wait_period) if suppression.wait_period else "its wait period"
    extension = fmt.duration(suppression.extension_period) if suppression.extension_period else "a while"
    who = suppression.suppressor  # not named in the event: left out, never a placeholder
    text = " ".join(template.format(who=who, wait=wait, extension=extension).split())
    return f"{text}: this may be planned maintenance, not a live page"


def _condition(alarm: Alarm) -> str:
    if alarm.kind is AlarmKind.COMPOSITE:
        return "composite alarm"
    if alarm.kind is AlarmKind.LOG_ERROR:
        return "error lines forwarded from a log group"
    if alarm.kind is AlarmKind.CHECK:
        every = fmt.duration(alarm.period) if alarm.period else "each run"
        runs = alarm.evaluation_periods or 1
        return f"scheduled check, every {every}; fails after {runs} failed run" + ("s" if runs > 1 else "")
    primary = alarm.primary
    if primary is None:
        return ""  # no trigger in the payload: say nothing rather than a placeholder
    label = label_of(primary)
    op = fmt.COMPARISONS.get(alarm.comparison or "", "")
    if alarm.kind is AlarmKind.ANOMALY:
        band = next((q.expression for q in alarm.queries if q.id == alarm.threshold_metric_id), None)
        test = f"{label} {op or 'outside the band'} {band or 'of the anomaly model'}"
    elif alarm.threshold is not None:
        test = f"{label} {op or 'vs'} {fmt.exact(alarm.threshold)}".replace("  ", " ")
    else:
        test = label
    if alarm.evaluation_periods:
        test += f" for {alarm.datapoints_to_alarm or alarm.evaluation_periods} of {alarm.evaluation_periods}"
    if alarm.period:
        test += f" × {fmt.duration(alarm.period)}"
    if alarm.treat_missing_data and alarm.treat_missing_data != "missing":
        test += f" · missing data: {alarm.treat_missing_data}"
    return test


def _reads(alarm: Alarm) -> list[str]:
    """What the alarm reads: the expression and its inputs (metric math), or the one metric's identity."""
    primary = alarm.primary
    if primary is None or alarm.kind in (AlarmKind.COMPOSITE, AlarmKind.CHECK, AlarmKind.LOG_ERROR):
        return []
    if primary.expression and alarm.kind is AlarmKind.METRIC_MATH:
        lines = [f"*Expression* `{safe(one_line(primary.expression), 300)}`"]
        inputs = [q for q in alarm.queries if q is not primary]
        for query in inputs[:MAX_INPUTS]:
            lines.append(f"• `{safe(query.id, 60)}` {safe(_query_text(query), 400)}")
        if len(inputs) > MAX_INPUTS:
            lines.append(f"• … and {len(inputs) - MAX_INPUTS} more")
        return lines
    if primary.metric is None:
        return []
    return [safe(_query_text(primary), 500)]


def _query_text(query: MetricQuery) -> str:
    if query.expression:
        return f"= {one_line(query.expression)}" + (f" ({query.label})" if query.label else "")
    if query.metric is None:
        return query.label or ""
    metric = query.metric
    text = f"{metric.namespace} {metric.name}" + (f" ({query.stat})" if query.stat else "")
    dims = ", ".join(f"{key}={value}" for key, value in metric.dimensions)
    return f"{text} · {dims}" if dims else text


def where(alarm: Alarm) -> str:
    """ "Account 123456789012 · eu-west-1 · 2026-11-20 14:03:11 UTC", leaving out what is unknown."""
    if alarm.time_known:
        moment = fmt.timestamp(alarm.changed_at.astimezone(UTC))
    elif alarm.time_given:
        moment = f"time as given: {safe(alarm.time_given, 60)}"
    else:
        moment = "time unknown"
    parts = [f"Account {safe(alarm.account, 20)}"] if alarm.account else []
    parts.append(safe(alarm.region, 30) if alarm.region else "region unknown")
    parts.append(moment)
    return " · ".join(parts)
