"""DuckDB's failure of a query in Athena's words: its error class (FUNCTION_NOT_FOUND, COLUMN_NOT_FOUND,
DIVISION_BY_ZERO, NOT_SUPPORTED …) and the ``line L:C`` of the function, column or operator it names. A
failure with no Athena counterpart keeps DuckDB's text behind ``SYNTAX_ERROR``.

Not for: the checks made before a query runs (``local.athena.dialect``, ``local.athena.names``).
"""

from __future__ import annotations

import re

from sqlglot import exp

from local.athena.dialect import position, start_of

_RAISED = re.compile(
    r"\b(?:NOT_SUPPORTED|FUNCTION_NOT_FOUND|DIVISION_BY_ZERO|NUMERIC_VALUE_OUT_OF_RANGE|INVALID_FUNCTION_ARGUMENT"
    r"|INVALID_CAST_ARGUMENT): "
)
_CONCAT = re.compile(r"Cannot concatenate (?:lists of )?types (\S+) and (\S+)")
_TRINO_TYPES = {"INTEGER": "integer", "BIGINT": "bigint", "VARCHAR": "varchar", "DOUBLE": "double",
                "BOOLEAN": "boolean", "DATE": "date", "SMALLINT": "smallint", "TINYINT": "tinyint",
                "FLOAT": "real", "HUGEINT": "bigint"}  # fmt: skip


def athena_words(error: Exception, tree: exp.Expr, sql: str) -> str:
    """The StateChangeReason Athena would give for the query DuckDB refused with ``error``."""
    text = str(error).splitlines()[0]
    raised = _RAISED.search(text)
    if raised:  # raised by the query itself (the guards and macros of athena_semantics, athena_numbers)
        return text[raised.start() :]
    overflow = re.search(r"Overflow in (?:multiplication|addition|subtraction) of (?:INT128|DECIMAL)\S*", text)
    if overflow:  # DuckDB's limits, not Trino's (DuckDB overflows DECIMAL(18) products Trino computes)
        limit = overflow.group(0)
        return f"NOT_SUPPORTED: decimal arithmetic past the stand-in's limits ({limit}); Athena keeps 38 digits"
    if "Division by zero" in text:
        return "DIVISION_BY_ZERO: Division by zero"
    function = re.search(r"(?:Scalar|Aggregate|Table) Function with name (\w+) does not exist", text)
    if function:
        name = function.group(1).lower()
        node = next((f for f in tree.find_all(exp.Anonymous) if str(f.this).lower() == name), None)
        line, col = position(sql, sql.lower().find(name + "(")) if node is not None else (1, 1)
        return f"FUNCTION_NOT_FOUND: line {line}:{col}: Function '{name}' not registered"
    column = re.search(r'Referenced column "([^"]+)" not found', text)
    if column:
        name = column.group(1).lower()
        found = next((c for c in tree.find_all(exp.Column) if c.name.lower() == name), None)
        line, col = position(sql, start_of(found)) if found is not None else (1, 1)
        return f"COLUMN_NOT_FOUND: line {line}:{col}: Column '{name}' cannot be resolved"
    concat = _CONCAT.search(text)
    if concat:
        return _concatenation(sql, *(trino_type(t) for t in concat.groups()))
    regex = re.search(r"invalid perl operator: (\S+)|invalid named capture group|invalid escape sequence", text)
    if regex:
        return f"NOT_SUPPORTED: a Java regular expression construct RE2 does not run ({regex.group(0)})"
    return f"SYNTAX_ERROR: line 1:1: {text}"


def _concatenation(sql: str, left: str, right: str) -> str:
    """Trino's ``||`` takes two arrays of one type, or an array and an element of it; anything else it refuses.
    The stand-in rewrites the element forms only where the query's text tells the types."""
    line, col = position(sql, max(sql.find("||"), 0))
    if left == f"array({right})" or right == f"array({left})":
        return (
            f"NOT_SUPPORTED: line {line}:{col}: || of {left} and {right}: the stand-in cannot tell these types "
            "from the query's text (a CTE or subquery column); put the element in an array: xs || ARRAY[element]"
        )
    return f"FUNCTION_NOT_FOUND: line {line}:{col}: Unexpected parameters ({left}, {right}) for function concat"


def trino_type(duckdb_type: str) -> str:
    """``INTEGER[][]`` → ``array(array(integer))``."""
    if duckdb_type.endswith("[]"):
        return f"array({trino_type(duckdb_type[:-2])})"
    return _TRINO_TYPES.get(duckdb_type.upper(), duckdb_type.lower())
