"""A result column as Athena reports it: its type in ``ColumnInfo`` (``array``, ``map``, ``row``, ``decimal`` with
its precision and scale, ``timestamp with time zone``, the names PyAthena's converters key on) and each value as
``GetQueryResults`` prints it — Trino's Java objects' text: a double as ``Double.toString`` (``1.0E7``,
``Infinity``, ``NaN``), a real as ``Float.toString``, a decimal with all its scale (``0.0000000000``), an array
``[a, b]``, a row ``{name=value}`` (``{field0=…}`` unnamed), a map ``{k=v}`` in ``java.util.HashMap`` order
(Trino's ``MapType.getObjectValue`` builds one), varbinary as spaced hex bytes.

Not for: running the query (``local.athena.sql``).
"""

from __future__ import annotations

import re
import struct
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from local.athena.dialect import AthenaError

_SCALARS = (
    ("VARCHAR", "varchar"),
    ("UBIGINT", "bigint"),  # DuckDB's json_array_length, cardinality …: Trino's bigint
    ("UINTEGER", "bigint"),
    ("USMALLINT", "integer"),
    ("UTINYINT", "smallint"),
    ("BIGINT", "bigint"),
    ("HUGEINT", "bigint"),
    ("INTEGER", "integer"),
    ("SMALLINT", "smallint"),
    ("TINYINT", "tinyint"),
    ("DOUBLE", "double"),
    ("FLOAT", "real"),
    ("DECIMAL", "decimal"),
    ("BOOLEAN", "boolean"),
    ("TIMESTAMP WITH TIME ZONE", "timestamp with time zone"),
    ("TIMESTAMP", "timestamp"),
    ("TIME WITH TIME ZONE", "time with time zone"),
    ("TIME", "time"),
    ("DATE", "date"),
    ("STRUCT", "row"),
    ("TUPLE", "row"),
    ("MAP", "map"),
    ("JSON", "json"),
    ("BLOB", "varbinary"),
    ("UUID", "uuid"),
    ('"NULL"', "unknown"),
)


def athena_type(duckdb_type: str) -> str:
    """DuckDB's type of a result column → the ``Type`` Athena's ``ColumnInfo`` gives it."""
    kind = duckdb_type.upper().strip()
    if re.search(r"\[\d*\]$", kind):
        return "array"
    if kind.startswith("INTERVAL"):
        raise AthenaError(
            "NOT_SUPPORTED: an interval result column (Athena prints interval day to second and year to month "
            "values; the stand-in does not): CAST it or use date_diff"
        )
    for prefix, athena in _SCALARS:
        if kind.startswith(prefix):
            return athena
    return "varchar"


def precision_and_scale(duckdb_type: str) -> tuple[int, int]:
    """``ColumnInfo``'s Precision and Scale: a decimal's own, 0 and 0 otherwise."""
    found = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", duckdb_type.upper().strip())
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def cell(value: Any, kind: Any = None) -> str | None:
    """A value as ``GetQueryResults`` prints it; ``kind`` is DuckDB's type of its column (a ``DuckDBPyType``:
    it tells a map from a row, both dicts in Python, and a real from a double)."""
    return None if value is None else _text(value, kind)


def _text(value: Any, kind: Any) -> str:
    of = _id(kind)
    children = _children(kind)
    if of in ("list", "array") and isinstance(value, list | tuple):
        element = children[0][1] if children else None
        return "[" + ", ".join(_nested(v, element) for v in value) + "]"
    if of == "map" and isinstance(value, dict):
        key_kind, value_kind = (children[0][1], children[1][1]) if len(children) == 2 else (None, None)
        pairs = hashmap_order(list(value.items()))
        return "{" + ", ".join(f"{_nested(k, key_kind)}={_nested(v, value_kind)}" for k, v in pairs) + "}"
    if isinstance(value, dict):  # a row: its fields in order
        kinds = dict(children)
        return "{" + ", ".join(f"{k}={_nested(v, kinds.get(k))}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):  # an unnamed row: Athena names its fields field0, field1, …
        kinds_in_order = [c for _, c in children] if len(children) == len(value) else [None] * len(value)
        return (
            "{"
            + ", ".join(
                f"field{i}={_nested(v, k)}" for i, (v, k) in enumerate(zip(value, kinds_in_order, strict=True))
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(_nested(v, None) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_float(value) if of == "float" else java_double(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
        return f"{text} UTC" if value.tzinfo is not None else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, bytes | bytearray | memoryview):
        return " ".join(f"{b:02x}" for b in bytes(value))
    return str(value)


def _nested(value: Any, kind: Any) -> str:
    return "null" if value is None else _text(value, kind)


def _id(kind: Any) -> str:
    return str(getattr(kind, "id", "") or "")


def _children(kind: Any) -> list[tuple[str, Any]]:
    if _id(kind) not in ("list", "array", "map", "struct", "tuple"):
        return []
    return list(kind.children)


def hashmap_order(pairs: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """``pairs`` in the order a ``java.util.HashMap`` filled with them in order iterates: by bucket
    (``hash ^ hash >>> 16`` masked by the table's size, 16 doubled while more than 3/4 full), then by insertion."""
    capacity = 16
    while len(pairs) > capacity * 3 // 4:
        capacity *= 2

    def bucket(key: Any) -> int:
        h = _java_hash(key)
        return (h ^ (h >> 16)) & (capacity - 1)

    return [pair for _, pair in sorted(enumerate(pairs), key=lambda item: (bucket(item[1][0]), item[0]))]


def _java_hash(key: Any) -> int:
    """``hashCode()`` of the Java object Trino makes of a map key, as an unsigned 32-bit value."""
    if isinstance(key, bool):
        return 1231 if key else 1237
    if isinstance(key, int):
        if -(2**31) <= key < 2**31:
            return key & 0xFFFFFFFF
        return (key ^ (key >> 32)) & 0xFFFFFFFF
    if isinstance(key, float):
        bits = struct.unpack(">q", struct.pack(">d", key))[0]
        return (bits ^ (bits >> 32)) & 0xFFFFFFFF
    text = str(key)
    h = 0
    for unit in struct.unpack(f"<{len(text.encode('utf-16-le')) // 2}H", text.encode("utf-16-le")):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h


def java_double(value: float) -> str:
    """Java's ``Double.toString``: plain between 10^-3 and 10^7, else ``d.dddE±n``; ``Infinity``, ``NaN``."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return _java_decimal(repr(value), value)


def java_float(value: float) -> str:
    """Java's ``Float.toString`` of a real: the shortest text that reads back as the same 32-bit float."""
    if value != value or value in (float("inf"), float("-inf")):
        return java_double(value)
    single = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            return _java_decimal(text, single)
    return _java_decimal(repr(single), single)


def _java_decimal(shortest: str, value: float) -> str:
    if value == 0:
        return "-0.0" if str(value).startswith("-") else "0.0"
    sign, digits, exponent = Decimal(shortest).as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + exponent  # the decimal point's place after the first digit of `digits`
    minus = "-" if sign else ""
    if 1e-3 <= abs(value) < 1e7:
        if point <= 0:
            return f"{minus}0.{'0' * -point}{text}"
        whole, fraction = text[:point].ljust(point, "0"), text[point:]
        return f"{minus}{whole}.{fraction or '0'}"
    return f"{minus}{text[0]}.{text[1:] or '0'}E{point - 1}"
