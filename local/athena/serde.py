"""How Athena reads a text table's S3 objects: which SerDe and input format the stand-in can read faithfully,
the object's compression (by its extension, as Hadoop's codecs pick it), and its records — one JSON object per
line, or CloudTrail's ``{"Records": [...]}`` files (``CloudTrailInputFormat``) — conformed to the table's schema
the way the JSON SerDes match them: column and struct field names case-insensitively, map keys as written, and a
JSON object or array in a ``string`` column as its JSON text (``json_extract_scalar(requestparameters, …)``).

Not for listing objects or building the DuckDB view (``local.athena.tables``).
"""

from __future__ import annotations

import bz2
import gzip
import json
import zlib
from typing import TYPE_CHECKING, Any, Literal

from sqlglot import exp

from local.athena.dialect import AthenaError

if TYPE_CHECKING:
    from collections.abc import Callable

Layout = Literal["parquet", "json", "cloudtrail"]
JSON_SERDES = ("org.openx.data.jsonserde.JsonSerDe", "org.apache.hive.hcatalog.data.JsonSerDe")
CLOUDTRAIL_SERDE = "com.amazon.emr.hive.serde.CloudTrailSerde"
CLOUDTRAIL_INPUT = "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
_TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
_CODECS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.decompress,
    ".bz2": bz2.decompress,
    ".deflate": zlib.decompress,
}
_UNREAD_CODECS = (".snappy", ".lz4", ".zst", ".lzo", ".br")
_TEXT = {exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR, exp.DataType.Type.TEXT, exp.DataType.Type.NVARCHAR}


def layout_of(serde: str, input_format: str) -> Layout:
    """The layout of a table's objects; ``ValueError`` naming the SerDe or input format the stand-in does not
    read (it would misread them: RegexSerDe, CSV, a JSON SerDe over another input format, …)."""
    lowered_serde, lowered_input = serde.lower(), input_format.lower()
    if "parquet" in lowered_serde or "parquet" in lowered_input:
        return "parquet"
    json_serde = lowered_serde in (s.lower() for s in JSON_SERDES)
    if lowered_input == CLOUDTRAIL_INPUT.lower():
        if json_serde or lowered_serde == CLOUDTRAIL_SERDE.lower():
            return "cloudtrail"
        raise ValueError(f"SerDe {serde or '(none)'} over {input_format}")
    if lowered_serde == CLOUDTRAIL_SERDE.lower():
        raise ValueError(f"{serde} without {CLOUDTRAIL_INPUT} (input format {input_format or '(none)'})")
    if json_serde and lowered_input in ("", _TEXT_INPUT.lower()):
        return "json"
    if json_serde:
        raise ValueError(f"input format {input_format} (the stand-in reads JSON with {_TEXT_INPUT})")
    return _refused(serde)


def _refused(serde: str) -> Layout:
    raise ValueError(
        f"SerDe {serde or '(none)'}: the embedded stack reads JSON ({', '.join(JSON_SERDES)}), CloudTrail "
        "and Parquet tables"
    )


def decompressed(uri: str, data: bytes) -> bytes:
    """The object's text bytes: Athena decompresses a text object by its extension (``.gz``, ``.bz2``, …)."""
    name = uri.rsplit("/", 1)[-1].lower()
    for extension in _UNREAD_CODECS:
        if name.endswith(extension):
            raise AthenaError(f"NOT_SUPPORTED: {uri}: the stand-in does not decompress {extension} objects")
    for extension, decompress in _CODECS.items():
        if name.endswith(extension):
            try:
                return decompress(data)
            except (OSError, EOFError, zlib.error) as error:
                raise AthenaError(f"HIVE_CURSOR_ERROR: {uri}: {error}") from None
    return data


def records(layout: Layout, uri: str, data: bytes) -> list[Any]:
    """The JSON records of one object: a line each, or the ``Records`` of a CloudTrail file (a file without
    them — a digest file — holds none: the stand-in's reading, the guide does not say)."""
    text = decompressed(uri, data).decode("utf-8", errors="replace")
    if layout == "cloudtrail":
        document = _json(text, uri)
        found = document.get("Records") if isinstance(document, dict) else None
        return list(found) if isinstance(found, list) else []
    return [_json(line, uri) for line in text.splitlines() if line.strip()]


def _json(text: str, uri: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise AthenaError(f"HIVE_CURSOR_ERROR: Row is not a valid JSON Object - {error} ({uri})") from None


def parsed_types(columns: list[tuple[str, str]]) -> dict[str, exp.DataType | None]:
    """Column name → its parsed Glue type (None when sqlglot cannot parse it: the value is kept as read)."""
    parsed: dict[str, exp.DataType | None] = {}
    for name, glue in columns:
        try:
            parsed[name] = exp.DataType.build(glue, dialect="hive")
        except Exception:  # noqa: BLE001 - an unknown Glue type reads as text
            parsed[name] = None
    return parsed


def conform_row(record: Any, columns: dict[str, exp.DataType | None], uri: str) -> dict[str, Any]:
    """One record as the table's row: keys matched to columns case-insensitively (the first spelling wins)."""
    if not isinstance(record, dict):
        raise AthenaError(f"HIVE_CURSOR_ERROR: Row is not a valid JSON Object ({uri})")
    row: dict[str, Any] = {}
    for key, value in record.items():
        name = str(key).lower()
        if name in columns and name not in row:
            row[name] = conform(value, columns[name])
    return row


def conform(value: Any, kind: exp.DataType | None) -> Any:
    if value is None or kind is None:
        return value
    if kind.this == exp.DataType.Type.STRUCT and isinstance(value, dict):
        fields = {d.name.lower(): d.args.get("kind") for d in kind.expressions if isinstance(d, exp.ColumnDef)}
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key).lower()
            if name in fields and name not in out:
                out[name] = conform(item, fields[name])
        return out
    if kind.this == exp.DataType.Type.ARRAY and isinstance(value, list):
        element = kind.expressions[0] if kind.expressions else None
        return [conform(item, element if isinstance(element, exp.DataType) else None) for item in value]
    if kind.this == exp.DataType.Type.MAP and isinstance(value, dict) and len(kind.expressions) == 2:
        of = kind.expressions[1]
        return {key: conform(item, of if isinstance(of, exp.DataType) else None) for key, item in value.items()}
    if kind.this in _TEXT and isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if kind.this in _TEXT and isinstance(value, bool):
        return "true" if value else "false"
    return value
