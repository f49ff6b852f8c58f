"""An error kind's announcement as an ``Alarm`` value of kind *log error*, so it takes the alarm path: one
message per kind (a new incident), edited with the new count and noted in its thread when it repeats,
grouped in storms, acknowledged and silenced with the same buttons.

The card's enrichment comes from tags: the log group (``lookout:log-groups``) with the forwarder's filter
pattern (``lookout:log-filter``) gives the newest error lines around it and the Logs Insights link; a Lambda
function's group (``/aws/lambda/<name>``) names its X-Ray node (``lookout:xray-service``).

Not for: deciding when to announce (``bot.logerrors.ledger``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot import table_keys
from bot.alarms import Alarm, AlarmKind, AlarmState

if TYPE_CHECKING:
    from bot.logerrors.ledger import Decision, Held
    from bot.regions import Where

LAMBDA_GROUP = "/aws/lambda/"
STORM_TAG = "lookout:storm"
"""``alone``: a log-error card never grouped into a storm (``bot.lifecycle.tracker`` reads it on log errors)."""


def as_alarm(decision: Decision, *, where: Where, filter_pattern: str, now: datetime) -> Alarm:
    kind, tally = decision.kind, decision.tally
    new = decision.why == "new"
    changed = first_seen = datetime.fromtimestamp(tally.first_ms / 1000, UTC)
    if new and tally.first_ms != kind.first_ms:
        # Another delivery counted this kind first and its card is not marked delivered yet (two streams at
        # once): a card keyed by the first sighting would be that one's duplicate, and this count lost.
        # Keyed by this batch's newest line instead: a retry of this delivery keeps its key.
        changed = datetime.fromtimestamp(max(kind.last_ms, tally.first_ms + 1) / 1000, UTC)
    short = kind.group.removeprefix(LAMBDA_GROUP).rsplit("/", 1)[-1] or kind.group
    last = datetime.fromtimestamp(tally.last_ms / 1000, UTC)
    seen = f"*Seen:* {tally.count} time" + ("s" if tally.count != 1 else "")
    seen += f" since {first_seen:%Y-%m-%d %H:%M:%S} UTC, last at {last:%H:%M:%S}"
    evidence = [f"*Log group:* {kind.group}", f"*Stream:* {kind.stream}", seen]
    if kind.request_id:
        evidence.append(f"*Request id:* {kind.request_id}")
    tags = {"lookout:log-groups": kind.group, "lookout:log-filter": filter_pattern}
    if kind.group.startswith(LAMBDA_GROUP):
        tags["lookout:xray-service"] = kind.group.removeprefix(LAMBDA_GROUP)
    return Alarm(
        name=f"{short}: {kind.fingerprint[:100]}",
        arn=f"arn:{where.partition}:lookout:{where.region}:{where.account}:log-error/{table_keys.log_kind_digest(kind.key)}",
        kind=AlarmKind.LOG_ERROR,
        state=AlarmState.ALARM,
        previous_state=AlarmState.OK if new else AlarmState.ALARM,
        reason=kind.sample,
        changed_at=changed if new else now,
        account=where.account,
        region=where.region,
        partition=where.partition,
        tags=tuple(tags.items()),
        evidence=tuple(evidence),
    )


def held_back(group: str, held: Held, *, share: int, where: Where, now: datetime) -> Alarm:
    """One card per log group and minute for the new kinds beyond its minute's ``share``: how many, each by name
    (the first ``LISTED``; how many more are not), and the group's Logs Insights link; each kind is announced on
    its own when it comes again. Every delivery holding kinds rebuilds it from the whole minute (``held``): a
    larger count is a newer change of the same card (it is edited), the same count the same change (posted
    once). It is never grouped into a storm: a storm entry would show its title, not the names."""
    short = group.removeprefix(LAMBDA_GROUP).rsplit("/", 1)[-1] or group
    minute = now.replace(second=0, microsecond=0)
    digest = hashlib.sha256(f"{group}\n{minute:%Y-%m-%dT%H:%M}".encode()).hexdigest()[:24]
    names = list(held.names)
    unlisted = held.count - len(names)
    more = [f"… and {unlisted} more not listed (the Logs Insights link finds them)"] if unlisted > 0 else []
    tags = {"lookout:log-groups": group, STORM_TAG: "alone"}
    plural = "" if held.count == 1 else "s"
    return Alarm(
        name=f"{short}: {held.count} more new error kind{plural} this minute",
        arn=f"arn:{where.partition}:lookout:{where.region}:{where.account}:log-error/held-{digest}",
        kind=AlarmKind.LOG_ERROR,
        state=AlarmState.ALARM,
        previous_state=AlarmState.OK,
        reason=(
            f"{held.lines} lines of {held.count} new kind{plural} beyond the {share} a minute shows singly: "
            "counted, and each announced on its own when it comes again"
        ),
        changed_at=minute + timedelta(milliseconds=min(held.count, 59_999)),
        account=where.account,
        region=where.region,
        partition=where.partition,
        tags=tuple(tags.items()),
        evidence=(f"*Log group:* {group}", *names, *more),
    )
