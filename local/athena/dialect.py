"""Athena (Trino) SQL → DuckDB SQL through sqlglot's parser and transpiler: parsing and binding parameters, the
tables a query reads, the checks Athena makes before running (a number compared with a string, a
``from_iso8601_timestamp`` literal whose offset would change the answer), positions in Athena's
``line L:C`` form, and ``to_duckdb``, which applies Trino's semantics where DuckDB's differ
(``local.athena.semantics``, each checked against Trino's documented behaviour in tests/standins/). The query is
parsed once; nothing here works on the SQL text.

Not for: reading tables or pruning partitions (``local.athena.tables``, ``local.athena.pruning``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from local.athena.datetimes import COMPARISONS, offset_refused, offset_rule, offset_use, offset_words

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


def to_duckdb(tree: exp.Expr, column_types: Mapping[str, str], sql: str = "") -> str:
    """DuckDB SQL with Trino's semantics where the two differ (``local.athena.semantics``). An unnamed result
    column is ``_col<i>``, as Athena names it (DuckDB would use the expression's text). The rewrites run bottom
    up, each on operands already rewritten, with the types the query's text tells noted first (``annotate``)."""
    from local.athena.semantics import annotate, rewrite

    if isinstance(tree, exp.Select):
        for index, select in enumerate(tree.expressions):
            if not isinstance(select, exp.Alias | exp.Column | exp.Star):
                select.replace(exp.alias_(select.copy(), f"_col{index}"))
    tree = tree.copy()
    annotate(tree, column_types, sql)
    for node in reversed(list(tree.dfs())):
        new = rewrite(node, column_types)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree.sql(dialect="duckdb")


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
