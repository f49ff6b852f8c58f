"""The Trino type of an expression where the query's text tells it: literals (``1.5`` is ``decimal(2,1)``,
``1e0`` a ``double``), casts, catalog columns (their Glue types), CTE and subquery columns (the type of their
defining expression), and arithmetic and aggregates over those, by Trino's rules (``docs/…/functions/decimal.md``,
``DecimalOperators``). ``None`` when the text does not tell: the rewrites that need a type then check it as the
query runs (``local.athena.semantics``).

Not for: rewriting or running the query (``local.athena.semantics``, ``local.athena.sql``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

if TYPE_CHECKING:
    from collections.abc import Mapping

INTEGERS = ("tinyint", "smallint", "integer", "bigint")
_DECIMAL_OF_INTEGER = {"tinyint": 3, "smallint": 5, "integer": 10, "bigint": 19}
_GLUE = {"int": "integer", "string": "varchar", "float": "real", "char": "varchar", "long": "bigint"}
_DEPTH = 12


@dataclass(frozen=True)
class Kind:
    """A Trino type: ``name`` is its base (``decimal``, ``varchar``, ``array``…); decimals carry p and s."""

    name: str
    precision: int = 0
    scale: int = 0

    @property
    def numeric(self) -> bool:
        return self.name in (*INTEGERS, "decimal", "real", "double")

    @property
    def text(self) -> bool:
        return self.name in ("varchar", "char")

    def words(self) -> str:
        return f"decimal({self.precision},{self.scale})" if self.name == "decimal" else self.name


def decimal(precision: int, scale: int) -> Kind:
    return Kind("decimal", min(38, precision), scale)


def of_glue(glue: str) -> Kind | None:
    """``decimal(10,2)`` → decimal(10,2); ``int`` → integer; ``array<string>`` → array …"""
    text = glue.strip().lower().replace(" ", "")
    found = re.fullmatch(r"(?:decimal|numeric)(?:\((\d+)(?:,(\d+))?\))?", text)
    if found:
        return decimal(int(found.group(1) or 38), int(found.group(2) or 0))
    base = re.split(r"[(<]", text, maxsplit=1)[0]
    base = _GLUE.get(base, base)
    if base in ("struct", "row"):
        return Kind("row")
    if base in (*INTEGERS, "real", "double", "varchar", "boolean", "date", "timestamp", "array", "map", "json"):
        return Kind(base)
    return None


class Types:
    """The types the query's text tells, for one query (``column_types``: catalog column → Glue type)."""

    def __init__(self, tree: exp.Expr, column_types: Mapping[str, str]) -> None:
        self._catalog = {name.lower(): glue for name, glue in column_types.items()}
        self._derived: dict[str, list[exp.Expr]] = {}  # a CTE's or subquery's output column → its definitions
        self._sources: dict[str, exp.Expr] = {}  # a CTE or subquery alias → its query
        self._opaque: set[str] = set()  # UNNEST … t(x) columns: element types not followed
        self._values: dict[str, list[list[exp.Expr]]] = {}  # a VALUES column → its cells
        for cte in tree.find_all(exp.CTE, exp.Subquery):
            query, alias = cte.this, cte.alias_or_name.lower()
            if alias:
                self._sources[alias] = query
            for select in _outputs(query):
                for item in select.expressions:
                    name = item.alias_or_name.lower()
                    if name and not isinstance(item, exp.Star):
                        self._derived.setdefault(name, []).append(item.unalias())
        for table_alias in tree.find_all(exp.TableAlias):
            names = [str(c.name).lower() for c in table_alias.columns]
            source = table_alias.parent
            if isinstance(source, exp.Values):  # VALUES (1.5, 'a'), (2.25, 'b') AS t(x, y)
                rows = [row.expressions if isinstance(row, exp.Tuple) else [row] for row in source.expressions]
                for index, name in enumerate(names):
                    self._values.setdefault(name, []).append([row[index] for row in rows if index < len(row)])
            elif isinstance(source, exp.CTE | exp.Subquery) and names:  # WITH t(a, b) AS (…)
                for select in _outputs(source.this):
                    for name, item in zip(names, select.expressions, strict=False):
                        self._derived.setdefault(name, []).append(item.unalias())
            else:
                self._opaque.update(names)

    def of(self, node: exp.Expr, depth: int = 0) -> Kind | None:
        if depth > _DEPTH:
            return None
        down = depth + 1
        if isinstance(node, exp.Paren | exp.Neg | exp.Alias):
            return self.of(node.this, down)
        if isinstance(node, exp.Literal):
            return _literal(node)
        if isinstance(node, exp.Boolean):
            return Kind("boolean")
        if isinstance(node, exp.Null):
            return Kind("unknown")
        if isinstance(node, exp.Cast | exp.TryCast):
            return self._cast(node)
        if isinstance(node, exp.Column):
            return self._column(node, down)
        if isinstance(node, exp.Array | exp.Split | exp.ArraySort | exp.Filter | exp.Transform):
            return Kind("array")
        if isinstance(node, exp.Map | exp.VarMap | exp.MapFromEntries):
            return Kind("map")
        if isinstance(node, exp.CurrentDate | exp.DateFromParts | exp.Date):
            return Kind("date")
        if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div | exp.Mod):
            return arithmetic(type(node), self.of(node.this, down), self.of(node.expression, down))
        if isinstance(node, exp.JSONExtract | exp.ParseJSON):
            return Kind("json")
        if isinstance(node, exp.JSONExtractScalar | exp.ArrayToString):
            return Kind("varchar")
        if isinstance(node, exp.Count | exp.CountIf | exp.ArraySize | exp.Length):
            return Kind("bigint")
        if isinstance(node, exp.Distinct) and len(node.expressions) == 1:
            return self.of(node.expressions[0], down)
        if isinstance(node, exp.Sum | exp.Avg):
            return _aggregate(type(node), self.of(node.this, down))
        if isinstance(node, exp.Max | exp.Min | exp.Abs | exp.ApproxQuantile | exp.AnyValue):
            return self.of(node.this, down)
        if isinstance(node, exp.Round):
            return rounded(self.of(node.this, down), node.args.get("decimals") is not None)
        if isinstance(node, exp.DPipe | exp.Concat | exp.Lower | exp.Upper | exp.Substring | exp.Trim):
            parts = [self.of(p, down) for p in (node.this, node.args.get("expression")) if p is not None]
            return Kind("varchar") if any(p is not None and p.text for p in parts) else None
        return None

    def _cast(self, node: exp.Cast) -> Kind | None:
        to = node.to
        if to.this == exp.DataType.Type.DECIMAL:
            params = [int(p.this.this) for p in to.expressions if isinstance(p.this, exp.Literal)]
            if "format" not in node.args and isinstance(node.this, exp.Literal) and node.this.is_string:
                return decimal_literal(node.this.this)  # DECIMAL '1.20', a typed literal
            return decimal(params[0] if params else 38, params[1] if len(params) > 1 else 0)
        return of_glue(to.sql(dialect="hive"))

    def _column(self, node: exp.Column, depth: int) -> Kind | None:
        name = node.name.lower()
        if _lambda_parameter(node) or name in self._opaque:
            return None
        qualifier = node.table.lower()
        if qualifier and qualifier in self._sources:
            definitions = [
                item.unalias()
                for select in _outputs(self._sources[qualifier])
                for item in select.expressions
                if item.alias_or_name.lower() == name
            ]
            kinds = [self.of(d, depth) for d in definitions]
        else:
            kinds = [self.of(d, depth) for d in self._derived.get(name, [])]
            kinds += [common([self.of(c, depth) for c in cells]) for cells in self._values.get(name, [])]
            if name in self._catalog:
                kinds.append(of_glue(self._catalog[name]))
        if not kinds or any(k is None for k in kinds) or len(set(kinds)) > 1:
            return None
        return kinds[0]


