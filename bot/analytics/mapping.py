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

Paths are dot-separated (``settings.theme``). The sections are validated by their model (``bot.config.model``:
``SettingsSection``, ``Configuration``); this module makes the normalizer's values of them. Not for: reading
stream records (``bot.analytics.normalize``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.config import model

SETTINGS_TABLES = ("settings_events", "settings_snapshot")
"""The generic long form's tables (template.yaml's ``SettingsEventsTable`` and ``SettingsSnapshotTable``)."""


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


def load_normalization(config_file: str) -> Normalization:
    """``analytics.settings`` and ``analytics.configuration`` of the configuration file; neither is required."""
    analytics = model.load_lookout(config_file).analytics
    return Normalization(
        form=settings_form(analytics.settings),
        mapping=None if analytics.configuration is None else mapping_of(analytics.configuration),
    )


def load_configuration_mapping(config_file: str) -> Mapping | None:
    """``analytics.configuration`` of the configuration file, or None when the file declares none."""
    return load_normalization(config_file).mapping


def load_mapping(raw: object, where: str) -> Mapping:
    """``analytics.configuration`` as parsed YAML, validated; a ``ConfigError`` names ``where`` and the field."""
    return mapping_of(model.validated(raw, model.Configuration, section=where))


def load_settings_form(raw: object, where: str) -> SettingsForm:
    """``analytics.settings`` as parsed YAML (None: the defaults), validated."""
    return settings_form(None if raw is None else model.validated(raw, model.SettingsSection, section=where))


def mapping_of(spec: model.Configuration) -> Mapping:
    def columns(specs: dict[str, model.Column]) -> tuple[Column, ...]:
        return tuple(Column(name, tuple(c.source.split(".")), c.type) for name, c in specs.items())

    explode = spec.explode
    return Mapping(
        spec.name,
        tuple(spec.key),
        columns(spec.columns),
        explode_path=() if explode is None else tuple(explode.source.split(".")),
        explode_columns=() if explode is None else columns(explode.columns),
    )


def settings_form(spec: model.SettingsSection | None) -> SettingsForm:
    if spec is None:
        return SettingsForm()
    return SettingsForm(
        tenant=spec.tenant,
        attributes=tuple(tuple(p.split(".")) for p in spec.attributes),
        ignore=tuple(tuple(p.split(".")) for p in spec.ignore),
    )
