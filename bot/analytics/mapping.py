"""Which attributes of a DynamoDB item become which typed columns — the normalizer's configuration.

``infra/lookout.yaml``::

    analytics:
      configuration:              # the table whose stream is normalized
        name: field_mappings      # output table prefix: field_mappings_events, field_mappings_snapshot
        key: [tenant, mappingId]  # the item's key attributes
        columns:                  # column: {from: attribute path, type: glue type}
          tenant: {from: tenant, type: string}
          mapping_id: {from: mappingId, type: string}
        explode:                  # optional: one row per element of a list attribute (field mappings)
          from: fields
          columns:
            field_id: {from: fieldId, type: string}
            uses: {from: uses, type: bigint}

Paths are dot-separated (``settings.theme``). Not for: reading stream records (``bot.analytics.normalize``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

TYPES = ("string", "bigint", "double", "boolean", "timestamp")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


class MappingError(ValueError):
    """The mapping is invalid; the message names the file and field."""


@dataclass(frozen=True)
class Column:
    name: str
    path: tuple[str, ...]
    type: str


@dataclass(frozen=True)
class Mapping:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    explode_path: tuple[str, ...] = ()
    explode_columns: tuple[Column, ...] = ()

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + self.explode_columns


def load_mapping(raw: Any, where: str) -> Mapping:
    """Validate ``analytics.configuration``; errors name ``where`` and the field."""
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: expected a mapping")
    name = str(raw.get("name") or "")
    if not _NAME.fullmatch(name):
        raise MappingError(f"{where}.name: a lower-case table name, got {name!r}")
    key = raw.get("key")
    if not isinstance(key, list) or not key or not all(isinstance(k, str) and k for k in key):
        raise MappingError(f"{where}.key: the item's key attribute names, as a list")
    columns = _columns(raw.get("columns"), f"{where}.columns")
    explode = raw.get("explode")
    if explode is None:
        return Mapping(name, tuple(key), columns)
    if not isinstance(explode, dict) or not isinstance(explode.get("from"), str):
        raise MappingError(f"{where}.explode: needs from (a list attribute) and columns")
    exploded = _columns(explode.get("columns"), f"{where}.explode.columns")
    clash = {c.name for c in columns} & {c.name for c in exploded}
    if clash:
        raise MappingError(f"{where}.explode.columns: {', '.join(sorted(clash))} already in columns")
    return Mapping(name, tuple(key), columns, tuple(explode["from"].split(".")), exploded)


def _columns(raw: Any, where: str) -> tuple[Column, ...]:
    if not isinstance(raw, dict) or not raw:
        raise MappingError(f"{where}: at least one column: {{from: attribute, type: {'|'.join(TYPES)}}}")
    columns = []
    for name, spec in raw.items():
        if not _NAME.fullmatch(str(name)) or name in ("op", "at", "item_key", "deleted", "sequence"):
            raise MappingError(f"{where}.{name}: a lower-case column name not reserved by the normalizer")
        if not isinstance(spec, dict) or not isinstance(spec.get("from"), str) or not spec["from"]:
            raise MappingError(f"{where}.{name}.from: the attribute (path) it comes from")
        kind = str(spec.get("type", "string"))
        if kind not in TYPES:
            raise MappingError(f"{where}.{name}.type: one of {', '.join(TYPES)}, got {kind!r}")
        columns.append(Column(str(name), tuple(spec["from"].split(".")), kind))
    return tuple(columns)


def load_configuration_mapping(config_file: str) -> Mapping | None:
    """``analytics.configuration`` of the configuration file, or None when the file declares none."""
    from pathlib import Path

    import yaml

    raw = yaml.safe_load(Path(config_file).read_text()) or {}
    section = (raw.get("analytics") or {}) if isinstance(raw, dict) else {}
    spec = section.get("configuration") if isinstance(section, dict) else None
    return None if spec is None else load_mapping(spec, f"{config_file}: analytics.configuration")
