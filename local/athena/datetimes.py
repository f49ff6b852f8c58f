"""Trino's date and time rules the DuckDB translation needs: Joda patterns (``parse_datetime``) as strftime
codes, and the offset of a ``from_iso8601_timestamp`` or of a ``parse_datetime`` with a zone — Trino keeps it,
DuckDB's TIMESTAMPTZ keeps only the instant. So a ``from_iso8601_timestamp`` is compared as an instant, read as
its local time by the field functions (``hour``, ``date``, ``date_format``…), printed with its offset as a
result column; in any other use a non-UTC offset is refused (``parse_datetime`` with a zone: instant only).

Not for: parsing or running queries (``local.athena.dialect``, ``local.athena.sql``).
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


WALL_TIME_USES = (
    exp.Hour, exp.Minute, exp.Second, exp.Day, exp.DayOfMonth, exp.Month, exp.Year, exp.DayOfWeekIso,
    exp.DayOfYear, exp.Quarter, exp.WeekOfYear, exp.Date, exp.TimeToStr,
)  # fmt: skip
_STRIP = r"T([0-9:.,]+)(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
_ZONE = r"([+-][0-9]{2}):?([0-9]{2})?$"


def offset_use(node: exp.Expr) -> str:
    """How a zoned value is used: "instant" (compared; the offset cannot matter), "wall" (a field of its
    local time: hour, date, date_format…), "shown" (a column of the result, printed with its offset) or
    "other" (anything else: refused for a non-UTC offset)."""
    parent: exp.Expr | None = node.parent
    child: exp.Expr = node
    while isinstance(parent, exp.Paren):
        child = parent
        parent = parent.parent
    if isinstance(parent, INSTANT_USES):
        return "instant"
    if not isinstance(node, exp.FromISO8601Timestamp):
        return "other"
    if isinstance(parent, WALL_TIME_USES) and parent.this is child:
        return "wall"
    if isinstance(parent, exp.Cast) and parent.to.is_type("date"):
        return "wall"
    return "shown" if _shown(child, parent) else "other"


def _shown(child: exp.Expr, parent: exp.Expr | None) -> bool:
    """A result column of the outermost SELECT that nothing groups, orders or de-duplicates by (those would
    compare the printed text, where Trino compares instants)."""
    item = parent if isinstance(parent, exp.Alias) else child
    select = item.parent
    if not isinstance(select, exp.Select) or select.parent is not None or item not in select.expressions:
        return False
    if select.args.get("distinct"):
        return False
    name = item.alias_or_name.lower()
    for clause in (select.args.get("group"), select.args.get("order")):
        for mentioned in clause.find_all(exp.Column, exp.Literal) if clause else []:
            if isinstance(mentioned, exp.Literal) or mentioned.name.lower() == name:
                return False
    return True


def wall_time(node: exp.Expr) -> exp.Expr:
    """The local time ``from_iso8601_timestamp`` keeps (``…T10:00:00+02:00`` → 10:00), as a TIMESTAMP."""
    stripped = exp.Anonymous(
        this="regexp_replace",
        expressions=[node.this.copy(), exp.Literal.string(_STRIP), exp.Literal.string("T\\1")],
    )
    return exp.Cast(this=stripped, to=exp.DataType.build("TIMESTAMP"))


def shown_with_offset(node: exp.Expr) -> exp.Expr:
    """Athena's text of a ``timestamp(3) with time zone``: ``2024-01-01 10:00:00.000 +02:00`` (``UTC`` for Z)."""
    value = node.this
    text = exp.Anonymous(
        this="strftime", expressions=[wall_time(node), exp.Literal.string("%Y-%m-%d %H:%M:%S.%g")]
    )
    hours = exp.Anonymous(
        this="regexp_extract", expressions=[value.copy(), exp.Literal.string(_ZONE), exp.Literal.number(1)]
    )
    minutes = exp.Anonymous(
        this="regexp_extract", expressions=[value.copy(), exp.Literal.string(_ZONE), exp.Literal.number(2)]
    )
    minutes_or_zero = exp.Coalesce(this=exp.Nullif(this=minutes, expression=exp.Literal.string("")),
                                   expressions=[exp.Literal.string("00")])  # fmt: skip
    offset = exp.DPipe(this=exp.DPipe(this=hours, expression=exp.Literal.string(":")), expression=minutes_or_zero)
    zone = exp.Case(ifs=[exp.If(this=_non_utc(value, ISO_OFFSET), true=offset)], default=exp.Literal.string("UTC"))
    return exp.DPipe(this=exp.DPipe(this=text, expression=exp.Literal.string(" ")), expression=zone)


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


def offset_guard(node: exp.Expr, converted: exp.Expr, rule: str) -> exp.Expr:
    """``converted`` (DuckDB's TIMESTAMPTZ of ``node``'s input) that fails with NOT_SUPPORTED on a row whose
    input carries a non-UTC offset."""
    words = "NOT_SUPPORTED: " + offset_words(node, "a value with a non-UTC offset")
    fail = exp.Anonymous(this="error", expressions=[exp.Literal.string(words)])
    return exp.Case(ifs=[exp.If(this=_non_utc(node.this, rule), true=fail)], default=converted)


def _non_utc(value: exp.Expr, rule: str) -> exp.Expr:
    """DuckDB's test of ``offset_refused``: the value carries an offset (``rule``) and it is not UTC."""
    has_offset = exp.Anonymous(this="regexp_matches", expressions=[value.copy(), exp.Literal.string(rule)])
    zero = exp.Anonymous(this="regexp_matches", expressions=[value.copy(), exp.Literal.string(ZERO_OFFSET)])
    return exp.and_(has_offset, exp.not_(zero))


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
