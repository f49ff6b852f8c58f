"""One model for Lookout's configuration files — ``infra/lookout.yaml`` (``LookoutFile``) and ``infra/checks.yaml``
(``ChecksFile``) — checked once, when loaded, by msgspec: every mapping refuses keys it does not know, a value out
of range is an error that names the limit (never silently capped), and every error names the file and the field
(``infra/checks.yaml: checks[2].evry: unknown key``). The domain modules turn these into their own values
(``bot.queries.catalog``, ``bot.analytics.*``, ``bot.checks.config``). Not for: the environment
(``bot.config.settings``), the saved queries (``bot.queries.catalog``), or deciding anything.

Why msgspec: the Slack function loads this file in its init, before its first ack, so the library was chosen by
its cold-start cost. ``bench/config_load.py`` imports each candidate, defines the same model and validates the
shipped ``infra/lookout.yaml`` in a fresh interpreter per run (YAML read included; 15 rounds, interleaved); ms on
this project's 2-core machine, min / median / max:

=====================  =====================  ===============================================
candidate              alone                  after the handlers' imports (boto3, Powertools)
=====================  =====================  ===============================================
YAML only (the floor)  11.9 / 13.2 / 20.1     10.7 / 11.6 / 37.8
msgspec                36.3 / 38.8 / 72.2     20.3 / 23.7 / 45.6
attrs + cattrs         54.7 / 57.5 / 78.8     40.2 / 50.3 / 92.4
jsonschema             67.1 / 70.8 / 122.8    45.9 / 50.3 / 120.9
pydantic 2             99.5 / 107.6 / 120.0   71.5 / 80.9 / 221.1
=====================  =====================  ===============================================

As the Slack function loads it (``bot.queries.catalog.load_config``, after the handlers' imports): 25.4 ms median,
where the hand-written loader this model replaced took 21.4 ms (measured the same way before the change).

A key with no value (``checks:`` with every check commented out) counts as absent; values keep YAML's types (a
string is not a number); the defaults are the documented ones.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal, TypeVar, get_args, get_origin
from urllib.parse import urlsplit

import msgspec
from msgspec import Meta, field

from bot.config.errors import ConfigError, reworded
from bot.queries.params import ParameterError, parse_duration

T = TypeVar("T")

# --- values written as text ----------------------------------------------------------------------------------


class Duration(timedelta):
    """A duration written ``90s``, ``15m``, ``2h``, ``1h30m``, ``7d`` or ``1w``."""


class Milliseconds(float):
    """A latency written ``1500ms`` or ``2s``."""


class Rate(float):
    """A rate written ``5%`` or ``0.05``; from 0 to 1."""


def _decode(kind: type, value: object) -> object:
    """msgspec's ``dec_hook``: the text forms above (a ``ValueError`` becomes an error at the field), and the value
    of a field that takes any value (typed ``object``, which msgspec hands to this hook when there is one)."""
    if kind is object:
        return value
    if kind is Duration:
        return _duration(value)
    if kind is Milliseconds:
        text = str(value).strip().lower()
        if isinstance(value, str) and text.endswith("ms") and re.fullmatch(r"\d+(\.\d+)?", text[:-2].strip()):
            return Milliseconds(text[:-2])
        return Milliseconds(_duration(value).total_seconds() * 1000)
    if kind is Rate:
        return _rate(value)
    raise NotImplementedError(kind)


def _duration(value: object) -> Duration:
    if not isinstance(value, str):
        raise ValueError(f"a duration such as 30s, 15m, 2h or 7d, got {value!r}")
    try:
        return Duration(seconds=parse_duration(value).total_seconds())
    except ParameterError as error:
        raise ValueError(str(error)) from None


def _rate(value: object) -> Rate:
    text = str(value).strip()
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"a rate such as 5% or 0.05, got {value!r}") from None
    if not 0 <= number <= 1:
        raise ValueError(f"a rate between 0% and 100%, got {value!r}")
    return Rate(number)


_AT = "\x1f"


def _invalid(where: str, message: str) -> ValueError:
    """An error found after the types (in ``__post_init__``) at ``where`` under the struct, e.g. ``timeout``."""
    return ValueError(f"{where}{_AT}{message}")


# --- names and other constrained text ------------------------------------------------------------------------

ServiceName = Annotated[
    str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z", description="a service name: letters, digits, . _ -")
]
LogGroup = Annotated[str, Meta(pattern=r"^[\w./#-]{1,512}\Z", description="a log group name")]
Ident = Annotated[str, Meta(pattern=r"^[a-z_][a-z0-9_]{0,127}\Z", description="a lower-case name: a-z, 0-9, _")]
Database = Annotated[str, Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}\Z", description="a Glue database name")]
Workgroup = Annotated[str, Meta(pattern=r"^[a-zA-Z0-9._-]{1,128}\Z", description="an Athena workgroup name")]
SlackId = Annotated[
    str,
    Meta(pattern=r"^[UWCGD][A-Z0-9]{2,20}\Z", description="a Slack user or channel id such as U012ABC or C045DEF"),
]
FieldName = Annotated[
    str, Meta(pattern=r"^@?[A-Za-z_][\w.]{0,127}\Z", description="a field of the access-log line")
]
SlashLine = Annotated[str, Meta(pattern=r"^/", description="a slash command line, e.g. /traffic 7d by customer")]
AttributePath = Annotated[
    str, Meta(pattern=r"^[^.]+(\.[^.]+)*\Z", description="an attribute path, e.g. preferences or features.beta")
]
TableName = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}\Z", description="a lower-case table name")]
CheckName = Annotated[
    str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,62}\Z", description="a check name: lower case, digits, -")
]
Region = Annotated[str, Meta(pattern=r"^[a-z]{2}(-[a-z]+)+-\d\Z", description="a region code such as eu-west-1")]
NonEmpty = Annotated[str, Meta(min_length=1)]
Status = Annotated[int, Meta(ge=100, le=599, description="an HTTP status")]
TagValue = str | int | float


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A mapping of the file: unknown keys refused."""


