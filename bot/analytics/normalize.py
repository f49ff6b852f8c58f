"""DynamoDB stream records read (``read_change``), and the typed rows of a configured mapping
(``analytics.configuration``): a change event per record (insert, modify, remove, TTL delete) and the item's
current state for the snapshot, both partitioned by day. The generic long form every table gets is
``bot.analytics.long_form``'s.

Attribute values are read with boto3's ``TypeDeserializer`` (every DynamoDB type: S, N, B, SS, NS, BS, L, M,
BOOL, NULL); columns are cast to their Glue type (a number for a timestamp is epoch seconds, milliseconds or
microseconds, told apart by size); a list or set attribute named by ``explode`` gives one row per element, as
field mappings are: a map element by the exploded columns' paths, a scalar element (a list of strings, a
string set) as the value of the first exploded column. ``ApproximateCreationDateTime`` is epoch seconds
(DynamoDB Streams), milliseconds (Kinesis Data Streams for DynamoDB) or absent (the Lambda console's and
guide's sample events): then the moment the batch was received stands in. A record that cannot be read (no
keys, a value of the wrong type for its column, an element with none of the exploded columns) raises
``Malformed`` with the reason: the caller reports it, and the records around it go on.

Not for: writing to S3 or answering Lambda (``handlers/normalize.py`` and ``bot.analytics.sink``).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from boto3.dynamodb.types import Binary, TypeDeserializer

from bot.coerce import mapping as fields
from bot.coerce import moment as iso_moment

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    from bot.analytics.mapping import Column, Mapping
    from bot.analytics.sink import Row

_DESERIALIZER = TypeDeserializer()
TTL_PRINCIPAL = "dynamodb.amazonaws.com"
"""Who deletes an item whose TTL expired (``userIdentity`` of the REMOVE record)."""
BACKFILL_SOURCE = "lookout:backfill"
"""``eventSource`` of the INSERT-shaped records ``bot.analytics.backfill`` makes from a table scan."""

StreamRecord = dict[str, object]
"""A DynamoDB stream record as Lambda delivers it: JSON, binary attribute values as base64 text."""
Item = dict[str, object]
"""An item's attributes, deserialized: ``str``, ``Decimal``, ``bool``, ``None``, ``Binary``, sets, lists, maps."""


@dataclass
class Normalized:
    events: list[Row] = field(default_factory=list)
    """Rows of ``<name>_events``: op, at, item_key, sequence, and the mapped columns (old image for removes)."""
    snapshot: list[Row] = field(default_factory=list)
    """Rows of ``<name>_snapshot``: the item's state after the change; a removed item is ``deleted = true``."""
    malformed: list[tuple[str, str]] = field(default_factory=list)
    """(sequence number — or the keys, for a backfilled item — and why) of records that were skipped."""


class Malformed(ValueError):
    pass


def normalize(records: list[StreamRecord], mapping: Mapping, received: datetime | None = None) -> Normalized:
    """Every record's rows; the records that cannot be read in ``malformed``, the others unaffected."""
    out = Normalized()
    for record in records:
        try:
            events, snapshot = normalize_record(record, mapping, received)
        except Malformed as why:
            out.malformed.append((record_label(record), str(why)))
            continue
        out.events.extend(events)
        out.snapshot.extend(snapshot)
    return out


def record_label(record: StreamRecord) -> str:
    """A record's sequence number, or its keys (a backfilled item has no sequence number)."""
    found = record.get("dynamodb")
    stream = found if isinstance(found, dict) else {}
    sequence = str(stream.get("SequenceNumber") or "")
    return sequence or json.dumps(stream.get("Keys"), default=str, sort_keys=True)


@dataclass(frozen=True)
class Change:
    """One stream record, read: what happened, when, to which item, and the item's images (deserialized)."""

    op: str
    """INSERT, MODIFY, REMOVE, TTL_DELETE (a REMOVE by DynamoDB's TTL) or BACKFILL (an item of a table scan)."""
    at: str
    sequence: str
    keys: Item
    new: Item
    old: Item

    @property
    def removed(self) -> bool:
        return self.op in ("REMOVE", "TTL_DELETE")

    @property
    def image(self) -> Item:
        """The item after the change; the item as it was, for a removal."""
        return self.old if self.removed else self.new

    def base(self, item_key: str) -> Row:
        """The columns every row of this change carries (``day`` is the partition, from ``at``)."""
        return {"op": self.op, "at": self.at, "day": self.at[:10], "item_key": item_key, "sequence": self.sequence}


def read_change(record: StreamRecord, received: datetime | None = None) -> Change:
    """A stream record (Lambda's DynamoDB event shape) as a ``Change``; ``Malformed`` when it cannot be read.
    ``received``: when the batch arrived, the record's time when it has no ``ApproximateCreationDateTime``."""
    stream = record.get("dynamodb")
    if not isinstance(stream, dict) or not isinstance(stream.get("Keys"), dict):
        raise Malformed("no dynamodb.Keys")
    name = str(record.get("eventName") or "")
    if name not in ("INSERT", "MODIFY", "REMOVE"):
        raise Malformed(f"eventName {name!r}")
    principal = fields(record.get("userIdentity")).get("principalId")
    op = "TTL_DELETE" if name == "REMOVE" and principal == TTL_PRINCIPAL else name
    op = "BACKFILL" if record.get("eventSource") == BACKFILL_SOURCE and name == "INSERT" else op
    created = stream.get("ApproximateCreationDateTime")
    try:
        at = _moment(created if created is not None else received or datetime.now(UTC))
    except (ValueError, TypeError, OverflowError, OSError):
        raise Malformed(f"ApproximateCreationDateTime {created!r} is not a time") from None
    return Change(
        op=op,
        at=at,
        sequence=str(stream.get("SequenceNumber") or ""),
        keys=_image(stream["Keys"]),
        new=_image(stream.get("NewImage") or {}),
        old=_image(stream.get("OldImage") or {}),
    )


