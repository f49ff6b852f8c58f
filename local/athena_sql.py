"""Athena SQL executed by DuckDB over Glue tables whose data lives in the embedded S3.

Only the partitions a query needs are read (predicates on partition columns, within a projection's range),
and ``DataScannedInBytes`` is the size of the files actually read. Athena (Trino) functions that DuckDB
lacks are defined as DuckDB macros (see docs/athena-dialect.md); the SQL text itself is not rewritten.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

MACROS = (
    "CREATE MACRO approx_percentile(x, p) AS quantile_cont(x, p)",
    "CREATE MACRO from_iso8601_timestamp(s) AS CAST(replace(replace(s, 'T', ' '), 'Z', '') AS TIMESTAMP)",
    "CREATE MACRO from_iso8601_date(s) AS CAST(s AS DATE)",
    "CREATE MACRO date_format(t, f) AS strftime(t, replace(replace(f, '%i', '%M'), '%s', '%S'))",
    "CREATE MACRO to_unixtime(t) AS epoch(t)",
    "CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p)",
    "CREATE MACRO cardinality(a) AS len(a)",
)
GLUE_TO_DUCKDB = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
}
_TABLE_REF = re.compile(r"\b(?:from|join)\s+\"?([a-z_]\w*)\"?\s*\.\s*\"?([a-z_]\w*)\"?", re.IGNORECASE)
_LITERAL = re.compile(r"'(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false|null", re.IGNORECASE)


class AthenaError(Exception):
    """The query fails as Athena would fail it; ``str()`` is the StateChangeReason."""


@dataclass(frozen=True)
class Outcome:
    columns: list[tuple[str, str]]  # (name, Athena type)
    rows: list[list[str | None]]
    scanned: int


def literal_value(text: str) -> Any:
    """An ``ExecutionParameters`` entry (a SQL literal) as a value for a prepared statement."""
    raw = text.strip()
    if not _LITERAL.fullmatch(raw):
        raise AthenaError(f"INVALID_PARAMETER: execution parameter {raw!r} is not a literal")
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if raw.lower() == "null":
        return None
    return float(raw) if "." in raw else int(raw)


def execute(sql: str, parameters: list[str], tables: dict[str, dict[str, Any]], read_object: Any) -> Outcome:
    """Run ``sql``; ``tables`` maps ``db.table`` to its Glue ``Table``; ``read_object(uri)`` → (bytes, size)
    and ``read_object.list(uri)`` lists a location's object URIs."""
    import duckdb

    values = [literal_value(p) for p in parameters]
    placeholders = _placeholders(sql)
    if placeholders != len(values):
        raise AthenaError(
            f"INVALID_PARAMETER: the query has {placeholders} placeholders but {len(values)} execution parameters"
        )
    bound = _bind_for_pruning(sql, parameters)
    connection = duckdb.connect()
    for macro in MACROS:
        connection.execute(macro)
    scanned = 0
    with tempfile.TemporaryDirectory(prefix="lookout-athena-") as workdir:
        for database, table in sorted({(d.lower(), t.lower()) for d, t in _TABLE_REF.findall(sql)}):
            definition = tables.get(f"{database}.{table}")
            if definition is None:
                raise AthenaError(
                    f"TABLE_NOT_FOUND: line 1: Table 'awsdatacatalog.{database}.{table}' does not exist"
                )
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{database}"')
            scanned += _create_view(connection, database, table, definition, bound, read_object, Path(workdir))
        try:
            cursor = connection.execute(_athena_to_duckdb(sql), values)
            columns = [(d[0], _athena_type(str(d[1]))) for d in cursor.description or []]
            rows = [[_cell(v) for v in row] for row in cursor.fetchall()]
        except duckdb.Error as exc:
            raise AthenaError(f"SYNTAX_ERROR: {str(exc).splitlines()[0]}") from None
    return Outcome(columns, rows, scanned)


def _placeholders(sql: str) -> int:
    return len(re.findall(r"\?", re.sub(r"'(?:[^']|'')*'", "", sql)))


def _athena_to_duckdb(sql: str) -> str:
    """The few spellings that macros cannot cover."""
    return re.sub(r'"([a-z_]\w*)"\s*\.\s*"([a-z_]\w*)"', r'"\1"."\2"', sql)


def _bind_for_pruning(sql: str, parameters: list[str]) -> str:
    parts = re.split(r"\?", sql)
    out = parts[0]
    for part, value in zip(parts[1:], parameters + [""] * len(parts), strict=False):
        out += value + part
    return out