# --- infra/lookout.yaml --------------------------------------------------------------------------------------


class Service(Strict):
    log_groups: Annotated[
        list[LogGroup], Meta(min_length=1, max_length=50, description="between 1 and 50 log groups")
    ]


class Window(Strict):
    default: Duration = Duration(hours=1)
    maximum: Duration = field(name="max", default=Duration(days=7))

    def __post_init__(self) -> None:
        if self.default > self.maximum:
            raise _invalid("default", "wider than max")


class Traffic(Strict):
    backend: Literal["athena", "insights"] = "athena"
    database: Ident | None = None
    table: Ident = "access_events"
    log_groups: Annotated[list[LogGroup], Meta(max_length=50)] = []
    fields: dict[Literal["customer", "endpoint", "status", "latency", "bytes"], FieldName] = {}

    def __post_init__(self) -> None:
        if self.backend == "insights" and not self.log_groups:
            raise _invalid("log_groups", "backend insights reads log groups: give between 1 and 50")


class Athena(Strict):
    workgroup: Workgroup = "lookout"
    database: Database = "lookout"
    timeout: Duration = Duration(seconds=90)


class Insights(Strict):
    timeout: Duration = Duration(seconds=60)
    max_concurrent: Annotated[int, Meta(ge=1, le=30, description="the account allows 30 at once")] = 4


class AccessRule(Strict):
    users: list[SlackId] = []
    channels: list[SlackId] = []


class Digest(Strict):
    channel: Annotated[str, Meta(min_length=1, description="the channel to post to")]
    queries: Annotated[list[SlashLine], Meta(min_length=1, description="slash command lines")]
    schedule: object = msgspec.UNSET

    def __post_init__(self) -> None:
        if self.schedule is not msgspec.UNSET:
            raise _invalid(
                "schedule",
                "moved to the template: its DigestDay, DigestHour and DigestTimezone parameters (EventBridge "
                "Scheduler runs the digest on a cron in that time zone); remove it here",
            )


class Attribution(Strict):
    field: NonEmpty = "clientKey"
    path_segment: Annotated[int, Meta(ge=1, description="a path segment's position, from 1")] | None = None


class AccessEvents(Strict):
    attribution: Attribution = field(default_factory=Attribution)


class SettingsSection(Strict):
    tenant: Annotated[str, Meta(min_length=1, description="the attribute holding the tenant")] | None = None
    attributes: list[AttributePath] = []
    ignore: list[AttributePath] = []


RESERVED_COLUMNS = ("op", "at", "item_key", "deleted", "sequence")
"""Columns the normalizer writes itself."""


class Column(Strict):
    source: Annotated[str, Meta(min_length=1, description="the attribute (path) it comes from")] = field(
        name="from"
    )
    type: Literal["string", "bigint", "double", "boolean", "timestamp"] = "string"


Columns = Annotated[
    dict[TableName, Column], Meta(min_length=1, description="column: {from: attribute path, type: glue type}")
]


def _reserved(columns: dict[str, Column], where: str) -> None:
    for name in columns:
        if name in RESERVED_COLUMNS:
            raise _invalid(f"{where}.{name}", f"reserved by the normalizer ({', '.join(RESERVED_COLUMNS)})")


