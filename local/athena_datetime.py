"""Trino's date and time rules the DuckDB translation needs: Joda patterns (``parse_datetime``) as strftime
codes, and the offset of a ``from_iso8601_timestamp`` — Trino keeps it, DuckDB's TIMESTAMPTZ keeps only the
instant, so a non-zero offset is accepted only where the instant alone decides the answer.

Not for: parsing or running queries (``local.athena_dialect``, ``local.athena_sql``).
"""

from __future__ import annotations

import re

from sqlglot import exp

COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
JODA = (
    ("yyyy", "%Y"),
    ("yy", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("hh", "%I"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("SSSSSS", "%f"),
    ("SSS", "%g"),
    ("a", "%p"),
    ("ZZ", "%z"),
    ("Z", "%z"),
    ("EEEE", "%A"),
    ("EEE", "%a"),
)


OFFSET_PATTERN = r"T[0-9:.,]+[+-][0-9]{2}(:?[0-9]{2})?$"  # the same in Python and in DuckDB (RE2)
ZERO_PATTERN = r"[+-]00(:?00)?$"
OFFSET, ZERO_OFFSET = re.compile(OFFSET_PATTERN), re.compile(ZERO_PATTERN)
INSTANT_USES = (*COMPARISONS, exp.Between, exp.In, exp.TimeToUnix)


def offset_words(shown: str) -> str:
    return (
        f"from_iso8601_timestamp({shown}) outside a comparison: the embedded Athena keeps the instant but "
        "not the offset, so its hour, date and text would differ from Athena's (compare it, or give the time "
        "in UTC)"
    )


def instant_only(node: exp.Expr) -> bool:
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    return isinstance(parent, INSTANT_USES)


def offset_guard(node: exp.Expr) -> exp.Expr:
    """``node`` (a ``from_iso8601_timestamp`` of a column) that fails with NOT_SUPPORTED on a row whose time
    carries a non-zero offset, and is DuckDB's TIMESTAMPTZ otherwise."""
    value = node.this.copy()
    has_offset = exp.Anonymous(this="regexp_matches", expressions=[value, exp.Literal.string(OFFSET_PATTERN)])
    zero = exp.Anonymous(this="regexp_matches", expressions=[value.copy(), exp.Literal.string(ZERO_PATTERN)])
    fail = exp.Anonymous(
        this="error",
        expressions=[exp.Literal.string("NOT_SUPPORTED: " + offset_words("a value with a non-zero offset"))],
    )
    return exp.Case(ifs=[exp.If(this=exp.and_(has_offset, exp.not_(zero)), true=fail)], default=node.copy())


def strftime_of(joda: str) -> str:
    out, i = "", 0
    while i < len(joda):
        for token, code in JODA:
            if joda.startswith(token, i):
                out += code
                i += len(token)
                break
        else:
            if joda[i] == "'":  # a quoted literal in a Joda pattern
                end = joda.find("'", i + 1)
                out += joda[i + 1 : end if end > 0 else len(joda)]
                i = end + 1 if end > 0 else len(joda)
            else:
                out += "%%" if joda[i] == "%" else joda[i]
                i += 1
    return out
