"""Athena (Trino) SQL → DuckDB SQL through sqlglot's parser and transpiler, plus the Trino semantics sqlglot
does not carry over by itself. The query is parsed once; nothing here works on the SQL text.

What is rewritten (each checked against Trino's documented behaviour in tests/standins/test_athena_dialect.py):
integer ``/`` integer is integer division; ``regexp_extract`` and ``split_part`` give NULL when nothing
matches; ``json_extract_scalar`` gives NULL for objects and arrays; ``parse_datetime`` takes a Joda pattern;
``approx_percentile`` returns a value of the data (``quantile_disc``). A comparison of a number with a string
is rejected as Athena rejects it. DuckDB's TIMESTAMPTZ keeps an instant, not the offset Trino keeps: a
``from_iso8601_timestamp`` is compared as an instant, read as its local time inside ``hour``/``date``/
``date_format``…, printed with its offset as a result column (``local.athena_datetime``); anywhere else a
non-UTC offset fails with NOT_SUPPORTED naming it — when parsed for a literal, when read for a column.
Everything else is sqlglot's Trino → DuckDB transpilation.

Not for: reading tables or pruning partitions (``local.athena_tables``, ``local.athena_pruning``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from local.athena_datetime import (
    COMPARISONS,
    offset_guard,
    offset_refused,
    offset_rule,
    offset_use,
    offset_words,
    shown_with_offset,
    strftime_of,
    wall_time,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


class AthenaError(Exception):
    """The query fails as Athena would fail it; ``str()`` is the StateChangeReason."""


@dataclass(frozen=True)
class TableRef:
    database: str
    name: str
    node: exp.Table

    @property
    def key(self) -> str:
        return f"{self.database}.{self.name}"


_LITERAL = re.compile(r"'(?:[^']|'')*'|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null", re.IGNORECASE)
_NUMERIC = {"tinyint", "smallint", "int", "integer", "bigint", "double", "float", "real", "decimal"}


def parse(sql: str) -> exp.Expr:
    try:
        tree = sqlglot.parse_one(sql, read="trino")
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        where = f"line {first.get('line', 1)}:{first.get('col', 1)}: " if first else ""
        raise AthenaError(f"SYNTAX_ERROR: {where}{first.get('description', str(error))}") from None
    if tree is None:
        raise AthenaError("SYNTAX_ERROR: line 1:1: empty query")
    return tree


def bind(sql: str, parameters: list[str]) -> str:
    """``sql`` with ``ExecutionParameters`` in place of its ``?`` placeholders, in the order they are written
    (Athena's rules: each must be a literal, and there must be as many as placeholders). Bound on the token
    stream, not the tree: a tree walk visits a ``WITH`` clause after the select list, so the placeholder in a
    CTE would take the wrong value. A ``?`` inside a string or a comment is not a placeholder."""
    from sqlglot.dialects.trino import Trino
    from sqlglot.tokens import TokenType

    try:
        tokens = Trino().tokenize(sql)
    except sqlglot.errors.TokenError as error:
        raise AthenaError(f"SYNTAX_ERROR: line 1:1: {error}") from None
    spots = [token.start for token in tokens if token.token_type == TokenType.PLACEHOLDER]
    if len(spots) != len(parameters):
        raise AthenaError(
            f"INVALID_PARAMETER: the query has {len(spots)} placeholders but "
            f"{len(parameters)} execution parameters"
        )
    for raw in parameters:
        if not _LITERAL.fullmatch(raw.strip()):
            raise AthenaError(f"INVALID_PARAMETER: execution parameter {raw.strip()!r} is not a literal")
    for spot, raw in sorted(zip(spots, parameters, strict=True), reverse=True):
        sql = sql[:spot] + raw.strip() + sql[spot + 1 :]
    return sql


def table_refs(tree: exp.Expr, default_database: str | None) -> list[TableRef]:
    """Every catalog table the query reads (CTE names excluded), qualified with the context's database."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    refs = []
    for node in tree.find_all(exp.Table):
        if not node.name or (not node.db and node.name.lower() in ctes):
            continue
        database = (node.db or default_database or "").lower()
        if not database:
            line, col = 1, 1
            raise AthenaError(
                f"SYNTAX_ERROR: line {line}:{col}: Schema must be specified when session schema is not set"
            )
        if not node.db:
            node.set("db", exp.to_identifier(database))
        refs.append(TableRef(database, node.name.lower(), node))
    return refs


def check_comparisons(tree: exp.Expr, column_types: Mapping[str, str], sql: str) -> None:
    """Athena rejects ``bigint_column = '5'`` and ``5 = 'x'``; DuckDB would cast. ``column_types``: name →
    Glue type of every column the query can read. The position is the operator's, as Athena reports it."""
    for node in tree.find_all(*COMPARISONS):
        kinds = [_kind(side, column_types) for side in (node.left, node.right)]
        if "number" in kinds and "string" in kinds:
            after, before = _offsets(node.left)[1], _offsets(node.right)[0]
            found = sql.find(_operator(node), after + 1, before if before > after else len(sql))
            line, col = position(sql, found if found >= 0 else after + 1)
            left, right = (_type_word(side, column_types) for side in (node.left, node.right))
            raise AthenaError(
                f"SYNTAX_ERROR: line {line}:{col}: '{_operator(node)}' cannot be applied to {left}, {right}"
            )


def check_offsets(tree: exp.Expr, sql: str) -> None:
    """A literal ``from_iso8601_timestamp('…+02:00')`` used where its offset matters fails here, at its
    position; a column's values are checked as they are read (``to_duckdb``)."""
    for node in tree.find_all(exp.FromISO8601Timestamp, exp.ParseDatetime):
        value, rule = node.this, offset_rule(node)
        use = offset_use(node)
        if rule is None or use != "other" or not (isinstance(value, exp.Literal) and value.is_string):
            continue
        if offset_refused(value.this, rule):
            line, col = position(sql, start_of(node))
            raise AthenaError(f"NOT_SUPPORTED: line {line}:{col}: {offset_words(node, repr(value.this))}")


def to_duckdb(tree: exp.Expr, integer_columns: set[str]) -> str:
    """DuckDB SQL with Trino's semantics where the two differ (see the module docstring). An unnamed result
    column is ``_col<i>``, as Athena names it (DuckDB would use the expression's text)."""
    if isinstance(tree, exp.Select):
        for index, select in enumerate(tree.expressions):
            if not isinstance(select, exp.Alias | exp.Column | exp.Star):
                select.replace(exp.alias_(select.copy(), f"_col{index}"))
    tree = tree.transform(lambda node: _rewrite(node, integer_columns))
    return tree.sql(dialect="duckdb")


def _rewrite(node: exp.Expr, integer_columns: set[str]) -> exp.Expr:
    if (
        isinstance(node, exp.Div)
        and _integer(node.left, integer_columns)
        and _integer(node.right, integer_columns)
    ):
        return exp.IntDiv(this=node.left, expression=node.right)
    if isinstance(node, exp.RegexpExtract):
        pattern = node.expression
        matches = exp.Anonymous(this="regexp_matches", expressions=[node.this.copy(), pattern.copy()])
        return exp.If(this=matches, true=node.copy())  # no match → NULL (DuckDB would give '')
    if isinstance(node, exp.SplitPart):
        parts = exp.Anonymous(this="string_split", expressions=[node.this.copy(), node.args["delimiter"].copy()])
        count = exp.Anonymous(this="len", expressions=[parts])
        return exp.If(this=exp.GTE(this=count, expression=node.args["part_index"].copy()), true=node.copy())
    if isinstance(node, exp.JSONExtractScalar):
        kind = exp.Anonymous(this="json_type", expressions=[node.this.copy(), node.expression.copy()])
        complex_value = exp.In(this=kind, expressions=[exp.Literal.string("OBJECT"), exp.Literal.string("ARRAY")])
        return exp.If(
            this=exp.Not(this=exp.Coalesce(this=complex_value, expressions=[exp.false()])), true=node.copy()
        )
    rule = offset_rule(node)
    use = offset_use(node) if rule is not None else "instant"
    if use == "wall":
        return wall_time(node)
    if use == "shown":
        return shown_with_offset(node)
    guarded = rule is not None and not isinstance(node.this, exp.Literal) and use == "other"
    converted = node
    if isinstance(node, exp.ParseDatetime) and isinstance(node.args.get("format"), exp.Literal):
        fmt = strftime_of(node.args["format"].this)
        converted = exp.Anonymous(this="strptime", expressions=[node.this.copy(), exp.Literal.string(fmt)])
    if guarded and rule is not None:  # a column's values, row by row (a literal was checked when parsed)
        return offset_guard(node, converted.copy(), rule)
    if converted is not node:
        return converted
    if isinstance(node, exp.ApproxQuantile):
        return exp.Anonymous(this="quantile_disc", expressions=[node.this.copy(), node.args["quantile"].copy()])
    return node


def _integer(node: exp.Expr, integer_columns: set[str]) -> bool:
    if isinstance(node, exp.Paren):
        return _integer(node.this, integer_columns)
    if isinstance(node, exp.Literal):
        return not node.is_string and re.fullmatch(r"-?\d+", node.this) is not None
    if isinstance(node, exp.Column):
        return node.name.lower() in integer_columns
    if isinstance(node, exp.Neg):
        return _integer(node.this, integer_columns)
    if isinstance(node, exp.Count):
        return True
    if isinstance(node, exp.Cast):
        return node.to.this in exp.DataType.INTEGER_TYPES
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Mod):
        return _integer(node.left, integer_columns) and _integer(node.right, integer_columns)
    return False


