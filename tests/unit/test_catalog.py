"""The query configuration and saved-query catalog: the shipped files load and name no app; the demo's add to them;
mistakes are named clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError
from bot.queries.catalog import CatalogError, load_config, load_queries

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
services:
  orders-api: {log_groups: [/aws/lambda/orders-api]}
"""


def write(tmp_path: Path, config: str = CONFIG, queries: str | None = None) -> tuple[Path, Path]:
    (tmp_path / "lookout.yaml").write_text(config)
    folder = tmp_path / "queries"
    folder.mkdir()
    if queries is not None:
        (folder / "mine.yaml").write_text(queries)
    return tmp_path / "lookout.yaml", folder


GENERIC_TABLES = {"access_events", "settings_snapshot", "settings_events", "app_events"}
"""The tables the template defines for every deployment (each behind its source's parameter)."""


def test_shipped_configuration_loads_and_is_generic() -> None:
    config = load_config(ROOT / "infra" / "lookout.yaml", ROOT / "infra" / "queries")
    assert set(config.queries) >= {"top-clients", "popular-settings", "error-routes", "access-patterns"}
    assert config.traffic.backend == "athena" and config.athena_workgroup == "lookout"
    assert config.athena_database == "lookout" and config.traffic.database is None  # unqualified: the runner's
    assert config.queries["popular-settings"].tables == ("settings_snapshot",)
    # THEN no saved query reads a table or log group of one app (the demo's live in local/demo/config)
    assert all(set(q.tables) <= GENERIC_TABLES and not q.log_groups for q in config.queries.values())
    shipped = "".join(
        p.read_text() for p in [ROOT / "infra" / "lookout.yaml", *(ROOT / "infra" / "queries").glob("*")]
    )
    for demo_name in ("orders", "payment", "acme", "field_mappings", "fieldId", "mappingId"):
        assert demo_name not in shipped, demo_name


def test_the_demo_configuration_adds_its_queries_to_the_shipped_ones() -> None:
    from local.demo.config import CONFIG, QUERIES, environment

    config = load_config(CONFIG, QUERIES)
    assert set(config.queries) >= {
        "popular-fields",
        "rare-mappings",
        "trace",
        "customer-activity",
        "popular-settings",
    }
    assert config.queries["popular-fields"].tables == ("field_mappings_snapshot",)
    assert config.default_service == "orders-api"
    # LOOKOUT_QUERIES names both folders in one variable, separated as PATH is
    folders = environment()["LOOKOUT_QUERIES"]
    assert load_config(CONFIG, Path(folders)).queries.keys() == config.queries.keys()


def test_a_query_defined_in_two_folders_is_refused(tmp_path: Path) -> None:
    config_file, folder = write(tmp_path, queries=QUERY)
    other = tmp_path / "other"
    other.mkdir()
    (other / "theirs.yaml").write_text(QUERY)
    with pytest.raises(CatalogError, match="defined twice"):
        load_config(config_file, [folder, other])


