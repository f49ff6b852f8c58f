"""Cold-start cost of validating the configuration file, per validation library: the choice behind
``bot.config.model``. The Slack function loads ``infra/lookout.yaml`` in its init, before its first ack, so the
figure that matters is what a fresh process pays to import a library, define the model and validate the shipped
file with it.

Each run is a fresh interpreter (``python bench/config_load.py --child NAME [--after-handler-imports]``) that
times, with ``perf_counter`` from its first line to the validated value (interpreter start-up and shutdown not
counted): the import of the library, the model's definition and ``infra/lookout.yaml`` read (libyaml) and
validated. The candidates validate the same model — every section of the file, unknown keys refused, names by
pattern, numbers by range, durations parsed (``90s``, ``7d``), the digest's moved ``schedule`` refused:

- ``msgspec``: ``bot.config.model`` itself (what Lookout ships; its error wording is loaded only on a failure);
- ``msgspec, catalog``: the same as the Slack function's init loads it, ``bot.queries.catalog.load_config``
  (the model's values made the query configuration's; the saved queries are a separate cost, not counted);
- ``attrs + cattrs``, ``pydantic 2``, ``jsonschema``: the same model in each library's idiom (below);
- ``yaml only``: the file parsed and nothing checked — the floor.

Two settings: alone (the library's import is the process's first) and after the handlers' own imports (boto3
and Powertools' logger and metrics, which every function imports first: a library sharing their dependencies
costs less there). Rounds are interleaved (each candidate once per round, BENCH_RUNS rounds, default 15);
min / median / max in ms of CPU wall time on this machine. Lambda's CPU at the Slack function's memory scales
these by about 1769 / MemorySize. No AWS or Slack call is involved.
"""

# No ``from __future__ import annotations`` here: the candidates define their models inside functions, and attrs,
# cattrs and pydantic resolve a string annotation against module globals, where a local class is not.
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "infra" / "lookout.yaml"
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
DURATION = r"^\s*(\d+\s*[wdhms]\s*)+$"


def seconds(text: str) -> int:
    """The candidates' shared duration parser (the one ``bot.config.model`` uses)."""
    from bot.queries.params import parse_duration

    return int(parse_duration(text).total_seconds())


