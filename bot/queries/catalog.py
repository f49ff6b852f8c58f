"""The query configuration (services and their log groups, traffic backend, limits, allowlists: the sections of
the configuration file, validated by its model, ``bot.config.model``) and the saved-query catalog, loaded from
YAML in the repo and validated with errors that name file and field.

Saved queries use ``{{name}}`` placeholders for their parameters and the window (``{{start}}``, ``{{end}}``,
``{{start_day}}``, ``{{end_day}}``). An Athena query may read only its declared tables, an Insights query only
its declared log groups.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from bot.config.model import load_lookout
from bot.queries.params import PARAM_TYPES, ParameterError, ParamSpec, format_duration, parse_duration

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

Engine = Literal["insights", "athena"]
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
WINDOW_PLACEHOLDERS = ("start", "end", "start_day", "end_day")
_IDENT = re.compile(r"[a-z_][a-z0-9_]{0,127}")
_LOG_GROUP = re.compile(r"[\w./#-]{1,512}")
_QUERY_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


class CatalogError(ValueError):
    """The configuration or a saved query is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class Window:
    default: timedelta
    maximum: timedelta


@dataclass(frozen=True)
class SavedQuery:
    name: str
    description: str
    engine: Engine
    text: str
    params: tuple[ParamSpec, ...]
    window: Window
    log_groups: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    source: str = ""

    def check_tables(self) -> None:
        """Raise ``CatalogError`` unless an Athena query reads only its declared tables (parsed by sqlglot once
        per process; ``load_config(check_sql=False)`` leaves it to here, before the query runs)."""
        if self.engine == "athena":
            _check_tables(self.text, self.tables, f"{self.source}: {self.name}")

    def usage(self) -> str:
        args = [p.usage() if p.required else f"[{p.usage()}]" for p in self.params]
        widest, default = format_duration(self.window.maximum), format_duration(self.window.default)
        since = f"[since=<duration ≤ {widest}>, default {default}]"
        return " ".join(["/query", self.name, *args, since])


@dataclass(frozen=True)
class Access:
    users: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def allows(self, user: str, channel: str) -> bool:
        return (not self.users or user in self.users) and (not self.channels or channel in self.channels)


@dataclass(frozen=True)
class TrafficConfig:
    backend: Engine = "athena"
    database: str | None = None
    """None: the Athena database Lookout runs its queries in (``athena.database``, or the stack's)."""
    table: str = "access_events"
    log_groups: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QueryConfig:
    services: dict[str, tuple[str, ...]]
    default_service: str
    window: Window
    traffic: TrafficConfig
    athena_workgroup: str = "lookout"
    athena_database: str = "lookout"
    """The Glue database unqualified table names read (``QueryExecutionContext``); a deployed stack's
    functions get the stack's own workgroup and database from the template (``Settings``)."""
    athena_timeout: timedelta = timedelta(seconds=90)
    insights_timeout: timedelta = timedelta(seconds=60)
    insights_max_concurrent: int = 4
    access: dict[str, Access] = field(default_factory=dict)
    queries: dict[str, SavedQuery] = field(default_factory=dict)

    def access_for(self, command: str) -> Access:
        return self.access.get(command, Access())


def load_config(
    config_file: Path, queries_dir: Path | Sequence[Path] | None = None, *, check_sql: bool = True
) -> QueryConfig:
    """Read and validate the configuration file (a ``ConfigError`` names the file and the field) and every
    ``*.yaml`` saved-query file of ``queries_dir`` (a ``CatalogError``): one folder, or several (a sequence, or
    one path naming them separated by ``os.pathsep``, as ``PATH`` does — ``LOOKOUT_QUERIES=infra/queries:
    team/queries``); a name defined twice is an error.
    ``check_sql=False``: an Athena query's SQL is parsed when it first runs (``SavedQuery.check_tables``), not
    now — the Slack function's init and ack stay clear of sqlglot (~80 ms of CPU); CI and ``lookout`` load with
    the check."""
    spec = load_lookout(config_file)  # the file's model: every error names the file and the field
    queries: dict[str, SavedQuery] = {}
    for path in (p for folder in query_folders(queries_dir) for p in sorted(folder.glob("*.yaml"))):
        for query in load_queries(path, check_sql=check_sql):
            if query.name in queries:
                raise CatalogError(f"{path}: {query.name}: defined twice (also in {queries[query.name].source})")
            queries[query.name] = query
    return QueryConfig(
        services={name: tuple(service.log_groups) for name, service in spec.services.items()},
        default_service=spec.default_service or next(iter(spec.services)),
        window=Window(spec.window.default, spec.window.maximum),
        traffic=TrafficConfig(
            backend=spec.traffic.backend,
            database=spec.traffic.database,
            table=spec.traffic.table,
            log_groups=tuple(spec.traffic.log_groups) if spec.traffic.backend == "insights" else (),
            fields={str(key): name for key, name in spec.traffic.fields.items()},
        ),
        athena_workgroup=spec.athena.workgroup,
        athena_database=spec.athena.database.lower(),
        athena_timeout=spec.athena.timeout,
        insights_timeout=spec.insights.timeout,
        insights_max_concurrent=spec.insights.max_concurrent,
        access={
            command: Access(users=tuple(rule.users), channels=tuple(rule.channels))
            for command, rule in spec.access.items()
        },
        queries=queries,
    )


