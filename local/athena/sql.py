"""Athena SQL executed by DuckDB over Glue tables whose data lives in the embedded S3.

The query is parsed with sqlglot (Trino dialect), its parameters bound as literals, its tables looked up
in Glue (qualified with ``QueryExecutionContext.Database``), its number/string comparisons and select aliases
checked as Athena checks them (``local.athena.names``), and it is transpiled to DuckDB with Trino's semantics
(``local.athena.dialect``; integer ÷ integer truncates through DuckDB's ``integer_division``). Only the
partitions a query needs are read (``local.athena.pruning``); ``DataScannedInBytes`` is what Athena would read
(``local.athena.tables``). Errors are in Athena's words (``local.athena.errors``). What is supported:
docs/athena-dialect.md.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlglot import exp

from local.athena.dialect import (
    AthenaError,
    bind,
    check_comparisons,
    check_offsets,
    parse,
    position,
    start_of,
    table_refs,
    to_duckdb,
)
from local.athena.errors import athena_words
from local.athena.names import check_aliases
from local.athena.projection import injected_violation, projection_filter
from local.athena.pruning import partition_filter
from local.athena.render import athena_type, cell, precision_and_scale
from local.athena.semantics import install
from local.athena.tables import Table, create_view

__all__ = ["AthenaError", "Outcome", "execute"]

Lookup = Callable[[str, str], "dict[str, Any] | None"]
"""(database, table) → the Glue ``Table`` definition, or None when it does not exist."""


@dataclass(frozen=True)
class Outcome:
    columns: list[tuple[str, str]]  # (name, Athena type)
    rows: list[list[str | None]]
    scanned: int
    shapes: list[tuple[int, int]] = field(default_factory=list)
    """ColumnInfo's (Precision, Scale) of each column: a decimal's own, (0, 0) for any other type."""


def execute(
    sql: str, parameters: list[str], lookup: Lookup, read_object: Any, database: str | None = None
) -> Outcome:
    """Run ``sql``; ``read_object(uri)`` → (bytes, size) and ``read_object.list(prefix)`` lists object URIs."""
    import duckdb

    sql = bind(sql, parameters)
    tree = parse(sql)
    refs = table_refs(tree, database)
    tables: dict[str, Table] = {}
    for ref in refs:
        definition = lookup(ref.database, ref.name)
        if definition is None:
            line, col = position(sql, start_of(ref.node))
            raise AthenaError(
                f"TABLE_NOT_FOUND: line {line}:{col}: Table 'awsdatacatalog.{ref.key}' does not exist"
            )
        try:
            tables[ref.key] = Table.of(definition)
        except ValueError as unsupported:
            raise AthenaError(f"HIVE_UNSUPPORTED_FORMAT: table {ref.key}: {unsupported}") from None
    types = {name: kind for table in tables.values() for name, kind in table.types.items()}
    check_comparisons(tree, types, sql)
    check_offsets(tree, sql)
    check_aliases(tree, types, sql)
    read = None if _selects_everything(tree) else _columns_read(tree)
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")  # Athena's session time zone
    connection.execute("SET integer_division = true")  # Trino: integer / integer truncates, by DuckDB's own types
    scanned = 0
    with tempfile.TemporaryDirectory(prefix="lookout-athena-") as workdir:
        for key, table in tables.items():
            database_name, table_name = key.split(".", 1)
            partitions = [name for name, _ in table.partitions]
            others = {n for k, t in tables.items() if k != key for n, _ in t.columns + t.partitions}
            filters = [partition_filter(tree, ref, refs, partitions, others) for ref in refs if ref.key == key]
            in_range = projection_filter(table.parameters, partitions)
            violation = injected_violation(table.parameters, partitions, tree.args.get("where"))
            if violation:
                raise AthenaError(violation)

            def wanted(values: dict[str, str], filters: list[Any] = filters, in_range: Any = in_range) -> bool:
                return in_range(values) and any(f(values) for f in filters)

            scanned += create_view(
                connection, (database_name, table_name), table, wanted, read_object, Path(workdir), read
            )
        try:
            duckdb_sql = to_duckdb(tree, types, sql)
            install(connection, duckdb_sql)  # the macros the rewrites call (local.athena.semantics)
            cursor = connection.execute(duckdb_sql)
            described = cursor.description or []
            columns = [(d[0].lower(), athena_type(str(d[1]))) for d in described]
            kinds = [d[1] for d in described]
            rows = [[cell(v, kind) for v, kind in zip(row, kinds, strict=True)] for row in cursor.fetchall()]
        except duckdb.Error as error:
            raise AthenaError(athena_words(error, tree, sql)) from None
    return Outcome(columns, rows, scanned, [precision_and_scale(str(d[1])) for d in described])


def _selects_everything(tree: exp.Expr) -> bool:
    """``SELECT *`` / ``SELECT t.*`` anywhere (not the ``*`` of ``count(*)``, which reads no column)."""
    for select in tree.find_all(exp.Select):
        for item in select.expressions:
            if isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star)):
                return True
    return False


def _columns_read(tree: exp.Expr) -> set[str]:
    return {column.name.lower() for column in tree.find_all(exp.Column)}