def raw_file() -> object:
    import yaml

    return yaml.load(CONFIG.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def candidate_yaml_only() -> object:
    return raw_file()


def candidate_msgspec() -> object:
    from bot.config.model import load_lookout

    return load_lookout(CONFIG)


def candidate_catalog() -> object:
    from bot.queries.catalog import load_config

    return load_config(CONFIG)


def candidate_pydantic() -> object:
    from datetime import timedelta
    from typing import Annotated, Any, Literal

    from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

    def duration(value: Any) -> timedelta:
        if not isinstance(value, str):
            raise ValueError("a duration such as 30m")
        return timedelta(seconds=seconds(value))

    Duration = Annotated[timedelta, BeforeValidator(duration)]

    def text(pattern: str) -> Any:
        return Annotated[str, StringConstraints(pattern=pattern)]

    class Strict(BaseModel):
        # Rust's regex engine refuses the log-group pattern (\w, 512 times, is over its size limit): Python's re
        model_config = ConfigDict(extra="forbid", strict=True, frozen=True, regex_engine="python-re")

    class Service(Strict):
        log_groups: Annotated[list[text(r"^[\w./#-]{1,512}$")], Field(min_length=1, max_length=50)]

    class Window(Strict):
        default: Duration = timedelta(hours=1)
        max: Duration = timedelta(days=7)

    class Traffic(Strict):
        backend: Literal["athena", "insights"] = "athena"
        database: text(r"^[a-z_][a-z0-9_]{0,127}$") | None = None
        table: text(r"^[a-z_][a-z0-9_]{0,127}$") = "access_events"
        log_groups: list[text(r"^[\w./#-]{1,512}$")] = []
        fields: dict[Literal["customer", "endpoint", "status", "latency", "bytes"], str] = {}

    class Athena(Strict):
        workgroup: text(r"^[a-zA-Z0-9._-]{1,128}$") = "lookout"
        database: text(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$") = "lookout"
        timeout: Duration = timedelta(seconds=90)

    class Insights(Strict):
        timeout: Duration = timedelta(seconds=60)
        max_concurrent: Annotated[int, Field(ge=1, le=30)] = 4

    class Rule(Strict):
        users: list[text(r"^[UWCGD][A-Z0-9]{2,20}$")] = []
        channels: list[text(r"^[UWCGD][A-Z0-9]{2,20}$")] = []

    class Digest(Strict):
        channel: Annotated[str, Field(min_length=1)]
        queries: Annotated[list[text(r"^/")], Field(min_length=1)]
        schedule: Any = None

        @model_validator(mode="after")
        def moved(self) -> Any:
            if self.schedule is not None:
                raise ValueError("schedule: moved to the template")
            return self

    class Attribution(Strict):
        field: str = "clientKey"
        path_segment: Annotated[int, Field(ge=1)] | None = None

    class AccessEvents(Strict):
        attribution: Attribution = Attribution()

    class SettingsSection(Strict):
        tenant: str | None = None
        attributes: list[str] = []
        ignore: list[str] = []

    class Column(Strict):
        source: str = Field(alias="from")
        type: Literal["string", "bigint", "double", "boolean", "timestamp"] = "string"

    class Explode(Strict):
        source: str = Field(alias="from")
        columns: dict[text(r"^[a-z][a-z0-9_]{0,63}$"), Column]

    class Configuration(Strict):
        name: text(r"^[a-z][a-z0-9_]{0,63}$")
        key: Annotated[list[str], Field(min_length=1)]
        columns: dict[text(r"^[a-z][a-z0-9_]{0,63}$"), Column]
        explode: Explode | None = None

    class Analytics(Strict):
        access_events: AccessEvents = AccessEvents()
        settings: SettingsSection | None = None
        configuration: Configuration | None = None

    class LookoutFile(Strict):
        services: Annotated[dict[text(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"), Service], Field(min_length=1)]
        default_service: str | None = None
        window: Window = Window()
        traffic: Traffic = Traffic()
        athena: Athena = Athena()
        insights: Insights = Insights()
        access: dict[Literal["/errors", "/traffic", "/query"], Rule] = {}
        digest: Digest | None = None
        analytics: Analytics = Analytics()

    return LookoutFile.model_validate(raw_file())


def candidate_cattrs() -> object:
    import re
    from datetime import timedelta
    from typing import Any, Literal

    import attrs
    from attrs import validators as v
    from cattrs import Converter
    from cattrs.gen import make_dict_structure_fn, override

    def pattern(regex: str) -> Any:
        return v.matches_re(regex, func=re.search)

    name = pattern(r"^[a-z_][a-z0-9_]{0,127}$")
    log_group = v.deep_iterable(pattern(r"^[\w./#-]{1,512}$"))

    @attrs.frozen
    class Service:
        log_groups: list[str] = attrs.field(validator=[log_group, v.min_len(1), v.max_len(50)])

    @attrs.frozen
    class Window:
        default: timedelta = timedelta(hours=1)
        max: timedelta = timedelta(days=7)

    @attrs.frozen
    class Traffic:
        backend: Literal["athena", "insights"] = attrs.field(
            default="athena", validator=v.in_(("athena", "insights"))
        )
        database: str | None = attrs.field(default=None, validator=v.optional(name))
        table: str = attrs.field(default="access_events", validator=name)
        log_groups: list[str] = attrs.field(factory=list, validator=log_group)
        fields: dict[str, str] = attrs.field(factory=dict)

    @attrs.frozen
    class Athena:
        workgroup: str = attrs.field(default="lookout", validator=pattern(r"^[a-zA-Z0-9._-]{1,128}$"))
        database: str = attrs.field(default="lookout", validator=pattern(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"))
        timeout: timedelta = timedelta(seconds=90)

    @attrs.frozen
    class Insights:
        timeout: timedelta = timedelta(seconds=60)
        max_concurrent: int = attrs.field(default=4, validator=[v.instance_of(int), v.ge(1), v.le(30)])

    slack_ids = v.deep_iterable(pattern(r"^[UWCGD][A-Z0-9]{2,20}$"))

    @attrs.frozen
    class Rule:
        users: list[str] = attrs.field(factory=list, validator=slack_ids)
        channels: list[str] = attrs.field(factory=list, validator=slack_ids)

    @attrs.frozen
    class Digest:
        channel: str = attrs.field(validator=v.min_len(1))
        queries: list[str] = attrs.field(validator=[v.min_len(1), v.deep_iterable(pattern(r"^/"))])
        schedule: Any = attrs.field(default=None, validator=v.in_((None,)))

    @attrs.frozen
    class Attribution:
        field: str = "clientKey"
        path_segment: int | None = attrs.field(default=None, validator=v.optional(v.ge(1)))

    @attrs.frozen
    class AccessEvents:
        attribution: Attribution = Attribution()

    @attrs.frozen
    class SettingsSection:
        tenant: str | None = None
        attributes: list[str] = attrs.field(factory=list)
        ignore: list[str] = attrs.field(factory=list)

    @attrs.frozen
    class Column:
        source: str
        type: str = attrs.field(
            default="string", validator=v.in_(("string", "bigint", "double", "boolean", "timestamp"))
        )

    @attrs.frozen
    class Explode:
        source: str
        columns: dict[str, Column]

    @attrs.frozen
    class Configuration:
        name: str = attrs.field(validator=pattern(r"^[a-z][a-z0-9_]{0,63}$"))
        key: list[str] = attrs.field(validator=v.min_len(1))
        columns: dict[str, Column] = attrs.field(factory=dict)
        explode: Explode | None = None

    @attrs.frozen
    class Analytics:
        access_events: AccessEvents = AccessEvents()
        settings: SettingsSection | None = None
        configuration: Configuration | None = None

    @attrs.frozen
    class LookoutFile:
        services: dict[str, Service] = attrs.field(validator=v.min_len(1))
        default_service: str | None = None
        window: Window = Window()
        traffic: Traffic = Traffic()
        athena: Athena = Athena()
        insights: Insights = Insights()
        access: dict[str, Rule] = attrs.field(factory=dict)
        digest: Digest | None = None
        analytics: Analytics = Analytics()

    converter = Converter(forbid_extra_keys=True)
    converter.register_structure_hook(timedelta, lambda value, _: timedelta(seconds=seconds(value)))
    for kind in (Column, Explode):  # "from" in the file
        rename = make_dict_structure_fn(
            kind, converter, _cattrs_forbid_extra_keys=True, source=override(rename="from")
        )
        converter.register_structure_hook(kind, rename)
    return converter.structure(raw_file(), LookoutFile)


def candidate_jsonschema() -> object:
    from jsonschema import Draft202012Validator

    def strict(properties: dict[str, object], required: tuple[str, ...] = ()) -> dict[str, object]:
        return {
            "type": "object",
            "properties": properties,
            "required": list(required),
            "additionalProperties": False,
        }

    def text(pattern: str) -> dict[str, object]:
        return {"type": "string", "pattern": pattern}

    duration = text(DURATION)
    names = text(r"^[a-z_][a-z0-9_]{0,127}$")
    groups = {"type": "array", "items": text(r"^[\w./#-]{1,512}$"), "maxItems": 50}
    ids = {"type": "array", "items": text(r"^[UWCGD][A-Z0-9]{2,20}$")}
    column = strict(
        {
            "from": {"type": "string", "minLength": 1},
            "type": {"enum": ["string", "bigint", "double", "boolean", "timestamp"]},
        },
        ("from",),
    )
    columns = {
        "type": "object",
        "minProperties": 1,
        "propertyNames": text(r"^[a-z][a-z0-9_]{0,63}$"),
        "additionalProperties": column,
    }
    schema = strict(
        {
            "services": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": text(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
                "additionalProperties": strict({"log_groups": groups | {"minItems": 1}}, ("log_groups",)),
            },
            "default_service": {"type": "string"},
            "window": strict({"default": duration, "max": duration}),
            "traffic": strict(
                {
                    "backend": {"enum": ["athena", "insights"]},
                    "database": names,
                    "table": names,
                    "log_groups": groups,
                    "fields": {
                        "type": "object",
                        "propertyNames": {"enum": ["customer", "endpoint", "status", "latency", "bytes"]},
                    },
                }
            ),
            "athena": strict(
                {
                    "workgroup": text(r"^[a-zA-Z0-9._-]{1,128}$"),
                    "database": text(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"),
                    "timeout": duration,
                }
            ),
            "insights": strict(
                {"timeout": duration, "max_concurrent": {"type": "integer", "minimum": 1, "maximum": 30}}
            ),
            "access": {
                "type": "object",
                "propertyNames": {"enum": ["/errors", "/traffic", "/query"]},
                "additionalProperties": strict({"users": ids, "channels": ids}),
            },
            "digest": strict(
                {
                    "channel": {"type": "string", "minLength": 1},
                    "queries": {"type": "array", "minItems": 1, "items": text(r"^/")},
                },
                ("channel", "queries"),
            ),
            "analytics": strict(
                {
                    "access_events": strict(
                        {
                            "attribution": strict(
                                {"field": {"type": "string"}, "path_segment": {"type": "integer", "minimum": 1}}
                            )
                        }
                    ),
                    "settings": strict(
                        {
                            "tenant": {"type": "string", "minLength": 1},
                            "attributes": {"type": "array"},
                            "ignore": {"type": "array"},
                        }
                    ),
                    "configuration": strict(
                        {
                            "name": text(r"^[a-z][a-z0-9_]{0,63}$"),
                            "key": {"type": "array", "minItems": 1},
                            "columns": columns,
                            "explode": strict({"from": {"type": "string"}, "columns": columns}),
                        },
                        ("name", "key", "columns"),
                    ),
                }
            ),
        },
        ("services",),
    )
    data = raw_file()
    Draft202012Validator(schema).validate(data)
    assert isinstance(data, dict)
    for section, key in (("window", "default"), ("window", "max"), ("athena", "timeout"), ("insights", "timeout")):
        if key in data.get(section, {}):
            seconds(data[section][key])  # the values a schema checks only by pattern
    return data


CANDIDATES = {
    "yaml only": candidate_yaml_only,
    "msgspec": candidate_msgspec,
    "msgspec, catalog": candidate_catalog,
    "attrs + cattrs": candidate_cattrs,
    "pydantic 2": candidate_pydantic,
    "jsonschema": candidate_jsonschema,
}


def child(name: str, *, after_handler_imports: bool) -> None:
    sys.path.insert(0, str(ROOT))
    if after_handler_imports:
        import boto3  # noqa: F401
        from aws_lambda_powertools import Logger, Metrics  # noqa: F401
    started = time.perf_counter()
    CANDIDATES[name]()
    print(f"{(time.perf_counter() - started) * 1000:.3f}")


def run(name: str, *, after_handler_imports: bool) -> float:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name]
    command += ["--after-handler-imports"] if after_handler_imports else []
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    print(
        f"Import + define + validate {CONFIG.relative_to(ROOT)} in a fresh interpreter, {RUNS} rounds, interleaved"
    )
    print("ms of wall time, min / median / max\n")
    for after in (False, True):
        print("after the handlers' own imports (boto3, Powertools)" if after else "alone")
        times: dict[str, list[float]] = {name: [] for name in CANDIDATES}
        for _ in range(RUNS):
            for name in CANDIDATES:
                times[name].append(run(name, after_handler_imports=after))
        for name, values in times.items():
            print(f"  {name:<16} {min(values):7.1f} / {statistics.median(values):7.1f} / {max(values):7.1f}")
        print()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], after_handler_imports="--after-handler-imports" in sys.argv)
    else:
        main()