class Explode(Strict):
    source: Annotated[str, Meta(min_length=1, description="a list attribute")] = field(name="from")
    columns: Columns

    def __post_init__(self) -> None:
        _reserved(self.columns, "columns")


class Configuration(Strict):
    name: TableName
    key: Annotated[list[NonEmpty], Meta(min_length=1, description="the item's key attribute names")]
    columns: Columns
    explode: Explode | None = None

    def __post_init__(self) -> None:
        if self.name == "settings":
            raise _invalid("name", "settings is the long form's (settings_events, settings_snapshot)")
        _reserved(self.columns, "columns")
        clash = sorted(set(self.columns) & set(self.explode.columns if self.explode else ()))
        if clash:
            raise _invalid("explode.columns", f"{', '.join(clash)} already in columns")


class Analytics(Strict):
    access_events: AccessEvents = field(default_factory=AccessEvents)
    settings: SettingsSection | None = None
    configuration: Configuration | None = None


class LookoutFile(Strict):
    """``infra/lookout.yaml``: what /errors, /traffic and /query may read, their limits, the digest, analytics."""

    services: Annotated[
        dict[ServiceName, Service], Meta(min_length=1, description="list at least one service with its log_groups")
    ]
    default_service: str | None = None
    """None: the first service."""
    window: Window = field(default_factory=Window)
    traffic: Traffic = field(default_factory=Traffic)
    athena: Athena = field(default_factory=Athena)
    insights: Insights = field(default_factory=Insights)
    access: dict[Literal["/errors", "/traffic", "/query"], AccessRule] = {}
    digest: Digest | None = None
    analytics: Analytics = field(default_factory=Analytics)

    def __post_init__(self) -> None:
        if self.default_service is not None and self.default_service not in self.services:
            raise _invalid("default_service", f"{self.default_service!r} is not one of the services")


# --- infra/checks.yaml ---------------------------------------------------------------------------------------

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_TIMEOUT = Duration(seconds=30)
"""The longest an HTTP check may wait: the checks function runs every check within its minute."""


class JsonCheck(Strict):
    expression: Annotated[str, Meta(description="a JMESPath expression")]
    equals: object

    def __post_init__(self) -> None:
        import jmespath
        from jmespath.exceptions import ParseError

        try:
            jmespath.compile(self.expression)
        except ParseError as error:
            raise _invalid("expression", f"not JMESPath: {error}") from None


class HttpCheck(Strict):
    url: Annotated[str, Meta(description="an http(s) URL")]
    method: str = "GET"
    expect_status: Status | list[Status] = field(default_factory=lambda: [200])
    body_contains: str | None = None
    json: JsonCheck | None = None
    headers_secret: str | None = None
    headers: object = msgspec.UNSET
    timeout: Duration = Duration(seconds=5)
    max_latency: Milliseconds | None = None
    retries: Annotated[int, Meta(ge=0, le=5)] = 0

    def __post_init__(self) -> None:
        if self.headers is not msgspec.UNSET:
            raise _invalid("headers", "header values never go in the file; use headers_secret")
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _invalid("url", f"an http(s) URL, got {self.url!r}")
        if self.method.upper() not in METHODS:
            raise _invalid("method", f"one of {', '.join(METHODS)}, got {self.method!r}")
        if self.timeout > MAX_TIMEOUT:
            limit, got = _seconds(MAX_TIMEOUT), _seconds(self.timeout)
            raise _invalid("timeout", f"at most {limit} (every check runs within its minute), got {got}")

    @property
    def statuses(self) -> tuple[int, ...]:
        return tuple(self.expect_status) if isinstance(self.expect_status, list) else (self.expect_status,)


XRAY_LIMITS = ("max_error_rate", "max_fault_rate", "max_throttle_rate", "max_p95", "max_average")


class XRayCheck(Strict):
    service: Annotated[str, Meta(min_length=1, description="the X-Ray node's name")]
    window: Duration = Duration(minutes=5)
    min_requests: Annotated[int, Meta(ge=1, le=10**9)] = 1
    max_error_rate: Rate | None = None
    max_fault_rate: Rate | None = None
    max_throttle_rate: Rate | None = None
    max_p95: Milliseconds | None = None
    max_average: Milliseconds | None = None

    def __post_init__(self) -> None:
        if all(getattr(self, limit) is None for limit in XRAY_LIMITS):
            raise _invalid("", f"give at least one of {', '.join(XRAY_LIMITS)}")
        if not timedelta(minutes=1) <= self.window <= timedelta(hours=6):
            raise _invalid("window", f"from 1m to 6h (GetServiceGraph's range), got {_seconds(self.window)}")