def query_folders(queries_dir: Path | Sequence[Path] | None) -> tuple[Path, ...]:
    """The saved-query folders ``queries_dir`` names, in order (see ``load_config``)."""
    from pathlib import Path, PurePath

    if queries_dir is None:
        return ()
    if isinstance(queries_dir, PurePath | str):
        return tuple(Path(part) for part in str(queries_dir).split(os.pathsep) if part)
    return tuple(queries_dir)


def load_queries(path: Path, *, check_sql: bool = True) -> list[SavedQuery]:
    raw = _yaml_list(path)
    queries = [_saved_query(entry, f"{path}: [{i}]", str(path)) for i, entry in enumerate(raw)]
    for query in queries if check_sql else []:
        query.check_tables()
    return queries


def _saved_query(raw: object, where: str, source: str) -> SavedQuery:
    spec = _mapping(raw, where)
    name = _match(_QUERY_NAME, str(spec.get("name", "")), f"{where}.name")
    where = f"{source}: {name}"
    engine = str(spec.get("engine", ""))
    if engine not in ("insights", "athena"):
        raise CatalogError(f"{where}: engine must be insights or athena, got {engine!r}")
    text = str(spec.get("text") or "").strip()
    if not text:
        raise CatalogError(f"{where}: text is empty")
    params = tuple(
        _param(pname, pspec, f"{where}: params.{pname}")
        for pname, pspec in _mapping(spec.get("params") or {}, f"{where}: params").items()
    )
    names = {p.name for p in params}
    for placeholder in PLACEHOLDER.findall(text):
        if placeholder not in names and placeholder not in WINDOW_PLACEHOLDERS:
            raise CatalogError(f"{where}: text uses {{{{{placeholder}}}}} but params does not declare it")
    unused = names - set(PLACEHOLDER.findall(text))
    if unused:
        raise CatalogError(f"{where}: params {', '.join(sorted(unused))} are declared but not used in text")
    window = _window(spec.get("window"), f"{where}: window", Window(timedelta(hours=1), timedelta(days=7)))
    if engine == "insights":
        log_groups = _log_groups(spec.get("log_groups"), f"{where}: log_groups")
        return SavedQuery(
            name,
            str(spec.get("description", "")),
            "insights",
            text,
            params,
            window,
            log_groups=log_groups,
            source=source,
        )
    tables = tuple(_table(t, f"{where}: tables") for t in _list(spec.get("tables"), f"{where}: tables"))
    if not tables:
        raise CatalogError(f"{where}: tables: an Athena query declares the tables it may read")
    return SavedQuery(
        name, str(spec.get("description", "")), "athena", text, params, window, tables=tables, source=source
    )


@functools.cache
def _check_tables(text: str, tables: tuple[str, ...], where: str) -> None:
    for table in tables_read(text, where):
        if table not in tables:  # an unqualified name is Lookout's database's; a qualified one, that database's
            raise CatalogError(f"{where}: text reads {table}, which is not in tables ({', '.join(tables)})")


