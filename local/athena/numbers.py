"""Trino's arithmetic where DuckDB's differs, as node rewrites and the DuckDB macros they call (``MACROS``):
``decimal / decimal`` stays a decimal of Trino's precision and scale, rounded half up (DuckDB gives a double),
``avg`` and ``round(x, d)`` of a decimal likewise; a double divided by zero is ``Infinity``/``-Infinity``/``NaN``
(DuckDB's ``integer_division`` fails it); ``DECIMAL '1.20'`` is ``decimal(3,2)``. Each needs the operands'
types: where the query's text tells them (``local.athena.sql_types``) the answer is computed, checked against the
type DuckDB sees as the query runs; where it does not, a decimal (or a double divided by zero) fails with
NOT_SUPPORTED naming the construct rather than give DuckDB's answer.

Not for: which types an expression has (``local.athena.sql_types``); printing values (``local.athena.render``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from local.athena.dialect import AthenaError
from local.athena.sql_types import INTEGERS, Kind, arithmetic, as_decimal, decimal, decimal_literal, rounded

if TYPE_CHECKING:
    from collections.abc import Callable

_FLOATS = "('DOUBLE', 'FLOAT')"
_WHOLE = "('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT')"
_UNTYPED_DECIMAL = (
    "NOT_SUPPORTED: {what} of a decimal whose type the stand-in cannot tell from the query's text (a lambda "
    "parameter or an UNNEST column); Athena keeps decimal(p,s) here: CAST the operand to decimal(p,s) or double"
)


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


MACROS = (
    # the unscaled integer of x, a decimal of scale s or an integer (s = 0): fails if DuckDB typed x otherwise
    "CREATE MACRO trino_unscaled(x, s) AS CASE "
    f"WHEN s = 0 AND typeof(x) IN {_WHOLE} THEN CAST(x AS HUGEINT) "
    "WHEN regexp_full_match(typeof(x), 'DECIMAL\\(\\d+,' || s || '\\)') "
    "THEN CAST(replace(CAST(x AS VARCHAR), '.', '') AS HUGEINT) "
    "ELSE error('NOT_SUPPORTED: decimal arithmetic on a value of type ' || typeof(x) || ', not the decimal of "
    "scale ' || s || ' the query''s text gives it') END",
    # n / d rounded half up (Trino's DecimalOperators.divide), both unscaled
    "CREATE MACRO trino_rounded_quotient(n, d) AS CASE "
    "WHEN d = 0 THEN error('DIVISION_BY_ZERO: Division by zero') "
    "ELSE sign(n) * sign(d) * (abs(n) // abs(d) + CASE WHEN 2 * (abs(n) % abs(d)) >= abs(d) THEN 1 ELSE 0 END) "
    "END",
    # the text of an unscaled value r of scale s (unit = 10^s)
    "CREATE MACRO trino_decimal_text(r, s, unit) AS (CASE WHEN r < 0 THEN '-' ELSE '' END) || "
    "CAST(abs(r) // unit AS VARCHAR) || "
    "(CASE WHEN s > 0 THEN '.' || lpad(CAST(abs(r) % unit AS VARCHAR), s, '0') ELSE '' END)",
    # a / b whose types the text does not tell: DuckDB's answer only where it is Trino's
    "CREATE MACRO trino_divide(a, b) AS CASE "
    f"WHEN (typeof(a) IN {_FLOATS} OR typeof(b) IN {_FLOATS}) AND b = 0 THEN error('NOT_SUPPORTED: a double "
    "divided by zero where the stand-in cannot tell the operands'' types from the query''s text (Athena gives "
    "Infinity or NaN): CAST the operands to double') "
    f"WHEN (typeof(a) LIKE 'DECIMAL%' OR typeof(b) LIKE 'DECIMAL%') AND NOT (typeof(a) IN {_FLOATS} OR "
    f"typeof(b) IN {_FLOATS}) THEN error('{_sql_text(_UNTYPED_DECIMAL.format(what='/'))}') "
    "ELSE a / b END",
    "CREATE MACRO trino_not_decimal(x, what) AS CASE "
    f"WHEN typeof(x) LIKE 'DECIMAL%' THEN error('{_sql_text(_UNTYPED_DECIMAL.format(what='avg or round'))}') "
    "ELSE x END",
    # x / 0.0 as Java divides doubles: ±Infinity, NaN for 0 / 0 (and NaN / 0)
    "CREATE MACRO trino_double_divide(a, b) AS CASE WHEN b = 0 "
    "THEN a * (CASE WHEN signbit(CAST(b AS DOUBLE)) THEN -1 ELSE 1 END) * CAST('Infinity' AS DOUBLE) "
    "ELSE a / b END",
    "CREATE MACRO trino_real_divide(a, b) AS CASE WHEN b = 0 "
    "THEN a * (CASE WHEN signbit(CAST(b AS DOUBLE)) THEN -1 ELSE 1 END) * CAST('Infinity' AS FLOAT) "
    "ELSE a / b END",
)


def numeric(node: exp.Expr) -> exp.Expr:
    """``node`` rewritten for Trino's numeric semantics (kinds from ``node.meta['kinds']``), or ``node``."""
    rule = _RULES.get(type(node))
    return rule(node) if rule is not None else node