def test_minimal_configuration_has_safe_defaults(tmp_path: Path) -> None:
    config = load_config(*write(tmp_path))
    assert config.default_service == "orders-api" and config.window.maximum.days == 7
    assert config.insights_max_concurrent == 4 and config.queries == {}
    assert config.access_for("/traffic").allows("U1", "C1")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("services: {}", "services: must not be empty (list at least one service"),
        (
            "services: {a: {log_groups: []}}",
            "services.a.log_groups: must not be empty (between 1 and 50 log groups)",
        ),
        ("services: {a: {log_groups: ['bad group!']}}", "services.a.log_groups[0]: 'bad group!' is not valid"),
        (CONFIG + "default_service: nope", "default_service: 'nope' is not one of the services"),
        (CONFIG + "window: {default: 8d, max: 7d}", "window.default: wider than max"),
        (CONFIG + "window: {default: soon}", "window.default: 'soon' is not a duration"),
        (CONFIG + "traffic: {backend: bigquery}", "traffic.backend: 'bigquery' is not one of athena, insights"),
        (CONFIG + "traffic: {backend: insights}", "traffic.log_groups: backend insights reads log groups"),
        (CONFIG + "traffic: {table: 'x; drop'}", "traffic.table: 'x; drop' is not valid"),
        (CONFIG + "insights: {max_concurrent: 100}", "insights.max_concurrent: must be at most 30, got 100"),
        (CONFIG + "access: {/deploy: {users: [U1]}}", "access./deploy: unknown key (expected one of: /errors"),
        (CONFIG + "access: {/traffic: {users: [bob]}}", "access./traffic.users[0]: 'bob' is not valid"),
        (CONFIG + "traffic: {bakend: athena}", "traffic.bakend: unknown key"),
        ("[1, 2]", "expected a mapping, got [1, 2]"),
        ("services: {a: [", "not valid YAML"),
    ],
)
def test_configuration_mistakes_are_named(tmp_path: Path, config: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(*write(tmp_path, config=config))
    assert f"{tmp_path / 'lookout.yaml'}: {message}" in str(raised.value)


QUERY = """
- name: q
  engine: insights
  log_groups: [/g]
  params: {key: {type: string}}
  text: "fields @message | filter @message like {{key}}"
"""


@pytest.mark.parametrize(
    ("queries", "message"),
    [
        ("- {name: Bad_Name, engine: insights}", "is not a valid name"),
        ("- {name: q, engine: sql, text: x}", "engine must be insights or athena"),
        ("- {name: q, engine: insights, log_groups: [/g]}", "q: text is empty"),
        (
            "- {name: q, engine: insights, log_groups: [/g], text: 'filter x = {{who}}'}",
            "uses {{who}} but params does not declare it",
        ),
        (
            "- {name: q, engine: insights, log_groups: [/g], params: {a: {type: int}}, text: 'fields x'}",
            "params a are declared but not used",
        ),
        (
            "- {name: q, engine: insights, params: {a: {type: int}}, text: 'x {{a}}'}",
            "log_groups: give between 1 and 50",
        ),
        ("- {name: q, engine: athena, text: 'SELECT 1'}", "an Athena query declares the tables it may read"),
        (
            "- {name: q, engine: athena, tables: [lookout.a], text: 'SELECT * FROM lookout.b'}",
            "text reads lookout.b, which is not in tables",
        ),
        (
            "- {name: q, engine: athena, tables: [lookout.a], text: 'SELECT * FROM lookout.a JOIN secret.users'}",
            "reads secret.users",
        ),
        (  # a comma join is a join (the regex this replaced read only FROM and JOIN)
            "- {name: q, engine: athena, tables: [lookout.a], text: 'SELECT * FROM lookout.a, secret.users'}",
            "reads secret.users",
        ),
        (  # a table inside a CTE or a subquery is read too
            "- {name: q, engine: athena, tables: [lookout.a], text: 'WITH x AS (SELECT * FROM secret.users) SELECT * FROM x'}",
            "reads secret.users",
        ),
        (
            "- {name: q, engine: athena, tables: [lookout.a], text: 'SELECT * FROM lookout.a WHERE id IN (SELECT id FROM secret.users)'}",
            "reads secret.users",
        ),
        (  # a qualified name is the catalog's table even when a CTE has its name
            "- {name: q, engine: athena, tables: [lookout.a], text: 'WITH users AS (SELECT 1) SELECT * FROM secret.users'}",
            "reads secret.users",
        ),
        (
            "- {name: q, engine: athena, tables: [lookout.a], text: 'SELECT * FROM lookout.a WHERE (x = 1'}",
            "text is not valid Athena SQL .line 1, column",
        ),
        (
            "- {name: q, engine: athena, tables: [a.b.c], text: 'SELECT 1 FROM a'}",
            "'a.b.c' is not table or database.table",
        ),
        (
            "- {name: q, engine: athena, tables: [other.a], text: 'SELECT 1 FROM a'}",
            "text reads a, which is not in tables",
        ),
        (
            "- {name: q, engine: insights, log_groups: [/g], params: {a: {type: colour}}, text: 'x {{a}}'}",
            "type must be one of",
        ),
        (
            "- {name: q, engine: insights, log_groups: [/g], params: {a: {type: enum}}, text: 'x {{a}}'}",
            "an enum parameter lists its choices",
        ),
        (
            "- {name: q, engine: insights, log_groups: [/g], params: {a: {type: int, default: x}}, text: '{{a}}'}",
            "default: a: 'x' is not a whole number",
        ),
        (
            "- {name: q, engine: insights, log_groups: [/g], params: {start: {type: int}}, text: 'x {{start}}'}",
            "not a usable parameter name",
        ),
        (QUERY + QUERY, "q: defined twice"),
    ],
)
def test_saved_query_mistakes_are_named(tmp_path: Path, queries: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message.replace("{", r"\{").replace("}", r"\}")) as raised:
        load_config(*write(tmp_path, queries=queries))
    assert "mine.yaml" in str(raised.value)


def test_cte_names_are_not_tables_and_placeholders_parse(tmp_path: Path) -> None:
    queries = """
- name: q
  engine: athena
  tables: [lookout.a]
  params: {who: {type: name}}
  text: |
    WITH newest AS (SELECT * FROM lookout.a WHERE day <= {{end_day}}), b AS (SELECT * FROM newest)
    SELECT * FROM b, newest WHERE b.who = {{who}}
"""
    (query,) = load_config(*write(tmp_path, queries=queries)).queries.values()
    assert query.tables == ("lookout.a",)


def test_user_queries_are_added(tmp_path: Path) -> None:
    config = load_config(*write(tmp_path, queries=QUERY))
    (query,) = config.queries.values()
    assert query.params[0].required and query.usage().startswith("/query q key=<string>")
    assert load_queries(tmp_path / "queries" / "mine.yaml")[0].name == "q"


def test_a_deployed_stack_queries_its_own_workgroup_and_database(tmp_path: Path) -> None:
    from bot.config import Settings
    from bot.wiring import query_config

    config_file, queries_dir = write(tmp_path)
    env = {
        "LOOKOUT_CONFIG": str(config_file),
        "LOOKOUT_QUERIES": str(queries_dir),
        "LOOKOUT_ATHENA_WORKGROUP": "lookout-prod-queries",
        "LOOKOUT_ATHENA_DATABASE": "Lookout_Prod_Queries",  # as CloudFormation names it; Glue folds case
    }
    config = query_config(Settings.from_env(env))
    assert (config.athena_workgroup, config.athena_database) == ("lookout-prod-queries", "lookout_prod_queries")
    assert (
        query_config(Settings.from_env({k: env[k] for k in ("LOOKOUT_CONFIG", "LOOKOUT_QUERIES")})).athena_database
        == "lookout"
    )


UNDECLARED = """
- name: q
  engine: athena
  tables: [lookout.a]
  text: SELECT * FROM lookout.a JOIN lookout.secrets USING (id)
"""


def test_a_query_loaded_unchecked_is_checked_before_it_runs(tmp_path: Path) -> None:
    """The Slack function loads without sqlglot (its init and ack stay light): a saved Athena query that reads
    an undeclared table still never runs — it is refused in words, and no runner is asked."""
    from typing import Any

    from bot.queries.commands import Invocation, QueryService

    files = write(tmp_path, queries=UNDECLARED)
    with pytest.raises(CatalogError, match="reads lookout.secrets"):
        load_config(*files)
    config = load_config(*files, check_sql=False)
    failures: list[str] = []

    class Out:
        def started(self, query: Any) -> None:
            raise AssertionError("must not start")

        def failed(self, query: Any, reason: str) -> None:
            failures.append(reason)

    class NoRunner:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"runner asked for {name}")

    runner: Any = NoRunner()
    service = QueryService(config, insights=runner, athena=runner, audit=lambda _: None, region="us-east-1")
    assert service.acknowledge(Invocation("/query", "q", "U1", "C1")).runs  # the ack stays pure and light
    service.execute(Invocation("/query", "q", "U1", "C1"), Out())  # type: ignore[arg-type]
    assert len(failures) == 1 and "reads lookout.secrets, which is not in tables" in failures[0]
