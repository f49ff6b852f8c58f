"""A Glue table of the embedded stack as a DuckDB view: its S3 objects listed, partitions read from the path
(Hive ``name=value/`` or the projection's ``storage.location.template``), filtered, and read the way Athena's
SerDe reads them. Returns the bytes Athena would scan.

- JSON (OpenX or Hive JSON SerDe, one object a line) and CloudTrail (``CloudTrailInputFormat``: a
  ``{"Records": [...]}`` file, a row per record): decompressed by extension and conformed to the schema by
  ``local.athena.serde``; the whole object (compressed) is scanned.
- Parquet: the column chunks of the columns the query reads are scanned (``parquet_metadata``).
- Glue types (``struct<…>``, ``array<…>``, ``map<…>``, ``decimal(p,s)``) map to DuckDB's through sqlglot.

Not for: deciding which partitions a query needs (``local.athena.pruning``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from local.athena.serde import Layout, conform_row, layout_of, parsed_types, records

if TYPE_CHECKING:
    from pathlib import Path

    from local.athena.pruning import Wanted


@dataclass(frozen=True)
class Table:
    """What the engine needs of a Glue ``Table``."""

    columns: list[tuple[str, str]]
    """(lower-case name, Glue type)"""
    partitions: list[tuple[str, str]]
    location: str
    layout: Layout
    parameters: dict[str, str]

    @classmethod
    def of(cls, definition: dict[str, Any]) -> Table:
        """Raises ``ValueError`` for a SerDe or input format the stand-in cannot read faithfully (regex, CSV)."""
        storage = definition.get("StorageDescriptor", {})
        serde = str(storage.get("SerdeInfo", {}).get("SerializationLibrary", ""))
        layout = layout_of(serde, str(storage.get("InputFormat", "")))
        return cls(
            columns=[(c["Name"].lower(), c["Type"].lower()) for c in storage.get("Columns", [])],
            partitions=[(k["Name"].lower(), k["Type"].lower()) for k in definition.get("PartitionKeys", [])],
            location=storage.get("Location", "").rstrip("/") + "/",
            layout=layout,
            parameters={k.lower(): str(v) for k, v in (definition.get("Parameters") or {}).items()},
        )

    @property
    def parquet(self) -> bool:
        return self.layout == "parquet"

    @property
    def types(self) -> dict[str, str]:
        return dict(self.columns + self.partitions)


def duckdb_type(glue: str) -> str:
    try:
        return exp.DataType.build(glue, dialect="hive").sql(dialect="duckdb")
    except Exception:  # noqa: BLE001 - an unknown Glue type reads as text, as Athena shows it
        return "VARCHAR"


def create_view(
    connection: Any,
    name: tuple[str, str],
    table: Table,
    wanted: Wanted,
    read_object: Any,
    workdir: Path,
    columns_read: set[str] | None,
) -> int:
    """Create ``"db"."table"`` over the partitions ``wanted`` accepts; the bytes Athena would scan."""
    database, table_name = name
    selects: list[str] = []
    scanned = 0
    schema = {column: duckdb_type(kind) for column, kind in table.columns}
    spec = "{" + ", ".join(f"'{n}': '{t}'" for n, t in schema.items()) + "}"
    glue = parsed_types(table.columns)
    for index, (uri, values) in enumerate(_objects(table, read_object)):
        if table.partitions and not wanted(values):
            continue
        data, size = read_object(uri)
        local = workdir / database / table_name / f"{index:06d}"
        local.parent.mkdir(parents=True, exist_ok=True)
        constants = "".join(
            f', CAST({_quote(values.get(p, ""))} AS {duckdb_type(kind)}) AS "{p}"' for p, kind in table.partitions
        )
        columns = ", ".join(f'"{n}"' for n in schema)
        if table.parquet:
            local.write_bytes(data)
            selects.append(f"SELECT {columns}{constants} FROM read_parquet({_quote(str(local))})")
            scanned += _parquet_bytes(connection, str(local), columns_read, size)
        else:
            rows = (conform_row(record, glue, uri) for record in records(table.layout, uri, data))
            local.write_text("".join(json.dumps(row) + "\n" for row in rows))
            selects.append(
                f"SELECT {columns}{constants} FROM read_json({_quote(str(local))}, "
                f"format = 'newline_delimited', columns = {spec})"
            )
            scanned += size
    if not selects:
        empty = ", ".join(
            f'CAST(NULL AS {t}) AS "{n}"'
            for n, t in [*schema.items(), *((p, duckdb_type(k)) for p, k in table.partitions)]
        )
        selects = [f"SELECT {empty} WHERE false"]
    connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{database}"')
    connection.execute(f'CREATE VIEW "{database}"."{table_name}" AS ' + " UNION ALL ".join(selects))
    return scanned


def _objects(table: Table, read_object: Any) -> list[tuple[str, dict[str, str]]]:
    """(object URI, partition values from its path) for every data object of the table."""
    template = table.parameters.get("storage.location.template")
    if template and table.parameters.get("projection.enabled") == "true":
        base = template.split("${", 1)[0]
        pattern = _template_pattern(template, table)
        found = []
        for uri in read_object.list(base):
            match = pattern.match(uri)
            if match:
                found.append((uri, match.groupdict()))
        return found
    found = []
    for uri in read_object.list(table.location):
        values = dict(re.findall(r"([A-Za-z_]\w*)=([^/]+)/", uri[len(table.location) :]))
        found.append((uri, {k.lower(): v for k, v in values.items()}))
    return found


def _template_pattern(template: str, table: Table) -> re.Pattern[str]:
    """``s3://b/AWSLogs/${day}`` → a pattern whose groups are the partition values (a date formatted
    ``yyyy/MM/dd`` spans three path segments)."""
    out, rest = "^", template
    while "${" in rest:
        before, _, after = rest.partition("${")
        name, _, rest = after.partition("}")
        segments = table.parameters.get(f"projection.{name.lower()}.format", "").count("/") + 1
        out += re.escape(before) + f"(?P<{name.lower()}>[^/]+" + "(?:/[^/]+)" * (segments - 1) + ")"
    return re.compile(out + re.escape(rest.rstrip("/")) + "/")


def _parquet_bytes(connection: Any, path: str, columns: set[str] | None, size: int) -> int:
    """The compressed size of the column chunks a query reads (all of them for ``SELECT *``)."""
    rows = connection.execute(
        "SELECT path_in_schema, total_compressed_size FROM parquet_metadata(?)", [path]
    ).fetchall()
    if columns is None:
        return size
    read = sum(int(chunk) for column, chunk in rows if str(column).split(".")[0].lower() in columns)
    return read


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