def common(kinds: list[Kind | None]) -> Kind | None:
    """The type Trino coerces a column of VALUES (or the branches of a CASE) to: one type, the widest
    integer, a decimal wide enough for each, or a double; None when it cannot tell."""
    known = [k for k in kinds if k is None or k.name != "unknown"]
    if not known or any(k is None for k in known):
        return None
    found = [k for k in known if k is not None]
    if len(set(found)) == 1:
        return found[0]
    if not all(k.numeric for k in found):
        return None
    if any(k.name in ("double", "real") for k in found):
        return Kind("double") if any(k.name == "double" for k in found) else Kind("real")
    if all(k.name in INTEGERS for k in found):
        return max(found, key=lambda k: INTEGERS.index(k.name))
    decimals = [as_decimal(k) for k in found]
    if any(d is None for d in decimals):
        return None
    scale = max(d.scale for d in decimals if d is not None)
    whole = max(d.precision - d.scale for d in decimals if d is not None)
    return decimal(whole + scale, scale)


def _outputs(query: exp.Expr) -> list[exp.Select]:
    """The SELECTs whose lists name a query's output columns (each branch of a UNION)."""
    if isinstance(query, exp.Select):
        return [query]
    if isinstance(query, exp.SetOperation):
        return _outputs(query.this) + _outputs(query.expression)
    if isinstance(query, exp.Subquery | exp.Paren):
        return _outputs(query.this)
    return []


