"""What the normalizer makes of the configuration table's items — its configuration, from ``LOOKOUT_CONFIG``.

Without any: the generic long form (``bot.analytics.long_form``), every attribute of every item but its key as
(tenant, setting, value) rows of ``settings_events`` and ``settings_snapshot``. ``analytics.settings`` narrows
it; ``analytics.configuration`` adds typed tables of the team's own (a refinement: the long form stays)::

    analytics:
      settings:                   # optional
        tenant: tenantId          # whose item it is (default: the table's partition key)
        attributes: [preferences, features]   # the settings (default: every attribute but the key)
        ignore: [updatedAt, version]           # never settings
      configuration:              # optional: typed columns of the team's own
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
from dataclasses import dataclass, replace
from typing import Any

TYPES = ("string", "bigint", "double", "boolean", "timestamp")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
SETTINGS_TABLES = ("settings_events", "settings_snapshot")
"""The generic long form's tables (template.yaml's ``SettingsEventsTable`` and ``SettingsSnapshotTable``)."""


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

    @property
    def tables(self) -> tuple[str, str]:
        return f"{self.name}_events", f"{self.name}_snapshot"


AttributePath = tuple[str, ...]
"""An attribute path's parts: ``preferences.theme`` is ``("preferences", "theme")``."""


@dataclass(frozen=True)
class SettingsForm:
    """Which attributes are settings in the generic long form, and whose item it is."""

    tenant: str | None = None
    """The attribute whose value is the tenant; None: the table's partition key (``partition_key``)."""
    attributes: tuple[AttributePath, ...] = ()
    """The attribute paths that are settings (each with what is under it); (): every attribute but the key."""
    ignore: tuple[AttributePath, ...] = ()
    """Attribute paths that are never settings (timestamps, versions, checksums, TTL)."""
    partition_key: str | None = None
    """The table's partition key attribute, from its key schema (DescribeStream or DescribeTable at the edge);
    None: unknown — then an item whose key is one attribute is that attribute's tenant."""

    @property
    def tenant_attribute(self) -> str | None:
        return self.tenant or self.partition_key

    def selects(self, path: AttributePath) -> bool:
        """Whether an attribute path (list levels without their ``[]``) is a setting: under one of
        ``attributes`` (when any are named) and under none of ``ignore``."""
        return (not self.attributes or _under(path, self.attributes)) and not _under(path, self.ignore)


@dataclass(frozen=True)
class Normalization:
    """Everything the normalizer writes: the long form always, a mapping's typed tables when configured."""

    form: SettingsForm = SettingsForm()
    mapping: Mapping | None = None

    @property
    def tables(self) -> tuple[str, ...]:
        return SETTINGS_TABLES + (self.mapping.tables if self.mapping else ())

    def with_partition_key(self, partition_key: str | None) -> Normalization:
        return replace(self, form=replace(self.form, partition_key=partition_key))


def _under(path: AttributePath, prefixes: tuple[AttributePath, ...]) -> bool:
    return any(path[: len(prefix)] == prefix for prefix in prefixes)


def load_mapping(raw: Any, where: str) -> Mapping:
    """Validate ``analytics.configuration``; errors name ``where`` and the field."""
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: expected a mapping")
    name = str(raw.get("name") or "")
    if not _NAME.fullmatch(name):
        raise MappingError(f"{where}.name: a lower-case table name, got {name!r}")
    if name == "settings":
        raise MappingError(f"{where}.name: settings is the long form's (settings_events, settings_snapshot)")
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


def load_settings_form(raw: Any, where: str) -> SettingsForm:
    """Validate ``analytics.settings`` (None: the defaults); errors name ``where`` and the field."""
    if raw is None:
        return SettingsForm()
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: expected a mapping (tenant, attributes, ignore)")
    unknown = sorted(set(raw) - {"tenant", "attributes", "ignore"})
    if unknown:
        raise MappingError(f"{where}.{unknown[0]}: not a setting of the long form (tenant, attributes, ignore)")
    tenant = raw.get("tenant")
    if tenant is not None and (not isinstance(tenant, str) or not tenant):
        raise MappingError(f"{where}.tenant: the attribute whose value is the tenant, e.g. tenantId")
    return SettingsForm(
        tenant=tenant,
        attributes=_paths(raw.get("attributes"), f"{where}.attributes"),
        ignore=_paths(raw.get("ignore"), f"{where}.ignore"),
    )


def _paths(raw: Any, where: str) -> tuple[AttributePath, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(p, str) and p.strip(".") == p and p for p in raw):
        raise MappingError(f"{where}: a list of attribute paths, e.g. [preferences, features.beta]")
    return tuple(tuple(p.split(".")) for p in raw)


def load_normalization(config_file: str) -> Normalization:
    """``analytics.settings`` and ``analytics.configuration`` of the configuration file; neither is required."""
    section = _analytics(config_file)
    spec = section.get("configuration")
    return Normalization(
        form=load_settings_form(section.get("settings"), f"{config_file}: analytics.settings"),
        mapping=None if spec is None else load_mapping(spec, f"{config_file}: analytics.configuration"),
    )


def load_configuration_mapping(config_file: str) -> Mapping | None:
    """``analytics.configuration`` of the configuration file, or None when the file declares none."""
    return load_normalization(config_file).mapping


def _analytics(config_file: str) -> dict[str, Any]:
    from pathlib import Path

    import yaml

    raw = yaml.safe_load(Path(config_file).read_text()) or {}
    section = (raw.get("analytics") or {}) if isinstance(raw, dict) else {}
    return section if isinstance(section, dict) else {}