def _kind(node: exp.Expr, column_types: Mapping[str, str]) -> str:
    if isinstance(node, exp.Literal):
        return "string" if node.is_string else "number"
    if isinstance(node, exp.Column):
        glue = column_types.get(node.name.lower(), "")
        base = glue.split("(")[0].split("<")[0]
        return "number" if base in _NUMERIC else "string" if base in {"string", "varchar", "char"} else ""
    return ""


def _type_word(node: exp.Expr, column_types: Mapping[str, str]) -> str:
    if isinstance(node, exp.Literal):
        return f"varchar({len(node.this)})" if node.is_string else ("integer" if node.this.isdigit() else "double")
    if isinstance(node, exp.Column):
        glue = column_types.get(node.name.lower(), "unknown")
        return {"int": "integer", "string": "varchar"}.get(glue, glue)
    return "unknown"


def _operator(node: exp.Expr) -> str:
    words: dict[type, str] = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
    return words[type(node)]


def position(sql: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``sql``."""
    offset = max(0, min(offset, len(sql)))
    line = sql.count("\n", 0, offset) + 1
    return line, offset - (sql.rfind("\n", 0, offset) + 1) + 1


def start_of(node: exp.Expr) -> int:
    """The offset of a node's first token (from the identifiers and literals sqlglot located), or 0."""
    return _offsets(node)[0]


def _offsets(node: exp.Expr) -> tuple[int, int]:
    spans = [
        (int(m["start"]), int(m["end"]))
        for candidate in (node, *node.find_all(exp.Identifier, exp.Literal))
        if "start" in (m := (getattr(candidate, "meta", None) or {}))
    ]
    if not spans:
        return 0, 0
    return min(s for s, _ in spans), max(e for _, e in spans)