def _lambda_parameter(node: exp.Column) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.Lambda) and node.name in {p.name for p in parent.expressions}:
            return True
        parent = parent.parent
    return False


def _literal(node: exp.Literal) -> Kind:
    if node.is_string:
        return Kind("varchar")
    text = str(node.this)
    if "e" in text.lower():
        return Kind("double")
    if "." in text:
        return decimal_literal(text)
    value = int(text)
    return Kind("integer") if value < 2**31 else Kind("bigint") if value < 2**63 else decimal(len(text), 0)


def decimal_literal(text: str) -> Kind:
    """Trino's type of a decimal literal: every digit counts toward the precision, the fraction's toward the
    scale (``DECIMAL '0000012345.1234500000'`` is ``decimal(20,10)``)."""
    digits = text.strip().lstrip("+-")
    whole, _, fraction = digits.partition(".")
    return decimal(max(len(whole) + len(fraction), 1), len(fraction))


def as_decimal(kind: Kind) -> Kind | None:
    if kind.name == "decimal":
        return kind
    if kind.name in _DECIMAL_OF_INTEGER:
        return decimal(_DECIMAL_OF_INTEGER[kind.name], 0)
    return None


def arithmetic(operator: type, left: Kind | None, right: Kind | None) -> Kind | None:
    """The type of ``left <op> right`` under Trino's coercions and decimal rules."""
    if left is None or right is None or not (left.numeric and right.numeric):
        return None
    names = {left.name, right.name}
    if "double" in names:
        return Kind("double")
    if "real" in names:
        return Kind("real")
    if "decimal" not in names:
        return max(left, right, key=lambda k: INTEGERS.index(k.name))
    a, b = as_decimal(left), as_decimal(right)
    if a is None or b is None:
        return None
    (ap, as_), (bp, bs) = (a.precision, a.scale), (b.precision, b.scale)
    if operator in (exp.Add, exp.Sub):
        return decimal(max(ap - as_, bp - bs) + max(as_, bs) + 1, max(as_, bs))
    if operator is exp.Mul:
        return decimal(ap + bp, as_ + bs)
    if operator is exp.Div:
        return decimal(ap + bs + max(bs - as_, 0), max(as_, bs))
    return decimal(min(bp - bs, ap - as_) + max(as_, bs), max(as_, bs))


def rounded(of: Kind | None, with_digits: bool) -> Kind | None:
    """``round(decimal(p,s), d)`` is ``decimal(p+1,s)``, ``round(decimal(p,s))`` ``decimal(p-s+min(1,s),0)``
    (Trino's MathFunctions); any other number keeps its type."""
    if of is None or of.name != "decimal":
        return of
    if with_digits:
        return decimal(of.precision + 1, of.scale)
    return decimal(of.precision - of.scale + min(1, of.scale), 0)


def _aggregate(operator: type, of: Kind | None) -> Kind | None:
    if of is None:
        return None
    if of.name == "decimal":
        return decimal(38, of.scale) if operator is exp.Sum else of
    if of.name in INTEGERS:
        return Kind("bigint") if operator is exp.Sum else Kind("double")
    if of.name in ("double", "real"):
        return of
    return None