def _create_view(
    connection: Any,
    database: str,
    table: str,
    definition: dict[str, Any],
    sql: str,
    read_object: Any,
    workdir: Path,
) -> int:
    storage = definition.get("StorageDescriptor", {})
    columns = [(c["Name"].lower(), c["Type"].lower()) for c in storage.get("Columns", [])]
    partitions = [(k["Name"].lower(), k["Type"].lower()) for k in definition.get("PartitionKeys", [])]
    params = {k.lower(): v for k, v in (definition.get("Parameters") or {}).items()}
    location = storage.get("Location", "").rstrip("/") + "/"
    files: list[str] = []
    scanned = 0
    for uri in read_object.list(location):
        values = dict(re.findall(r"([a-z_]\w*)=([^/]+)/", uri[len(location) :]))
        if partitions and not all(
            _partition_wanted(name, values.get(name), sql, params) for name, _ in partitions
        ):
            continue
        data, size = read_object(uri)
        local = workdir / database / table / uri[len(location) :]
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(data)
        files.append(str(local))
        scanned += size
    schema = {name: GLUE_TO_DUCKDB.get(kind.split("(")[0], "VARCHAR") for name, kind in columns}
    parts = {name: GLUE_TO_DUCKDB.get(kind, "VARCHAR") for name, kind in partitions}
    if not files:
        empty = ", ".join(f'CAST(NULL AS {kind}) AS "{name}"' for name, kind in {**schema, **parts}.items())
        connection.execute(f'CREATE VIEW "{database}"."{table}" AS SELECT {empty} WHERE false')
        return 0
    parquet = "parquet" in str(storage.get("SerdeInfo", {}).get("SerializationLibrary", "")).lower()
    file_list = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    if parquet:
        reader = f"read_parquet({file_list}, hive_partitioning = true)"
    else:
        spec = "{" + ", ".join(f"'{n}': '{t}'" for n, t in schema.items()) + "}"
        reader = (
            f"read_json({file_list}, format = 'newline_delimited', columns = {spec}, hive_partitioning = true)"
        )
    casts = ", ".join([f'"{n}"' for n in schema] + [f'CAST("{n}" AS {t}) AS "{n}"' for n, t in parts.items()])
    connection.execute(f'CREATE VIEW "{database}"."{table}" AS SELECT {casts} FROM {reader}')
    return scanned


def _partition_wanted(name: str, value: str | None, sql: str, params: dict[str, str]) -> bool:
    """Whether a partition value can satisfy the query's predicates on that column (and the projection)."""
    if value is None:
        return False
    if params.get("projection.enabled") == "true" and params.get(f"projection.{name}.type") == "date":
        low, high = _projection_range(params.get(f"projection.{name}.range", ""))
        if low and value < low or high and value > high:
            return False
    column = rf'"?{re.escape(name)}"?'
    quoted = r"'((?:[^']|'')*)'"
    for low, high in re.findall(rf"{column}\s+between\s+{quoted}\s+and\s+{quoted}", sql, re.I):
        if not low <= value <= high:
            return False
    for op, bound in re.findall(rf"{column}\s*(>=|<=|=|>|<)\s*{quoted}", sql, re.I):
        if not {
            ">=": value >= bound,
            "<=": value <= bound,
            "=": value == bound,
            ">": value > bound,
            "<": value < bound,
        }[op]:
            return False
    for listed in re.findall(rf"{column}\s+in\s*\(([^)]*)\)", sql, re.I):
        if value not in re.findall(quoted, listed):
            return False
    return True


def _projection_range(spec: str) -> tuple[str | None, str | None]:
    def resolve(part: str) -> str | None:
        part = part.strip().upper()
        match = re.fullmatch(r"NOW(?:([+-])(\d+)(DAYS|YEARS|MONTHS))?", part)
        if not match:
            return part.lower() or None
        today = datetime.now(UTC).date()
        if match.group(1):
            amount = int(match.group(2)) * {"DAYS": 1, "MONTHS": 31, "YEARS": 366}[match.group(3)]
            today = today + timedelta(days=amount if match.group(1) == "+" else -amount)
        return today.isoformat()

    pieces = spec.split(",")
    return (resolve(pieces[0]), resolve(pieces[1])) if len(pieces) == 2 else (None, None)


def _athena_type(duckdb_type: str) -> str:
    kind = duckdb_type.upper()
    for prefix, athena in (
        ("VARCHAR", "varchar"),
        ("BIGINT", "bigint"),
        ("HUGEINT", "bigint"),
        ("INTEGER", "integer"),
        ("DOUBLE", "double"),
        ("FLOAT", "float"),
        ("DECIMAL", "decimal"),
        ("BOOLEAN", "boolean"),
        ("TIMESTAMP", "timestamp"),
        ("DATE", "date"),
    ):
        if kind.startswith(prefix):
            return athena
    return "varchar"


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)
