"""The order of Logs Insights' ``sort``, as the CloudWatch Logs User Guide ("sort") documents it: ascending puts
every non-number value before every number value; non-numbers compare chunk by chunk (runs of digits, runs of
letters, runs of anything else) — two digit runs by length and then value, anything else by Unicode order;
numbers compare by value ("0", "01", "1", "2"). Descending is the exact reverse. Rows without the field go last
either way (the guide does not say; the stand-in's choice).

Not for: evaluating commands (``local.insights.execution``).
"""

from __future__ import annotations

import re
from functools import cmp_to_key
from typing import Any

from local.insights.expr import MalformedQuery

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_CHUNK = re.compile(r"\d+|[^\W\d_]+|[\W_]+")


def sort_rows(rows: list[dict[str, Any]], name: str, descending: bool) -> list[dict[str, Any]]:
    present = [r for r in rows if r.get(name) is not None]
    missing = [r for r in rows if r.get(name) is None]

    def by_field(a: dict[str, Any], b: dict[str, Any]) -> int:
        return compare(a[name], b[name])

    ordered = sorted(present, key=cmp_to_key(by_field), reverse=descending)
    return ordered + missing


def compare(left: Any, right: Any) -> int:
    """-1, 0 or 1: ``left`` before, level with or after ``right`` in ascending order."""
    a, b = _as_number(left), _as_number(right)
    if a is not None and b is not None:
        return _sign(a[0] - b[0]) or _sign_text(a[1], b[1])
    if (a is None) != (b is None):
        return -1 if a is None else 1  # non-numbers first
    for x, y in zip(_CHUNK.findall(str(left)), _CHUNK.findall(str(right)), strict=False):
        if x.isdigit() and y.isdigit() and len(x) != len(y):
            return -1 if len(x) < len(y) else 1
        if x != y:
            return _sign_text(x, y)
    return _sign(len(_CHUNK.findall(str(left))) - len(_CHUNK.findall(str(right))))


def _as_number(value: Any) -> tuple[float, str] | None:
    """A number value: a number, or text that is only a number (not "5A", not "inf")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value), str(value)
        except OverflowError:  # an integer of more than 308 digits
            raise MalformedQuery(f"the number {str(value)[:24]!r} is beyond a double's range") from None
    shown = str(value)
    return (float(shown), shown) if _NUMBER.fullmatch(shown) else None


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def _sign_text(a: str, b: str) -> int:
    return (a > b) - (a < b)