class CheckSpec(Strict):
    name: CheckName
    description: str = ""
    http: HttpCheck | None = None
    xray: XRayCheck | None = None
    every: Duration = Duration(minutes=1)
    fail_after: Annotated[int, Meta(ge=1, le=100)] = 2
    regions: Region | list[Region] = []
    tags: dict[str, TagValue] = {}

    def __post_init__(self) -> None:
        if (self.http is None) == (self.xray is None):
            raise _invalid("", "give exactly one of http or xray")
        seconds = int(self.every.total_seconds())
        if seconds % 60 or seconds > 24 * 3600:
            raise _invalid("every", f"whole minutes up to 24h, got {_seconds(self.every)}")

    @property
    def region_list(self) -> tuple[str, ...]:
        return tuple(self.regions) if isinstance(self.regions, list) else (self.regions,)


class ChecksFile(Strict):
    """``infra/checks.yaml``: the scheduled checks."""

    checks: list[CheckSpec] = []

    def __post_init__(self) -> None:
        seen: dict[str, int] = {}
        for index, check in enumerate(self.checks):
            if check.name in seen:
                also = f"also checks[{seen[check.name]}]"
                raise _invalid(f"checks[{index}].name", f"{check.name} is defined twice ({also})")
            seen[check.name] = index


def _seconds(value: timedelta) -> str:
    return f"{value.total_seconds():g}s"


# --- loading -------------------------------------------------------------------------------------------------


def load_lookout(path: str | Path) -> LookoutFile:
    """``infra/lookout.yaml`` (or ``LOOKOUT_CONFIG``), validated; ``ConfigError`` names the file and the field."""
    return validated(read_yaml(path), LookoutFile, file=str(path))


def load_checks_file(path: str | Path) -> ChecksFile:
    """``infra/checks.yaml`` (or ``LOOKOUT_CHECKS``), validated."""
    return validated(read_yaml(path), ChecksFile, file=str(path))


def read_yaml(path: str | Path) -> object:
    """The file's YAML (libyaml's parser when built in); a missing or malformed file is a ``ConfigError``."""
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from None


def validated(raw: object, kind: type[T], *, file: str = "", section: str = "") -> T:
    """``raw`` (parsed YAML) as ``kind``. Every error begins with ``file`` and the field's path, under
    ``section`` when ``raw`` is one (``analytics.settings``)."""
    raw = {} if raw is None and not section else _without_empty_keys(raw)
    try:
        return msgspec.convert(raw, kind, dec_hook=_decode)
    except msgspec.ValidationError as error:
        path, message = _explained(str(error), raw, kind)
        where = ".".join(p for p in (section, path) if p)
        raise ConfigError(": ".join(p for p in (file, where, message) if p)) from None


def _without_empty_keys(raw: object) -> object:
    """YAML's ``key:`` with no value is as if the key were absent (``equals: null`` of a JSON check is a value)."""
    if isinstance(raw, dict):
        return {k: _without_empty_keys(v) for k, v in raw.items() if v is not None or k == "equals"}
    if isinstance(raw, list):
        return [_without_empty_keys(v) for v in raw]
    return raw


# --- errors that name the field ------------------------------------------------------------------------------
# msgspec says "Object contains unknown field `evry` - at `$.checks[2]`"; this says "checks[2].evry: unknown key
# (expected one of: name, description, http, …)", with the value that was refused and the field's description.
# Only a failed load runs this code.

FieldPath = list[str | int]


def _explained(text: str, raw: object, kind: type) -> tuple[str, str]:
    """msgspec's error → (the field's path, what is wrong with it)."""
    message, found, at = text.rpartition(" - at `")
    if not found:
        message, at = text, "$`"
    key_error = at.startswith("key` in `")
    if key_error:
        at = at.split("`")[2]
    path: FieldPath = [name or (int(index) if index != "..." else "...") for name, index in _STEPS.findall(at)]
    value, tp, path = _locate(raw, kind, path)
    hint = ""
    if _AT in message:  # one of ours (``_invalid``): it says what the field takes
        under, message = message.split(_AT, 1)
        path += [int(index) if index else name for name, index in _OUR_STEPS.findall(under)]
        path = _locate(raw, kind, path)[2]
    elif key_error:
        key_type = _key_type(tp)
        bad = [k for k in (value if isinstance(value, dict) else {}) if not _fits(k, key_type)]
        path.append(str(bad[0]) if bad else "?")
        choices = ", ".join(map(str, _choices(key_type)))
        message = f"unknown key (expected one of: {choices})" if choices else "not a valid key"
        hint = "" if choices else _hint(key_type)
    elif message.startswith("Object contains unknown field"):
        known = _fields(tp)
        path.append(message.split("`")[1])
        message = "unknown key" + (f" (expected one of: {', '.join(known)})" if known else "")
    elif message.startswith("Object missing required field"):
        name = message.split("`")[1]
        path.append(name)
        message, hint = "required", _hint(_fields(tp).get(name))
    elif message.startswith(("Expected", "Invalid enum value")):  # msgspec's words for a wrong value
        message, hint = reworded(message, value, _choices(tp)), _hint(tp)
    if hint and hint not in message:
        message = f"{message} ({hint})"
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip("."), message


