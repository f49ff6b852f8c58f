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
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.alarms import Alarm, AlarmKind, AlarmState

if TYPE_CHECKING:
    from bot.logerrors.kinds import Kind
    from bot.logerrors.ledger import Decision

LAMBDA_GROUP = "/aws/lambda/"


def as_alarm(
    decision: Decision, *, region: str, account: str, partition: str, filter_pattern: str, now: datetime
) -> Alarm:
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
        arn=f"arn:{partition}:lookout:{region}:{account}:log-error/{kind.key.removeprefix('logerr#')}",
        kind=AlarmKind.LOG_ERROR,
        state=AlarmState.ALARM,
        previous_state=AlarmState.OK if new else AlarmState.ALARM,
        reason=kind.sample,
        changed_at=changed if new else now,
        account=account,
        region=region,
        partition=partition,
        tags=tuple(tags.items()),
        evidence=tuple(evidence),
    )


def held_back(kinds: list[Kind], *, region: str, account: str, partition: str, now: datetime) -> Alarm:
    """One card for the new kinds a log group showed beyond its minute's share: how many, with a few samples
    (redacted), and the group's Logs Insights link; each kind is announced on its own when it comes again."""
    group = kinds[0].group
    short = group.removeprefix(LAMBDA_GROUP).rsplit("/", 1)[-1] or group
    minute = now.replace(second=0, microsecond=0)
    digest = hashlib.sha256(f"{group}\n{minute:%Y-%m-%dT%H:%M}".encode()).hexdigest()[:24]
    samples = [k.fingerprint[:150] for k in kinds[:5]]
    tags = {"lookout:log-groups": group}
    return Alarm(
        name=f"{short}: {len(kinds)} more new error kinds this minute",
        arn=f"arn:{partition}:lookout:{region}:{account}:log-error/held-{digest}",
        kind=AlarmKind.LOG_ERROR,
        state=AlarmState.ALARM,
        previous_state=AlarmState.OK,
        reason=f"{sum(k.count for k in kinds)} lines of {len(kinds)} new kinds: more than a minute shows singly",
        changed_at=minute,
        account=account,
        region=region,
        partition=partition,
        tags=tuple(tags.items()),
        evidence=(f"*Log group:* {group}", *samples),
    )
