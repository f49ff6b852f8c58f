"""A check's transition as an ``Alarm`` value, so that it takes the alarm path unchanged: one message per
incident, updated and resolved, threaded, grouped in storms, routed by tags, acknowledged and silenced.

The ARN names the check in Lookout's own namespace (``arn:aws:lookout:<region>:<account>:check/<name>``); the
state-change key is the check, the new state and the run's time. The card's metric is the check's own EMF
metric (``Lookout`` / ``CheckSuccess``, dimensions ``Check`` and ``service``), so its sparkline shows the
check's recent history; the evidence lines come from the run. An X-Ray check names its node with the
``lookout:xray-service`` tag, so the card carries the node's X-Ray table, as an alarm's would.

Not for: rendering (``bot.slack.blocks``) or deciding transitions (``bot.checks.state``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import table_keys
from bot.alarms import Alarm, AlarmKind, AlarmState, MetricQuery, MetricRef
from bot.checks.config import XRayProbe

if TYPE_CHECKING:
    from bot.checks.config import Check
    from bot.checks.model import Result
    from bot.checks.state import Standing, Transition

NAMESPACE = "Lookout"
SUCCESS_METRIC = "CheckSuccess"
LATENCY_METRIC = "CheckLatency"


def check_key(check: Check, region: str) -> str:
    """The check's standing in ``region`` (``bot.checks.state``)."""
    return table_keys.check(region, check.name)


def incident_name(check: Check, region: str) -> str:
    """The check's name, with the region where the check runs from more than one."""
    return f"{check.name} ({region})" if len(check.regions) > 1 else check.name


def as_alarm(
    check: Check,
    result: Result,
    transition: Transition,
    standing: Standing,
    *,
    region: str,
    account: str,
    partition: str = "aws",
    service: str = "lookout",
) -> Alarm:
    failing = transition == "failing"
    name = incident_name(check, region)
    runs = "its run" if standing.failures == 1 else f"{standing.failures} runs in a row"
    reason = f"{result.summary} — failed {runs}" if failing else f"{result.summary} — passing again"
    tags = dict(check.tags)
    if isinstance(check.probe, XRayProbe):
        tags.setdefault("lookout:xray-service", check.probe.service)
    return Alarm(
        name=name,
        arn=f"arn:{partition}:lookout:{region}:{account}:check/{check.name}",
        kind=AlarmKind.CHECK,
        state=AlarmState.ALARM if failing else AlarmState.OK,
        previous_state=AlarmState.OK if failing else AlarmState.ALARM,
        reason=reason,
        changed_at=result.at,
        account=account,
        region=region,
        partition=partition,
        description=check.description,
        period=check.every_min * 60,
        evaluation_periods=check.fail_after,
        queries=(
            MetricQuery(
                id="m1",
                metric=MetricRef(NAMESPACE, SUCCESS_METRIC, (("Check", name), ("service", service))),
                stat="Minimum",
                period=60,
            ),
        ),
        tags=tuple(tags.items()),
        evidence=result.evidence,
    )
