"""Total conversions for untrusted event fields: a wrong type becomes an empty value, never an exception."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import overload


def moment(raw: object) -> datetime | None:
    """An ISO-8601 time — ``Z``, ``+00:00`` or CloudWatch's ``+0000``, a space for the ``T``: Python 3.11's
    ``datetime.fromisoformat`` reads them all; naive times are UTC. The one ISO reader of ``bot/``."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def text(raw: object) -> str:
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else json.dumps(raw) if isinstance(raw, dict | list) else str(raw)


def number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def whole(raw: object) -> int | None:
    value = number(raw)
    return int(value) if value is not None else None


def mapping(raw: object) -> Mapping[str, object]:
    return raw if isinstance(raw, Mapping) else {}


def items(raw: object) -> list[object]:
    return raw if isinstance(raw, list) else []


def dump(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return json.dumps(raw, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(raw)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


@overload
def printable(raw: str) -> str: ...
@overload
def printable(raw: Mapping[str, object]) -> dict[str, object]: ...
@overload
def printable(raw: object) -> object: ...
def printable(raw: object) -> object:
    """``raw`` with every lone UTF-16 surrogate (``"\\ud800"`` in JSON, which no UTF-8 text can carry) replaced
    by U+FFFD, in strings, keys and nested values: such a name could never be posted, hashed or logged."""
    if isinstance(raw, str):
        return _SURROGATE.sub("\ufffd", raw) if _SURROGATE.search(raw) else raw
    if isinstance(raw, Mapping):
        return {printable(k): printable(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [printable(v) for v in raw]
    return raw
