"""The generic long form of a configuration table: every setting of every item as a (tenant, setting, value)
row, so "which settings are popular" needs no schema — and the rows of every table the normalizer writes.

A setting is an attribute path flattened: a map's keys join with dots (``notifications.email``), a list's or
a set's elements share the path with ``[]`` (``fields[].fieldId``: one row per element). The value is text —
a string as it is, a number in its shortest decimal form, ``true``/``false``, binary as base64 — and
``value_type`` says which DynamoDB kind it was (``string``, ``number``, ``boolean``, ``binary``, ``null``;
``list`` or ``map`` for an empty one, whose value is ``[]`` or ``{}``). The item's key attributes are not
settings; ``analytics.settings`` may name the attributes that are, and the ones never to count.

``settings_snapshot`` holds each item's settings after each change (one row per setting; one row without a
setting for an item that has none, or that was removed — ``deleted``), so "as it stands" is each item's newest
rows. ``settings_events`` holds what each change changed: a row per setting whose values differ, with the
value before (``previous``) and after (``value``; null once removed), and one row without a setting for a
change that changed none. The tenant is the value of ``analytics.settings.tenant`` or, by default, of the
table's partition key; ``item_key`` is the item's key attributes as a JSON object, names sorted.

Not for: reading stream records (``bot.analytics.normalize``) or writing them (``bot.analytics.stream``).
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from itertools import zip_longest
from typing import TYPE_CHECKING

from boto3.dynamodb.types import Binary

from bot.analytics.mapping import SETTINGS_TABLES
from bot.analytics.normalize import Malformed, mapped_rows, plain, read_change

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from bot.analytics.mapping import Normalization, SettingsForm
    from bot.analytics.normalize import Change, Item, StreamRecord
    from bot.analytics.sink import Row

Setting = tuple[str, str | None, str]
"""(setting path, value as text, value type)."""
Value = tuple[str | None, str]
"""(value as text, value type)."""


def normalized_rows(
    record: StreamRecord, normalization: Normalization, received: datetime | None = None
) -> dict[str, list[Row]]:
    """The rows one stream record gives each table the normalizer writes (the long form's, and the mapping's
    when one is configured); ``Malformed`` when the record cannot be read — then no table gets a row of it."""
    change = read_change(record, received)
    tables = dict(zip(SETTINGS_TABLES, long_form_rows(change, normalization.form), strict=True))
    if normalization.mapping:
        tables |= dict(zip(normalization.mapping.tables, mapped_rows(change, normalization.mapping), strict=True))
    return tables


def long_form_rows(change: Change, form: SettingsForm) -> tuple[list[Row], list[Row]]:
    """A change's rows of ``settings_events`` and ``settings_snapshot``."""
    base = change.base(json.dumps(plain(change.keys), separators=(",", ":"), sort_keys=True, default=str))
    base["tenant"] = _tenant(change, form)
    after = [] if change.removed else settings_of(change.new, form, set(change.keys))
    none = {"setting": None, "value": None, "value_type": None}  # an item without settings, or removed
    snapshot = [
        {**base, "setting": path, "value": value, "value_type": kind, "deleted": False}
        for path, value, kind in after
    ] or [{**base, **none, "deleted": change.removed}]
    if change.op == "BACKFILL":
        return [], snapshot  # a table scan knows no change: the snapshot only
    before = settings_of(change.old, form, set(change.keys))
    events = [
        {**base, "setting": path, "value": value, "previous": previous, "value_type": kind}
        for path, value, previous, kind in _differences(before, after)
    ]
    return events or [{**base, **none, "previous": None}], snapshot


def settings_of(image: Item, form: SettingsForm, key: set[str]) -> list[Setting]:
    """An item's settings, flattened, in path order: every attribute but the key, or those ``form`` selects."""
    found: list[Setting] = []
    for name in sorted(image):
        if name in key and not any(path[0] == name for path in form.attributes):
            continue
        found.extend(s for s, parts in _flatten(image[name], name, (name,)) if form.selects(parts))
    return found


def _flatten(value: object, path: str, parts: tuple[str, ...]) -> Iterator[tuple[Setting, tuple[str, ...]]]:
    """(setting, the path's parts without ``[]``) for every scalar under ``value``."""
    if isinstance(value, dict):
        if not value:
            yield (path, "{}", "map"), parts
        for name in sorted(value):
            yield from _flatten(value[name], f"{path}.{name}", (*parts, name))
    elif isinstance(value, list | set | frozenset):
        elements = sorted(value, key=_set_order) if isinstance(value, set | frozenset) else value  # a set: sorted
        if not elements:
            yield (path, "[]", "list"), parts
        for element in elements:
            yield from _flatten(element, f"{path}[]", parts)
    else:
        yield (path, *_scalar(value)), parts


def _set_order(value: object) -> tuple[int, float, str]:
    """A set has no order: numbers by value, strings and binaries by their text."""
    text = plain(value)
    return (0, float(text), "") if isinstance(text, int | float) else (1, 0.0, str(text))


def _scalar(value: object) -> tuple[str | None, str]:
    if value is None:
        return None, "null"
    if isinstance(value, bool):
        return ("true" if value else "false"), "boolean"
    if isinstance(value, Decimal | int | float):
        number = Decimal(str(value))
        whole = number == number.to_integral_value()
        return (str(int(number)) if whole else format(number.normalize(), "f")), "number"
    if isinstance(value, Binary | bytes):
        return str(plain(value)), "binary"
    return str(value), "string"


def _differences(
    before: list[Setting], after: list[Setting]
) -> Iterator[tuple[str, str | None, str | None, str | None]]:
    """(setting, value, previous, type of the value) for each setting whose values differ: a value that
    changed is one row; values added to or taken from a list pair up in sorted order, the rest stand alone."""
    old: dict[str, Counter[Value]] = {}
    new: dict[str, Counter[Value]] = {}
    for side, settings in ((old, before), (new, after)):
        for path, text, kind in settings:
            side.setdefault(path, Counter())[(text, kind)] += 1
    for path in sorted(old.keys() | new.keys()):
        was, now = old.get(path, Counter()), new.get(path, Counter())
        added = sorted((now - was).elements(), key=_order)
        taken = sorted((was - now).elements(), key=_order)
        for value, previous in zip_longest(added, taken):
            yield path, value and value[0], previous and previous[0], value and value[1]


def _order(value: Value) -> tuple[str, str]:
    return (value[0] or "", value[1])


def _tenant(change: Change, form: SettingsForm) -> str | None:
    attribute = form.tenant_attribute
    if attribute is None:
        if len(change.keys) != 1:
            raise Malformed(
                f"key {', '.join(sorted(change.keys))}: which is the tenant? Set analytics.settings.tenant"
                " (or give the normalizer the table's key schema)"
            )
        attribute = next(iter(change.keys))
    value = change.keys.get(attribute, change.image.get(attribute))
    if isinstance(value, dict | list | set | frozenset):
        return json.dumps(plain(value), sort_keys=True)
    return _scalar(value)[0]
