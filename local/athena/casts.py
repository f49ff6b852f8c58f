"""Trino's casts where DuckDB's differ: ``CAST('text' AS JSON)`` is the JSON string ``"text"`` (DuckDB parses the
text), ``CAST(json AS VARCHAR)`` is a JSON scalar's value (``HELLO``, not ``"HELLO"``; an object or array fails),
a ROW type's unquoted field names are lower case (``ROW(isNew BOOLEAN)`` has a field ``isnew``), and
``json_array_get(json, i)`` (from the end for a negative ``i``). A cast to varchar of a value whose type the
query's text does not tell fails with NOT_SUPPORTED where DuckDB would print it otherwise than Athena.

Not for: numeric casts (``local.athena.numbers``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from local.athena.dialect import AthenaError

if TYPE_CHECKING:
    from local.athena.sql_types import Kind

_UNTYPED = (
    "NOT_SUPPORTED: CAST(' || lower(typeof(x)) || ' AS varchar) of a value whose type the stand-in cannot tell "
    "from the query''s text: Athena prints it otherwise than DuckDB (CAST it to its type first)"
)
MACROS = (
    # CAST(json AS VARCHAR): a scalar's value (NULL for JSON null); an object or array cannot be cast
    "CREATE MACRO trino_json_text(j) AS CASE WHEN json_type(j) IN ('OBJECT', 'ARRAY') "
    "THEN error('INVALID_CAST_ARGUMENT: Cannot cast to varchar. ' || CAST(j AS VARCHAR)) "
    "ELSE json_extract_string(j, '$') END",
    # CAST(x AS VARCHAR) where the text does not tell x's type: DuckDB's text only where it is Athena's
    "CREATE MACRO trino_varchar(x) AS CASE WHEN typeof(x) IN ('JSON', 'DOUBLE', 'FLOAT') "
    "OR typeof(x) LIKE 'TIMESTAMP%' OR typeof(x) LIKE '%]' OR typeof(x) LIKE 'STRUCT%' OR typeof(x) LIKE 'MAP%' "
    f"THEN error('{_UNTYPED}') ELSE CAST(x AS VARCHAR) END",
    # Trino's to_iso8601: a date, a timestamp(3), or a timestamp(3) with time zone in UTC ('Z')
    "CREATE MACRO trino_to_iso8601(x) AS CASE "
    "WHEN typeof(x) = 'DATE' THEN strftime(CAST(x AS DATE), '%Y-%m-%d') "
    "WHEN typeof(x) = 'TIMESTAMP WITH TIME ZONE' "
    "THEN strftime(timezone('UTC', CAST(x AS TIMESTAMPTZ)), '%Y-%m-%dT%H:%M:%S.%g') || 'Z' "
    "WHEN typeof(x) LIKE 'TIMESTAMP%' THEN strftime(CAST(x AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%g') "
    "ELSE error('NOT_SUPPORTED: to_iso8601 of a ' || lower(typeof(x))) END",
)
_DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
_PLAIN_TEXT = {
    "tinyint",
    "smallint",
    "integer",
    "bigint",
    "decimal",
    "varchar",
    "char",
    "boolean",
    "date",
    "unknown",
}


def cast(node: exp.Cast) -> exp.Expr:
    """``node`` (a cast whose operand is already rewritten) as DuckDB must run it; ``meta['kinds']`` holds the
    type the query's text tells of the operand."""
    _lower_field_names(node.to)
    kinds = node.meta.get("kinds") or [None]
    of: Kind | None = kinds[0]
    if node.to.is_type(exp.DataType.Type.JSON):
        literal = "format" not in node.args and isinstance(node.this, exp.Literal)
        if not literal and ((of is not None and of.text) or _string_literal(node.this)):
            return exp.Anonymous(this="to_json", expressions=[node.this.copy()])  # the JSON string "text"
        return node
    if node.to.is_type(*exp.DataType.TEXT_TYPES) and not isinstance(node, exp.TryCast):
        if of is not None and of.name == "json":
            return exp.Anonymous(this="trino_json_text", expressions=[node.this.copy()])
        if of is not None and of.name in ("array", "map", "row"):
            raise AthenaError(f"TYPE_MISMATCH: Cannot cast {of.name} to varchar")
        if of is None or of.name not in _PLAIN_TEXT:
            return exp.Anonymous(this="trino_varchar", expressions=[node.this.copy()])
    return node