_STEPS = re.compile(r"\.(\w+)|\[(\d+|\.\.\.)\]")
_OUR_STEPS = re.compile(r"(?:^|\.)([^.\[\]]+)|\[(\d+)\]")


def _locate(raw: object, kind: object, path: FieldPath) -> tuple[object, object, FieldPath]:
    """The value and the type at ``path``. msgspec names no key of a dict (``[...]``): that becomes the first key
    whose value does not validate. Types are type expressions, read at run time; ``object`` is msgspec's "any
    value"."""
    value, tp, found = raw, kind, list[str | int]()
    for step in path:
        tp = _member(tp, step)
        if step == "...":
            value_type = get_args(tp)[1] if get_origin(tp) is dict else object
            items = value.items() if isinstance(value, dict) else []
            key, value = next(((k, v) for k, v in items if not _fits(v, value_type)), ("?", None))
            found.append(str(key))
            tp = value_type
        elif isinstance(step, int):
            value = value[step] if isinstance(value, list) and step < len(value) else None
            tp = get_args(tp)[0] if get_origin(tp) is list else object
            found.append(step)
        else:
            fields = _fields(tp) or ({step: get_args(tp)[1]} if get_origin(tp) is dict else {})
            step = {f.name: f.encode_name for f in _struct_fields(tp)}.get(step, step)  # from_ → from
            value = value.get(step) if isinstance(value, dict) else None
            tp = fields.get(step, object)
            found.append(step)
    return value, tp, found


def _member(tp: object, step: str | int) -> object:
    """The member of a union (or the type under ``Annotated``) that a path step goes into."""
    tp = _bare(tp)
    members = [_bare(m) for m in get_args(tp)] if _is_union(tp) else [tp]
    for member in members:
        if isinstance(step, int) and get_origin(member) is list:
            return member
        if step == "..." and get_origin(member) is dict:
            return member
        if isinstance(step, str) and step != "..." and (_fields(member) or get_origin(member) is dict):
            return member
    return members[0]


def _bare(tp: object) -> object:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _is_union(tp: object) -> bool:
    import types
    import typing

    return get_origin(tp) in (typing.Union, types.UnionType)


def _struct_fields(tp: object) -> tuple[msgspec.structs.FieldInfo, ...]:
    tp = _bare(tp)
    if _is_union(tp):
        return next((f for f in map(_struct_fields, get_args(tp)) if f), ())
    return msgspec.structs.fields(tp) if isinstance(tp, type) and issubclass(tp, msgspec.Struct) else ()


def _fields(tp: object) -> dict[str, object]:
    return {f.encode_name: f.type for f in _struct_fields(tp)}


def _key_type(tp: object) -> object:
    tp = _member(tp, "...")
    return get_args(tp)[0] if get_origin(tp) is dict else object


def _fits(value: object, tp: object) -> bool:
    try:
        msgspec.convert(value, tp, dec_hook=_decode)
    except (msgspec.ValidationError, TypeError, NotImplementedError):
        return False
    return True


def _choices(tp: object) -> tuple[object, ...]:
    tp = _bare(tp)
    for member in map(_bare, get_args(tp) if _is_union(tp) else (tp,)):
        if get_origin(member) is Literal:
            return get_args(member)
    return ()


_WRITTEN: dict[object, str] = {
    Duration: "a duration such as 30s, 15m, 2h or 7d",
    Milliseconds: "such as 1500ms or 2s",
}
_WRITTEN |= {Rate: "a rate such as 5% or 0.05"}


def _hint(tp: object) -> str:
    """The field's description (``Meta(description=…)``), or how its text form is written."""
    for member in [tp, *get_args(tp)] if _is_union(tp) else [tp]:
        if get_origin(member) is Annotated:
            for meta in get_args(member)[1:]:
                if isinstance(meta, Meta) and meta.description:
                    return meta.description
        if (written := _WRITTEN.get(_bare(member))) is not None:
            return written
    return ""
