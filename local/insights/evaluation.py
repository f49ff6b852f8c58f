"""Evaluate a Logs Insights expression over one row: operators, functions (``ispresent`` and the other tests
give 1 or 0, as Insights shows them) and how a value prints. Not for commands (``local.insights.execution``)."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from local.insights.expr import Expr, MalformedQuery, Months
from local.insights.fields import Stamp


def evaluate(expr: Expr, row: dict[str, Any]) -> Any:
    kind = expr.kind
    if kind == "field":
        return row.get(expr.value)
    if kind in ("literal", "regex"):
        return expr.value
    if kind == "list":
        return [evaluate(a, row) for a in expr.args]
    if kind == "unary":
        return not truthy(evaluate(expr.args[0], row))
    if kind == "call":
        return _call(expr, row)
    op = expr.value
    if op == "and":
        return truthy(evaluate(expr.args[0], row)) and truthy(evaluate(expr.args[1], row))
    if op == "or":
        return truthy(evaluate(expr.args[0], row)) or truthy(evaluate(expr.args[1], row))
    left, right = evaluate(expr.args[0], row), evaluate(expr.args[1], row)
    if op in ("like", "=~"):
        if left is None:
            return False
        if isinstance(right, re.Pattern):
            return right.search(str(left)) is not None
        return str(right) in str(left)
    if op == "in":
        return left is not None and any(_equal(left, item) for item in (right or []))
    if op in ("+", "-", "*", "/", "%", "^"):
        return arithmetic(op, left, right)
    if left is None or right is None:
        return False
    if op == "=":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    a, b = number(left), number(right)
    pair: tuple[Any, Any] = (a, b) if a is not None and b is not None else (str(left), str(right))
    return {"<": pair[0] < pair[1], "<=": pair[0] <= pair[1], ">": pair[0] > pair[1], ">=": pair[0] >= pair[1]}[op]


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """``left op right`` as numbers (only the operator asked for: ``a - 0`` is no division); None when a side
    is not a number or ``/`` and ``%`` divide by zero."""
    a, b = number(left), number(right)
    if a is None or b is None or (op in ("/", "%") and b == 0):
        return None
    result: Any
    try:
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            result = a / b
        else:
            result = math.fmod(a, b) if op == "%" else a**b
    except (OverflowError, ZeroDivisionError):  # 10 ^ 400, 0 ^ -1
        result = math.inf
    if not isinstance(result, float) or not math.isfinite(result):
        # Python gives a complex number for (-8) ^ (1/3) and infinity for an overflow; the guide does not say
        # what Insights shows for either, so the query fails rather than print a guess.
        raise MalformedQuery(f"{a:g} {op} {b:g} is not a finite real number")
    return result


def _call(expr: Expr, row: dict[str, Any]) -> Any:
    function, args = expr.value, [evaluate(a, row) for a in expr.args]
    if function == "bin":
        stamp = row.get("@timestamp")
        if args and isinstance(args[0], Months) and stamp is not None:
            return _month_floor(int(stamp), args[0].count)
        period = number(args[0]) if args else None
        if not period or stamp is None:
            raise MalformedQuery("bin() needs a period such as 5m")
        size = int(period * 1000)
        return Stamp(int(stamp) // size * size)
    if function == "ispresent":  # 1 or 0, as Insights shows it and sum() adds it
        return int(args[0] is not None)
    if function == "isempty":
        return int(args[0] is None or args[0] == "")
    if function == "isblank":  # 1 if missing, empty or only white space
        return int(args[0] is None or not str(args[0]).strip())
    if function == "coalesce":  # "the first non-null value": an empty string is a value
        return next((a for a in args if a is not None), None)
    if function == "concat":
        return "".join(str(a) for a in args if a is not None)
    if function in ("tolower", "toupper"):
        return (
            None if args[0] is None else (str(args[0]).lower() if function == "tolower" else str(args[0]).upper())
        )
    if function == "strlen":
        return None if args[0] is None else len(str(args[0]))
    if function in _STRING_FUNCTIONS:
        return None if not args or args[0] is None else _STRING_FUNCTIONS[function](str(args[0]), *args[1:])
    if function in ("datefloor", "dateceil") and len(args) > 1 and isinstance(args[1], Months):
        stamp = number(args[0])
        if stamp is None:
            return None
        floor = _month_floor(int(_stamp(stamp)), args[1].count)
        if function == "datefloor" or floor == int(stamp):
            return floor
        return _month_floor(_add_months(floor, args[1].count), args[1].count)
    if function in ("datefloor", "dateceil"):
        period = number(args[1]) if len(args) > 1 else None
        stamp = number(args[0])
        if not period or stamp is None:
            return None
        size = int(period * 1000)
        start = int(stamp) // size * size
        return _stamp(start if function == "datefloor" or start == int(stamp) else start + size)
    if function == "tomillis":
        return None if number(args[0]) is None else int(number(args[0]) or 0)
    if function == "frommillis":
        return None if number(args[0]) is None else _stamp(number(args[0]) or 0)
    if function in _IP_VERSIONS:
        return int(_ip_test(function, args))
    value = number(args[0]) if args else None
    if value is None:
        return None
    return {"abs": abs(value), "floor": math.floor(value), "ceil": math.ceil(value)}.get(function)


_FIRST_MS, _LAST_MS = -62_135_596_800_000, 253_402_300_799_999
"""0001-01-01 and 9999-12-31 (UTC), the years a timestamp prints in."""


def _stamp(ms: float) -> Stamp:
    """Epoch milliseconds as a timestamp; outside the years 1 to 9999 the guide gives no answer."""
    if not _FIRST_MS <= ms <= _LAST_MS - 366 * 86_400_000:  # room to round up to the next period
        raise MalformedQuery(f"the time {ms:.0f} ms since 1970 is outside the years 1 to 9999")
    return Stamp(int(ms))


def _month_floor(stamp_ms: int, months: int) -> Stamp:
    """The first instant (UTC) of the ``months``-long calendar period that holds ``stamp_ms``."""
    moment = datetime.fromtimestamp(stamp_ms / 1000, tz=UTC)
    index = (moment.year * 12 + moment.month - 1) // months * months
    start = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    return Stamp(int(start.timestamp() * 1000))


def _add_months(stamp_ms: int, months: int) -> int:
    moment = datetime.fromtimestamp(stamp_ms / 1000, tz=UTC)
    index = moment.year * 12 + moment.month - 1 + months
    if index // 12 > 9999:
        raise MalformedQuery("a dateceil() past the year 9999")
    return int(datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC).timestamp() * 1000)


def _substr(text: str, start: Any, length: Any = None) -> str | None:
    """``substr("xyZfooxyZ", 3, 3)`` is "foo": a zero-based start, then the length (the guide's example)."""
    begin, size = number(start), None if length is None else number(length)
    if begin is None or (length is not None and size is None):
        return None
    if begin < 0 or not begin.is_integer() or (size is not None and (size < 0 or not size.is_integer())):
        raise MalformedQuery(
            f"substr() with start {start!r} and length {length!r}: the guide does not say what a negative or "
            "fractional index gives"
        )
    return text[int(begin) :] if size is None else text[int(begin) : int(begin) + int(size)]


_IP_VERSIONS = {
    "isvalidip": None, "isvalidipv4": 4, "isvalidipv6": 6,
    "isipinsubnet": None, "isipv4insubnet": 4, "isipv6insubnet": 6,
}  # fmt: skip
"""The IP address functions and the IP version each accepts (None: either)."""


def _ip_test(function: str, args: list[Any]) -> bool:
    """The guide's IP address functions: a valid address of the function's version (``isValidIpV4``), inside a
    subnet of it in CIDR notation (``isIpv4InSubnet(srcAddr, "192.0.2.0/24")``)."""
    import ipaddress

    version = _IP_VERSIONS[function]
    if args[0] is None:
        return False
    try:
        address = ipaddress.ip_address(str(args[0]))
    except ValueError:
        return False
    if version is not None and address.version != version:
        return False
    if len(args) == 1:
        return True
    try:
        network = ipaddress.ip_network(str(args[1]), strict=True)
    except ValueError:
        return False
    return network.version == address.version and address in network


_STRING_FUNCTIONS: dict[str, Any] = {
    "strcontains": lambda text, part=None: int(part is not None and str(part) in text),  # 1 or 0, as Insights
    "substr": _substr,
    "replace": lambda text, old="", new="": text.replace(str(old), str(new)),
    # trim(s) strips white space; trim(s, chars) strips the characters of chars: trim("xyZfooxyZ", "xyZ") is "foo"
    "trim": lambda text, chars=None: text.strip(None if chars is None else str(chars)),
    "ltrim": lambda text, chars=None: text.lstrip(None if chars is None else str(chars)),
    "rtrim": lambda text, chars=None: text.rstrip(None if chars is None else str(chars)),
}


def truthy(value: Any) -> bool:
    return bool(value) and value != "false"


def _equal(left: Any, right: Any) -> bool:
    a, b = number(left), number(right)
    if a is not None and b is not None:
        return a == b
    return str(left) == str(right)


def number(value: Any) -> float | None:
    """A value as a number: numbers, numeric text, and a true/false value as 1/0; else None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        try:
            as_float = float(value)
        except OverflowError:  # an integer of more than 308 digits
            as_float = math.inf
    else:
        text = str(value)
        if not _NUMERIC.fullmatch(text):  # not "inf", "nan" nor "1_000", which float() reads
            return None
        as_float = float(text)
    if not math.isfinite(as_float):
        raise MalformedQuery(f"the number {str(value)[:24]!r} is beyond a double's range: no documented answer")
    return as_float


_NUMERIC = re.compile(r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*")


def render(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):  # a sum beyond a double's range
        raise MalformedQuery("a result is beyond a double's range: its answer is not documented")
    if isinstance(value, Stamp):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(round(value, 6))
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)
