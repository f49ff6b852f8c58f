"""The app's own configuration changes, as the change ledger keeps them: each stream record of the configuration
table that changed a tenant's settings is one ``bot.changes.Change`` — "orders-config (acme) settings changed
(plan basic → pro)" — filed under the table (``dynamodb:<table>``, the name X-Ray's node and the alarm's
dimension give it) and the account's feed, so the card of an alarm whose service reads that table lists it among
what changed before the alarm (issue #31: "a tenant's mapping edited counts as a change too").

What changed is the normalizer's own reading (``bot.analytics.long_form``: the settings whose values differ, old
→ new); a table scan (backfill) or a record that changed no setting is no change. A stream record names no
person (only DynamoDB's TTL deletes carry an identity): ``who`` is empty. Values are redacted when the ledger
files them, as every change's are.

Not for: filing (``bot.changes.ledger``) or the rows for Athena (``bot.analytics.stream``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import coerce
from bot.analytics.long_form import long_form_rows
from bot.analytics.normalize import Malformed, read_change
from bot.changes import resources
from bot.changes.model import Change, Diff

if TYPE_CHECKING:
    from bot.analytics.mapping import SettingsForm
    from bot.analytics.normalize import StreamRecord

DIFFS = 6
"""Settings a change names at most (the rest are counted in its last diff)."""
ACTIONS = {"INSERT": "SettingsAdded", "MODIFY": "SettingsChanged", "REMOVE": "SettingsRemoved"}


def config_changes(records: list[StreamRecord], form: SettingsForm, *, account: str) -> list[Change]:
    """The changes ``records`` (a DynamoDB stream batch of the configuration table) made to tenants' settings;
    records the normalizer cannot read are its business (it reports them), not changes."""
    changes = []
    for record in records:
        try:
            change = _change(record, form, account)
        except Malformed:
            continue
        if change is not None:
            changes.append(change)
    return changes


def _change(record: StreamRecord, form: SettingsForm, account: str) -> Change | None:
    read = read_change(record)
    action = ACTIONS.get("REMOVE" if read.removed else read.op)
    if action is None:  # a backfill's scan: no change happened
        return None
    events, _ = long_form_rows(read, form)
    differing = [e for e in events if e.get("setting") is not None]
    if not differing and read.op == "MODIFY":
        return None  # a write that changed no setting (a key or an unselected attribute)
    table, region = _table(str(record.get("eventSourceARN") or ""))
    if not table:
        raise Malformed("no table in eventSourceARN")
    tenant = str(differing[0]["tenant"] if differing else events[0].get("tenant") or "")
    diffs = [Diff(str(e["setting"]), _text(e.get("value")), _text(e.get("previous"))) for e in differing[:DIFFS]]
    if len(differing) > DIFFS:
        diffs.append(Diff(f"and {len(differing) - DIFFS} more settings", None))
    moment = coerce.moment(read.at)
    if moment is None:
        raise Malformed(f"no time in {read.at!r}")
    return Change(
        id=f"{table}:{read.sequence or record.get('eventID')}",
        at=moment,
        service="dynamodb",
        action=action,
        resource=f"{table} ({tenant})" if tenant else table,
        resources=resources.with_account((resources.key(resources.DYNAMODB, table),), account),
        diffs=tuple(diffs),
        via="dynamodb.amazonaws.com" if read.op == "TTL_DELETE" else "",
        region=region,
        account=account,
    )


def _table(stream_arn: str) -> tuple[str, str]:
    """``arn:aws:dynamodb:eu-west-1:1:table/orders-config/stream/2024-…`` → (``orders-config``, ``eu-west-1``)."""
    parts = stream_arn.split(":", 5)
    if len(parts) < 6 or not parts[5].startswith("table/"):
        return "", ""
    return parts[5].split("/")[1], parts[3]


def _text(value: object) -> str | None:
    return None if value is None else str(value)
