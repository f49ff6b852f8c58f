"""Partition projection as Athena applies it (Athena User Guide, "Supported types for partition projection"):
a partition value exists only if the projection can produce it, whatever else is in S3.

- ``date``: values in ``projection.<col>.format`` (a Java date pattern) within ``range`` — fixed dates in that
  format or ``NOW`` with ``+``/``-`` N ``YEARS|MONTHS|WEEKS|DAYS|HOURS|MINUTES|SECONDS``, calendar arithmetic —
  compared as dates, not as text (``dd-MM-yyyy`` does not sort as text).
- ``integer``: whole numbers within ``range`` (and exactly ``digits`` long when that is set).
- ``enum``: one of ``values``.
- ``injected``: any value, but the query must give it by static equality; otherwise Athena fails with
  CONSTRAINT_VIOLATION, and so does the stand-in.

Not for: pruning by the query's predicates (``local.athena.pruning``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlglot import exp

from local.athena.datetimes import strftime_of
from local.athena.pruning import conjuncts

Wanted = Callable[[dict[str, str]], bool]
_NOW = re.compile(r"NOW(?:\s*([+-])\s*(\d+)\s*(YEAR|MONTH|WEEK|DAY|HOUR|MINUTE|SECOND)S?)?")


def projection_filter(parameters: dict[str, str], partitions: list[str], now: datetime | None = None) -> Wanted:
    """A test that a partition's values (column → value as in the path) are ones the projection produces."""
    if parameters.get("projection.enabled", "").lower() != "true":
        return lambda values: True
    tests: list[Wanted] = []
    for name in partitions:
        kind = parameters.get(f"projection.{name}.type", "")
        spec = parameters.get(f"projection.{name}.range", "")
        if kind == "date":
            tests.append(_date_test(name, spec, parameters.get(f"projection.{name}.format", ""), now))
        elif kind == "integer":
            tests.append(_integer_test(name, spec, parameters.get(f"projection.{name}.digits", "")))
        elif kind == "enum":
            tests.append(_enum_test(name, parameters.get(f"projection.{name}.values", "")))
    return lambda values: all(test(values) for test in tests)


def injected_violation(parameters: dict[str, str], partitions: list[str], where: exp.Expr | None) -> str | None:
    """Athena's error when an ``injected`` column is not given by static equality in the top-level WHERE."""
    if parameters.get("projection.enabled", "").lower() != "true":
        return None
    given = {name for node in (conjuncts(where.this) if where is not None else []) for name in _equality(node)}
    for name in partitions:
        if parameters.get(f"projection.{name}.type") == "injected" and name not in given:
            return (
                f"CONSTRAINT_VIOLATION: For the injected projected partition column {name}, the WHERE clause "
                "must contain only static equality conditions, and at least one such condition must be present."
            )
    return None


def _equality(node: exp.Expr) -> set[str]:
    """The column a top-level conjunct gives by static equality (``col = 'x'``, ``col IN ('x', 'y')``)."""
    if isinstance(node, exp.EQ):
        sides = (node.left, node.right)
        if any(isinstance(s, exp.Literal) for s in sides):
            return {s.name.lower() for s in sides if isinstance(s, exp.Column)}
    if isinstance(node, exp.In) and all(isinstance(e, exp.Literal) for e in node.expressions):
        return {node.this.name.lower()} if isinstance(node.this, exp.Column) else set()
    return set()


def _date_test(name: str, spec: str, java: str, now: datetime | None) -> Wanted:
    pattern = strftime_of(java or "yyyy-MM-dd")
    moment = (now or datetime.now(UTC)).replace(tzinfo=None)
    low, high = (_bound(part, pattern, moment) for part in ([*spec.split(","), "", ""])[:2])

    def wanted(values: dict[str, str]) -> bool:
        try:
            value = datetime.strptime(values.get(name, ""), pattern)  # noqa: DTZ007 - projections are naive
        except ValueError:
            return False  # not a value this projection produces
        return (low is None or value >= low) and (high is None or value <= high)

    return wanted


def _bound(part: str, pattern: str, now: datetime) -> datetime | None:
    part = part.strip()
    match = _NOW.fullmatch(part.upper())
    if match is None:
        try:
            return datetime.strptime(part, pattern) if part else None  # noqa: DTZ007
        except ValueError:
            return None
    return _at_precision(_shifted(now, match), pattern)


def _at_precision(moment: datetime, pattern: str) -> datetime:
    """A moment as the projection renders it (``NOW`` in a ``yyyy-MM-dd`` projection is today's date)."""
    return datetime.strptime(moment.strftime(pattern), pattern)  # noqa: DTZ007


def _shifted(now: datetime, match: re.Match[str]) -> datetime:
    if not match.group(1):
        return now
    amount = int(match.group(2)) * (1 if match.group(1) == "+" else -1)
    unit = match.group(3)
    if unit in ("YEAR", "MONTH"):
        months = now.month - 1 + amount * (12 if unit == "YEAR" else 1)
        year, month = now.year + months // 12, months % 12 + 1
        return now.replace(year=year, month=month, day=min(now.day, calendar.monthrange(year, month)[1]))
    seconds = {"WEEK": 604_800, "DAY": 86_400, "HOUR": 3_600, "MINUTE": 60, "SECOND": 1}[unit]
    return now + timedelta(seconds=amount * seconds)


def _enum_test(name: str, listed: str) -> Wanted:
    allowed = {v.strip() for v in listed.split(",")}
    return lambda values: values.get(name, "") in allowed


def _integer_test(name: str, spec: str, digits: str) -> Wanted:
    pieces = [p.strip() for p in spec.split(",")]
    low, high = (int(pieces[0]), int(pieces[1])) if len(pieces) == 2 else (None, None)

    def wanted(values: dict[str, str]) -> bool:
        value = values.get(name, "")
        if not re.fullmatch(r"-?\d+", value) or (digits and len(value.lstrip("-")) != int(digits)):
            return False
        number = int(value)
        return (low is None or number >= low) and (high is None or number <= high)

    return wanted
