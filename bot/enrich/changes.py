"""What changed before the alarm: the enrichment source behind the card's "Changed before this" and the change its
first line names. It asks ``bot.changes.finder`` about the alarmed resource (its metrics' dimensions), its X-Ray
neighbours (the service graph's rows: it waits for the X-Ray source, within its own deadline, and asks without
them when the graph is late) and the account's feed (stacks, parameters, AppConfig), for the hour before the state
change — the change ledger first, CloudTrail's LookupEvents for what the ledger does not cover.

Not for: reading or filing changes (``bot.changes``) or drawing the section (``bot.slack.blocks.changes``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot import aws
from bot.alarms import breaching
from bot.changes import resources
from bot.changes.finder import ChangeFinder
from bot.changes.ledger import ChangeLedger
from bot.changes.lookup import CloudTrailLookup
from bot.delivery import Deadline
from bot.enrich.evidence import RecentChange

if TYPE_CHECKING:
    from datetime import datetime

    from bot.alarms import Alarm
    from bot.changes.model import Changes
    from bot.enrich.context import Context
    from bot.enrich.model import Enrichment, MetricReport

RECENT_MINUTES = 15
"""A change this close before the first breach is the likely cause: the card's first line names it."""
READ_RESERVE_S = 0.5
"""Of the source's deadline, what is kept for the ledger's read when the X-Ray graph is late."""


def changes_report(ctx: Context) -> Changes:
    """The changes to the alarmed resource, its X-Ray neighbours and the account in the hour before the alarm's
    state change, newest first (``Changes`` says the window searched and whatever it could not search)."""
    alarm, settings = ctx.alarm, ctx.settings
    stop_at = ctx.stop_at(settings.changes_deadline_s)
    wanted = resources.of_metrics(alarm.metrics)
    try:  # the X-Ray source tells the graph's rows before it reads the trace summaries
        rows = ctx.neighbours.result(timeout=max(0.0, stop_at - READ_RESERVE_S - time.monotonic()))
        wanted += resources.of_nodes({"Name": row.name, "Type": row.type} for row in rows)
    except Exception:  # noqa: BLE001 - no graph in time: the alarmed resource's changes still count
        pass
    if alarm.account:
        wanted.append(resources.account(alarm.account))
    table = settings.incidents_table if settings.change_ledger else None
    finder = ChangeFinder(
        ChangeLedger(ctx.clients("dynamodb", settings.region), table) if table else None,  # the stack's table
        CloudTrailLookup(aws.lazy(lambda: ctx.client("cloudtrail"))),  # built only when the ledger falls short
    )
    return finder.before(wanted, alarm.changed_at, deadline=Deadline(lambda: stop_at - time.monotonic()))


def recent_change(alarm: Alarm, enrichment: Enrichment) -> RecentChange | None:
    """The newest change at most ``RECENT_MINUTES`` before the first breaching datapoint (or after it, before
    the state change), as the card's first line names it; None when there is none that close."""
    found = enrichment.changes.value if enrichment.changes is not None else None
    if found is None or not found.items:
        return None
    breach = first_breach(alarm, enrichment.metric.value)
    change = found.items[0]  # newest first, all before the state change
    minutes = (breach - change.at).total_seconds() / 60
    if minutes > RECENT_MINUTES:
        return None
    return RecentChange(resource=change.resource, what=change.what, who=change.principal, minutes_before=minutes)


def first_breach(alarm: Alarm, metric: MetricReport | None) -> datetime:
    """When the breach began: the first of the datapoints that breach the threshold without a break up to the
    latest that does (the metric as the enrichment read it), else the state change."""
    breaches = breaching(metric.comparison) if metric is not None else None
    if metric is None or breaches is None or metric.threshold is None:
        return alarm.changed_at
    threshold, start = metric.threshold, None
    for at, value in reversed(list(zip(metric.timestamps, metric.values, strict=True))):
        if value is None:
            continue
        if breaches(value, threshold):
            start = at
        elif start is not None:
            break
    return min(start, alarm.changed_at) if start is not None else alarm.changed_at
