"""Trino's date and time rules the DuckDB translation needs: Joda patterns (``parse_datetime``) as strftime
codes, and the offset of a ``from_iso8601_timestamp`` or of a ``parse_datetime`` with a zone — Trino keeps it,
DuckDB's TIMESTAMPTZ keeps only the instant, so a non-UTC offset is accepted only where the instant alone
decides the answer.

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


ISO_OFFSET = r"T[0-9:.,]+[+-][0-9]{2}(:?[0-9]{2})?$"  # the same in Python and in DuckDB (RE2)
ANY_OFFSET = r"[+-][0-9]{2}:?[0-9]{2}"  # what Joda's Z reads: +0200, -07:00
ZERO_OFFSET = r"[+-]00(:?00)?([^0-9]|$)"
INSTANT_USES = (*COMPARISONS, exp.Between, exp.In, exp.TimeToUnix)


def offset_rule(node: exp.Expr) -> str | None:
    """The pattern of a non-UTC offset in the input of a function whose Trino value keeps that offset
    (``from_iso8601_timestamp``, ``parse_datetime`` with a Joda ``Z``), or None for any other node."""
    if isinstance(node, exp.FromISO8601Timestamp):
        return ISO_OFFSET
    fmt = node.args.get("format") if isinstance(node, exp.ParseDatetime) else None
    if isinstance(fmt, exp.Literal) and "%z" in strftime_of(fmt.this):
        return ANY_OFFSET
    return None


def offset_refused(value: str, rule: str) -> bool:
    """Would this input's offset change the answer (it has one, and it is not UTC)?"""
    return re.search(rule, value) is not None and re.search(ZERO_OFFSET, value) is None


def offset_words(node: exp.Expr, shown: str) -> str:
    name = "from_iso8601_timestamp" if isinstance(node, exp.FromISO8601Timestamp) else "parse_datetime"
    return (
        f"{name}({shown}) outside a comparison: the embedded Athena keeps the instant but not the offset, so "
        "its hour, date and text would differ from Athena's (compare it, or give the time in UTC)"
    )


def instant_only(node: exp.Expr) -> bool:
    """Is ``node`` an operand of something that only sees the instant (a comparison, ``to_unixtime``)?"""
    parent = node.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    return isinstance(parent, INSTANT_USES)


def offset_guard(node: exp.Expr, converted: exp.Expr, rule: str) -> exp.Expr:
    """``converted`` (DuckDB's TIMESTAMPTZ of ``node``'s input) that fails with NOT_SUPPORTED on a row whose
    input carries a non-UTC offset."""
    value = node.this.copy()
    has_offset = exp.Anonymous(this="regexp_matches", expressions=[value, exp.Literal.string(rule)])
    zero = exp.Anonymous(this="regexp_matches", expressions=[value.copy(), exp.Literal.string(ZERO_OFFSET)])
    words = "NOT_SUPPORTED: " + offset_words(node, "a value with a non-UTC offset")
    fail = exp.Anonymous(this="error", expressions=[exp.Literal.string(words)])
    return exp.Case(ifs=[exp.If(this=exp.and_(has_offset, exp.not_(zero)), true=fail)], default=converted)


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