def normalize_record(
    record: StreamRecord, mapping: Mapping, received: datetime | None = None
) -> tuple[list[Row], list[Row]]:
    """One stream record's event rows and snapshot rows of the mapping's tables; ``Malformed`` when it cannot
    be read. ``received``: when the batch arrived, the time of a record without ``ApproximateCreationDateTime``."""
    return mapped_rows(read_change(record, received), mapping)


def mapped_rows(change: Change, mapping: Mapping) -> tuple[list[Row], list[Row]]:
    """A change's rows of the mapping's events and snapshot tables; ``Malformed`` when the item does not fit."""
    missing = [k for k in mapping.key if k not in change.keys]
    if missing:
        raise Malformed(f"key attribute {', '.join(missing)} missing")
    item_key = json.dumps([plain(change.keys[k]) for k in mapping.key], separators=(",", ":"))
    base = change.base(item_key)
    image = change.image
    rows = [{**base, **row} for row in _rows(image, mapping)] if image else [base]
    snapshot = [{**row, "deleted": change.removed} for row in rows]
    return rows, snapshot


def _rows(image: Item, mapping: Mapping) -> list[Row]:
    row = {c.name: _typed(_path(image, c.path), c) for c in mapping.columns}
    if not mapping.explode_path:
        return [row]
    elements = _path(image, mapping.explode_path)
    if elements is None:
        return [row]  # nothing to explode: the item's own row, exploded columns absent
    where = ".".join(mapping.explode_path)
    if isinstance(elements, set | frozenset):
        elements = plain(elements)  # a set has no order: sorted, as a list
    if not isinstance(elements, list | tuple):
        raise Malformed(f"{where} is not a list")
    rows = []
    for index, element in enumerate(elements):
        if isinstance(element, dict):
            values = {c.name: _typed(_path(element, c.path), c) for c in mapping.explode_columns}
        else:  # a list of strings or a string set: the element is the first exploded column's value
            first = mapping.explode_columns[0]
            values = {c.name: None for c in mapping.explode_columns} | {first.name: _typed(element, first)}
        if all(v is None for v in values.values()):
            paths = ", ".join(".".join(c.path) for c in mapping.explode_columns)
            raise Malformed(f"{where}[{index}] has none of {paths}")
        rows.append({**row, **values})
    return rows or [row]


def _image(raw: object) -> Item:
    if not isinstance(raw, dict):
        return {}
    try:  # each value as an attribute value: the deserializer refuses (TypeError, KeyError) what is not one
        return {
            name: _DESERIALIZER.deserialize(cast("AttributeValueTypeDef", _binary(value)))
            for name, value in raw.items()
        }
    except (TypeError, ValueError, KeyError, binascii.Error) as error:
        raise Malformed(f"unreadable attribute value: {error}") from None


def _binary(value: object) -> object:
    """Lambda's stream JSON carries B and BS as base64 text (the SDKs decode it; the deserializer does not)."""
    if not isinstance(value, dict) or len(value) != 1:
        return value
    ((kind, inner),) = value.items()
    if kind == "B" and isinstance(inner, str):
        return {"B": base64.b64decode(inner, validate=True)}
    if kind == "BS" and isinstance(inner, list):
        return {"BS": [base64.b64decode(v, validate=True) for v in inner]}
    if kind == "L" and isinstance(inner, list):
        return {"L": [_binary(v) for v in inner]}
    if kind == "M" and isinstance(inner, dict):
        return {"M": {k: _binary(v) for k, v in inner.items()}}
    return value


def _path(value: object, path: tuple[str, ...]) -> object:
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _typed(value: object, column: Column) -> object:
    """``value`` as the column's Glue type; None stays None; a value that cannot be one is malformed."""
    if value is None:
        return None
    try:
        if column.type == "string":
            text = plain(value)  # binary as base64 text; lists, maps and sets as JSON
            return text if isinstance(text, str) else json.dumps(text, sort_keys=True)
        if column.type == "bigint":
            number = Decimal(str(value)) if not isinstance(value, bool) else None
            if number is None or number != number.to_integral_value():
                raise ValueError
            return int(number)
        if column.type == "double":
            if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
                raise ValueError  # a set, list, map or binary: float() takes none of them either
            return float(value)
        if column.type == "boolean":
            if not isinstance(value, bool):
                raise ValueError
            return value
        return _moment(value)  # timestamp: epoch seconds or an ISO-8601 string
    except (ValueError, TypeError, ArithmeticError, OSError):
        raise Malformed(f"{column.name}: {value!r} is not a {column.type}") from None


def _moment(value: object) -> str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(_epoch_seconds(value), tz=UTC)
    elif isinstance(value, str) and (read := iso_moment(value)) is not None:
        moment = read
    else:
        raise ValueError(f"{value!r} is not a time")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _epoch_seconds(value: int | float | Decimal) -> float:
    """Epoch seconds from seconds, milliseconds or microseconds: 1e11 s is the year 5138, 1e14 ms the year 5138."""
    number = float(value)
    return number / 1_000_000 if abs(number) >= 1e14 else number / 1000 if abs(number) >= 1e11 else number


def _order(value: object) -> tuple[int, float, str]:
    return (0, float(value), "") if isinstance(value, int | float) else (1, 0.0, str(value))


def plain(value: object) -> object:
    """A deserialized DynamoDB value as JSON-ready Python (Decimal → int/float, sets → sorted lists)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Binary):
        return base64.b64encode(getattr(value, "value", b"")).decode()  # the stubs hide Binary.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=_order)  # a set has no order: give it a stable one
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
