"""What the ledger's items hold, as values (no I/O): a ``Change`` as a map of an hour's ``changes`` list and
back (``to_item``, ``from_item``), and a change completed with the settings the ledger last recorded for its
resource (``with_previous``).

Not for: the table itself (``bot.changes.ledger``: filing, the ``change-state#`` update, reading a window).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from typing import TYPE_CHECKING

from bot import coerce
from bot.changes.model import Change, Diff

if TYPE_CHECKING:
    from collections.abc import Mapping

FIELDS = ("id", "service", "action", "resource", "who", "issuer", "via", "region", "account", "link")
"""A change's text fields, kept in an item when not empty."""


def with_previous(change: Change, previous: Mapping[str, str]) -> Change:
    """``change``'s diffs with the old values ``previous`` names (those that differ from the new), and a diff for
    each reported setting that changed since the ledger last recorded it although the event does not say so."""
    if not previous:
        return change
    diffs: list[Diff] = []
    named = {d.name for d in change.diffs}
    for diff in change.diffs:
        old = previous.get(diff.name)
        if diff.old is None and old is not None and diff.new is not None and old != diff.new:
            diff = replace(diff, old=old, from_ledger=True)
        diffs.append(diff)
    for name, new in change.settings:
        old = previous.get(name)
        if name not in named and old is not None and old != new:
            diffs.append(Diff(name, new, old, from_ledger=True))
    return replace(change, diffs=tuple(diffs))


def to_item(change: Change) -> dict[str, object]:
    """``change`` as a map of the ``changes`` list (empty strings and absent old values left out)."""
    item: dict[str, object] = {f: getattr(change, f) for f in FIELDS if getattr(change, f)}
    item["at"] = change.at.astimezone(UTC).isoformat()
    item["resources"] = list(change.resources)
    item["diffs"] = [
        {k: v for k, v in (("name", d.name), ("new", d.new), ("old", d.old)) if v is not None}
        | ({"ledger": True} if d.from_ledger else {})
        for d in change.diffs
    ]
    return item


def from_item(item: Mapping[str, object]) -> Change | None:
    """A map of the ``changes`` list as a ``Change`` (None when it is not one: no id or time)."""
    at = coerce.moment(item.get("at"))
    if at is None or not item.get("id"):
        return None
    diffs = tuple(
        Diff(
            name=coerce.text(d.get("name")),
            new=coerce.text(d["new"]) if "new" in d else None,
            old=coerce.text(d["old"]) if "old" in d else None,
            from_ledger=bool(d.get("ledger")),
        )
        for d in coerce.items(item.get("diffs"))
        if isinstance(d, dict)
    )
    text = {f: coerce.text(item.get(f)) for f in FIELDS}
    return Change(
        id=text["id"],
        at=at.astimezone(UTC),
        service=text["service"],
        action=text["action"],
        resource=text["resource"],
        resources=tuple(coerce.text(r) for r in coerce.items(item.get("resources"))),
        diffs=diffs,
        who=text["who"],
        issuer=text["issuer"],
        via=text["via"],
        region=text["region"],
        account=text["account"],
        link=text["link"],
    )