def date_arithmetic(node: exp.Expr) -> exp.Expr:
    """``date '2012-08-08' + interval '2' day`` is the date ``2012-08-10`` (DuckDB gives a timestamp); Trino
    refuses to add hours, minutes or seconds to a date."""
    kinds = node.meta.get("kinds") or [None, None]
    interval = node.expression
    if not (isinstance(node, exp.Add | exp.Sub) and isinstance(interval, exp.Interval)) or kinds[0] is None:
        return node
    if kinds[0].name != "date":
        return node
    named = interval.args.get("unit")
    unit = str(named.name if named is not None else "").upper().rstrip("S")
    if unit not in _DATE_UNITS:
        raise AthenaError("INVALID_FUNCTION_ARGUMENT: Cannot add hour, minutes or seconds to a date")
    return exp.Cast(this=node.copy(), to=exp.DataType.build("DATE"))


def subscript(node: exp.Expr) -> exp.Expr:
    """Trino's ``array[i]`` fails past the array's end (``element_at`` gives NULL) and ``map[key]`` fails for a
    missing key; DuckDB gives NULL for both. Checked where the query's text tells an array from a map."""
    if not isinstance(node, exp.Bracket) or node.args.get("safe") or len(node.expressions) != 1:
        return node
    kinds = node.meta.get("kinds") or [None]
    of = kinds[0]
    if of is None or of.name not in ("array", "map"):
        return node
    value, key = node.this, node.expressions[0]
    wrong: exp.Expr
    if of.name == "array":
        length = exp.Anonymous(this="len", expressions=[value.copy()])
        position = exp.Add(this=key.copy(), expression=exp.Literal.number(1))  # sqlglot keeps it 0-based
        words = "'INVALID_FUNCTION_ARGUMENT: Array subscript must be less than or equal to array length: ' || "
        fail = exp.Anonymous(
            this="error",
            expressions=[exp.maybe_parse(f"{words}CAST({position.sql('duckdb')} AS VARCHAR) || ' > ' || "
                                         f"CAST({length.sql('duckdb')} AS VARCHAR)", dialect="duckdb")],
        )  # fmt: skip
        wrong = exp.GT(this=exp.Paren(this=position), expression=length)
        below = exp.Anonymous(
            this="error",
            expressions=[exp.Literal.string("INVALID_FUNCTION_ARGUMENT: SQL array indices start at 1")],
        )
        low = exp.LT(this=exp.Paren(this=position.copy()), expression=exp.Literal.number(1))
        return exp.Case(ifs=[exp.If(this=low, true=below), exp.If(this=wrong, true=fail)], default=node.copy())
    else:
        fail = exp.Anonymous(
            this="error",
            expressions=[exp.DPipe(this=exp.Literal.string("INVALID_FUNCTION_ARGUMENT: Key not present in map: "),
                                   expression=exp.cast(key.copy(), exp.DataType.build("VARCHAR")))],
        )  # fmt: skip
        wrong = exp.Not(this=exp.Anonymous(this="map_contains", expressions=[value.copy(), key.copy()]))
    return exp.Case(ifs=[exp.If(this=wrong, true=fail)], default=node.copy())


def to_iso8601(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "to_iso8601" and len(node.expressions) == 1:
        return exp.Anonymous(this="trino_to_iso8601", expressions=[node.expressions[0].copy()])
    return node


def json_array_get(node: exp.Expr) -> exp.Expr:
    """Trino's ``json_array_get(json_array, index)``: the element at ``index`` (0-based; negative counts from
    the end), NULL past either end."""
    if not (isinstance(node, exp.Anonymous) and str(node.this).lower() == "json_array_get"):
        return node
    if len(node.expressions) != 2:
        return node
    array, index = (e.copy() for e in node.expressions)
    text = exp.cast(index.copy(), exp.DataType.build("VARCHAR"))
    path = exp.Case(
        ifs=[
            exp.If(
                this=exp.GTE(this=index.copy(), expression=exp.Literal.number(0)),
                true=exp.DPipe(this=exp.DPipe(this=exp.Literal.string("$["), expression=text.copy()),
                               expression=exp.Literal.string("]")),
            )
        ],
        default=exp.DPipe(this=exp.DPipe(this=exp.Literal.string("$[#"), expression=text),
                          expression=exp.Literal.string("]")),
    )  # fmt: skip
    return exp.Anonymous(this="json_extract", expressions=[exp.cast(array, exp.DataType.build("JSON")), path])


def _lower_field_names(kind: exp.Expr) -> None:
    """Trino folds an unquoted ROW field name to lower case, as it folds every unquoted identifier."""
    for definition in kind.find_all(exp.ColumnDef):
        name = definition.this
        if isinstance(name, exp.Identifier) and not name.quoted:
            name.set("this", name.this.lower())


def _string_literal(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and node.is_string