def _kinds(node: exp.Expr) -> tuple[Kind | None, ...]:
    return tuple(node.meta.get("kinds", ()))


def _divide(node: exp.Expr) -> exp.Expr:
    assert isinstance(node, exp.Div)
    left, right = (_kinds(node) + (None, None))[:2]
    a, b = node.this, node.expression
    if left is None or right is None or not (left.numeric and right.numeric):
        if left is not None and right is not None and left.name in INTEGERS and right.name in INTEGERS:
            return node
        return _call("trino_divide", a, b)
    names = {left.name, right.name}
    if "double" in names:
        return _call("trino_double_divide", a, b)
    if "real" in names:
        return _call("trino_real_divide", a, b)
    if "decimal" not in names:
        return node  # integer / integer truncates: DuckDB's integer_division, DIVISION_BY_ZERO by zero
    return decimal_quotient(a, b, left, right)


def decimal_quotient(a: exp.Expr, b: exp.Expr, left: Kind, right: Kind) -> exp.Expr:
    """``a / b`` of decimals (or a decimal and an integer), as Trino computes it: rescaled by
    ``max(sa, sb) - sa + sb`` and rounded half up, of type ``decimal(min(38, pa + sb + max(sb - sa, 0)),
    max(sa, sb))``."""
    x, y = as_decimal(left), as_decimal(right)
    result = arithmetic(exp.Div, left, right)
    assert x is not None and y is not None and result is not None
    rescale = result.scale - x.scale + y.scale
    if rescale > 38:
        raise AthenaError(f"NOT_SUPPORTED: decimal division rescaling by 10^{rescale} (beyond 38 digits)")
    numerator = exp.Mul(
        this=_call("trino_unscaled", a, exp.Literal.number(x.scale)), expression=_hugeint(10**rescale)
    )
    quotient = _call("trino_rounded_quotient", exp.Paren(this=numerator), _call("trino_unscaled", b, _number(y)))
    text = _call("trino_decimal_text", quotient, exp.Literal.number(result.scale), _hugeint(10**result.scale))
    return exp.Cast(this=text, to=exp.DataType.build(f"DECIMAL({result.precision}, {result.scale})"))


def _average(node: exp.Expr) -> exp.Expr:
    """Trino's ``avg`` of a ``decimal(p,s)`` is a ``decimal(p,s)`` (sum ÷ count, rounded half up)."""
    (of,) = (_kinds(node) + (None,))[:1]
    if of is None:
        argument = node.this.expressions[0] if isinstance(node.this, exp.Distinct) else node.this
        argument.replace(_call("trino_not_decimal", argument, exp.Literal.string("avg")))
        return node
    if of.name != "decimal":
        return node
    if isinstance(node.parent, exp.Window):
        raise AthenaError("NOT_SUPPORTED: avg(decimal) OVER (…): the stand-in computes a decimal average only "
                          "as an aggregate; CAST the argument to double")  # fmt: skip
    total = exp.Sum(this=node.this.copy())
    count = exp.Count(this=node.this.copy())
    quotient = decimal_quotient(total, count, decimal(38, of.scale), Kind("bigint"))
    assert isinstance(quotient, exp.Cast)
    quotient.set("to", exp.DataType.build(f"DECIMAL({of.precision}, {of.scale})"))
    return quotient


def _round(node: exp.Expr) -> exp.Expr:
    """Trino's ``round(decimal(p,s), d)`` keeps the scale: ``decimal(p+1, s)`` (DuckDB drops to scale d)."""
    (of,) = (_kinds(node) + (None,))[:1]
    digits = node.args.get("decimals")
    if of is None:
        if digits is not None:
            node.set("this", _call("trino_not_decimal", node.this, exp.Literal.string("round")))
        return node
    if of.name != "decimal":
        return node
    kind = rounded(of, digits is not None)
    assert kind is not None
    return exp.Cast(this=node.copy(), to=exp.DataType.build(f"DECIMAL({kind.precision}, {kind.scale})"))


def _cast(node: exp.Expr) -> exp.Expr:
    """``DECIMAL '1.20'`` (a typed literal: no FORMAT argument) is ``decimal(3,2)``; ``CAST(x AS DECIMAL)``
    without a precision is Trino's ``decimal(38,0)`` (DuckDB's bare DECIMAL is (18,3))."""
    assert isinstance(node, exp.Cast)
    to = node.to
    if to.this != exp.DataType.Type.DECIMAL or to.expressions:
        return node
    value = node.this
    literal = "format" not in node.args and isinstance(value, exp.Literal) and value.is_string
    kind = decimal_literal(value.this) if literal else decimal(38, 0)
    node.set("to", exp.DataType.build(f"DECIMAL({kind.precision}, {kind.scale})"))
    return node


def _number(kind: Kind) -> exp.Expr:
    return exp.Literal.number(kind.scale)


def _hugeint(value: int) -> exp.Expr:
    return exp.Cast(this=exp.Literal.string(str(value)), to=exp.DataType.build("HUGEINT", dialect="duckdb"))


def _call(name: str, *arguments: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=[a.copy() for a in arguments])


_RULES: dict[type, Callable[[exp.Expr], exp.Expr]] = {
    exp.Div: _divide,
    exp.Avg: _average,
    exp.Round: _round,
    exp.Cast: _cast,
    exp.TryCast: _cast,
}