def tables_read(text: str, where: str) -> list[str]:
    """Every catalog table an Athena query reads (``db.table``, or ``table`` when unqualified), parsed in
    Athena's dialect (Trino) by sqlglot: comma joins, subqueries and joins count; CTE names do not.
    Placeholders are parsed as parameters, which they become."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    try:
        tree = sqlglot.parse_one(PLACEHOLDER.sub("?", text), read="trino")
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        at = f" (line {first.get('line')}, column {first.get('col')})" if first else ""
        why = first.get("description", error)
        raise CatalogError(f"{where}: text is not valid Athena SQL{at}: {why}") from None
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    read = []
    for node in tree.find_all(exp.Table):
        if not node.name or (not node.db and node.name.lower() in ctes):
            continue
        read.append(f"{node.db}.{node.name}".lower() if node.db else node.name.lower())
    return read


def _param(name: str, raw: object, where: str) -> ParamSpec:
    spec = _mapping(raw, where)
    kind = str(spec.get("type", "string"))
    if kind not in PARAM_TYPES:
        raise CatalogError(f"{where}: type must be one of {', '.join(PARAM_TYPES)}, got {kind!r}")
    if name in WINDOW_PLACEHOLDERS or not _IDENT.fullmatch(name):
        raise CatalogError(f"{where}: {name!r} is not a usable parameter name")
    choices = tuple(str(c).lower() for c in _list(spec.get("choices"), f"{where}: choices"))
    if kind == "enum" and not choices:
        raise CatalogError(f"{where}: an enum parameter lists its choices")
    param = ParamSpec(
        name=name,
        type=kind,  # type: ignore[arg-type]
        description=str(spec.get("description", "")),
        default=None if spec.get("default") is None else str(spec["default"]),
        choices=choices,
        minimum=None if spec.get("min") is None else _int(spec["min"], f"{where}: min", -(10**12), 10**12),
        maximum=None if spec.get("max") is None else _int(spec["max"], f"{where}: max", -(10**12), 10**12),
        max_duration=None
        if spec.get("max") is None or kind != "duration"
        else _duration(spec["max"], f"{where}: max"),
        required=spec.get("default") is None,
    )
    if param.default is not None:
        try:
            param.validate(param.default)
        except ParameterError as exc:
            raise CatalogError(f"{where}: default: {exc}") from None
    return param


# --- small validators ---------------------------------------------------------------------------------


def _yaml_list(path: Path) -> list[object]:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in: a cold ack reads these
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    except OSError as exc:
        raise CatalogError(f"{path}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, list):
        raise CatalogError(f"{path}: expected a list at the top level")
    return data


def _mapping(raw: object, where: str) -> dict[str, object]:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a mapping")
    return {str(k): v for k, v in raw.items()}


def _list(raw: object, where: str) -> list[object]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CatalogError(f"{where}: expected a list")
    return raw


def _match(pattern: re.Pattern[str], value: str, where: str) -> str:
    if not pattern.fullmatch(value):
        raise CatalogError(f"{where}: {value!r} is not a valid name")
    return value


def _log_groups(raw: object, where: str) -> tuple[str, ...]:
    groups = tuple(str(g) for g in _list(raw, where))
    if not groups or len(groups) > 50:
        raise CatalogError(f"{where}: give between 1 and 50 log groups")
    for group in groups:
        _match(_LOG_GROUP, group, where)
    return groups


def _table(raw: object, where: str) -> str:
    """``table`` (in Lookout's database, the stack's own) or ``database.table``."""
    parts = str(raw).lower().split(".")
    if len(parts) not in (1, 2) or not all(_IDENT.fullmatch(p) for p in parts):
        raise CatalogError(f"{where}: {raw!r} is not table or database.table")
    return ".".join(parts)


def _duration(raw: object, where: str) -> timedelta:
    try:
        return parse_duration(str(raw))
    except ParameterError as exc:
        raise CatalogError(f"{where}: {exc}") from None


def _int(raw: object, where: str, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise CatalogError(f"{where}: expected a whole number between {low} and {high}, got {raw!r}")
    return raw


def _window(raw: object, where: str, fallback: Window) -> Window:
    if raw is None:
        return fallback
    spec = _mapping(raw, where)
    default = _duration(spec.get("default", "1h"), f"{where}.default")
    maximum = _duration(spec.get("max", "7d"), f"{where}.max")
    if default > maximum:
        raise CatalogError(f"{where}: default is wider than max")
    return Window(default, maximum)
