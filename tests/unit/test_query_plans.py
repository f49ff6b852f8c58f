"""Command text → query plan: parameters typed and validated, hostile text never changes a query's structure."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.queries.catalog import QueryConfig, load_config
from bot.queries.params import ParameterError, insights_literal, parse_duration
from bot.queries.plans import ERRORS_QUERY, HelpRequested, plan, split_command
from local.demo.config import CONFIG as DEMO_CONFIG
from local.demo.config import QUERIES as DEMO_QUERIES
from tests.support.hostile import HOSTILE

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 26, 8, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def config() -> QueryConfig:
    return load_config(DEMO_CONFIG, DEMO_QUERIES)


def command(line: str, config: QueryConfig):  # type: ignore[no-untyped-def]
    name, args = split_command(line)
    return plan(name, args, config, now=NOW)


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("2h", 7200), ("1h30m", 5400), ("7d", 604800), ("1w", 604800)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize(
    "text",
    [
        "",
        "h",
        "2",
        "2x",
        "-1h",
        "0m",
        "1h foo",
        "1.5h",
        "999999999999999999d; drop",
        "99999999999999999999d",
        "1000w",
    ],
)
def test_bad_durations(text: str) -> None:
    with pytest.raises(ParameterError):
        parse_duration(text)


def test_errors_defaults_and_arguments(config: QueryConfig) -> None:
    default = command("/errors", config)
    assert default.log_groups == ("/aws/lambda/orders-api",) and default.end - default.start == timedelta(hours=1)
    assert default.query == ERRORS_QUERY and default.kind == "errors"
    both = command("/errors orders-api 2h", config)
    reversed_ = command("/errors 2h orders-api", config)
    assert both.start == reversed_.start == NOW - timedelta(hours=2)
    assert both.as_json() == {
        "engine": "insights",
        "query": ERRORS_QUERY,
        "parameters": [],
        "log_groups": ["/aws/lambda/orders-api"],
        "start": "2026-11-26T06:00:00Z",
        "end": "2026-11-26T08:00:00Z",
    }


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/errors billing", "unknown service 'billing'"),
        ("/errors 30d", "too wide a range; the maximum is 7 d"),
        ("/errors '/aws/lambda/other'", "unknown service"),
        ("/traffic by planet", "'planet' is not understood"),
        ("/traffic 400d", "too wide a range"),
        ("/query nope", "there is no saved query 'nope'"),
        ("/query trace", "trace needs key"),
        ("/query trace key=x colour=red", "trace has no parameter 'colour'"),
        ("/query trace key", "give parameters as key=value"),
        ('/query trace "key=unbalanced', "check your quotes"),
        ("/query customer-activity client=a|b", "not a valid name"),
        ("/query customer-activity client=x since=8d", "the maximum is 7 d"),
        ("/query trace key=" + "x" * 300, "between 1 and 200 characters"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(config: QueryConfig, line: str, message: str) -> None:
    with pytest.raises(ParameterError, match=re.escape(message)):
        command(line, config)


@pytest.mark.parametrize("line", ["/errors help", "/traffic help", "/query", "/query list", "/query help"])
def test_help(config: QueryConfig, line: str) -> None:
    with pytest.raises(HelpRequested):
        command(line, config)


def test_slack_escaping_and_smart_quotes_are_undone(config: QueryConfig) -> None:
    query = command("/query trace key=“a &lt;b&gt; &amp; c”", config)
    assert '"a <b> & c"' in query.query


def test_traffic_athena_uses_execution_parameters_only(config: QueryConfig) -> None:
    query = command("/traffic 24h by endpoint", config)
    assert query.engine == "athena" and query.table == "access_events"
    assert query.parameters == ("'2026-11-25'", "'2026-11-26'", "'2026-11-25T08:00:00Z'", "'2026-11-26T08:00:00Z'")
    assert query.query.count("?") == 4 and "concat(method, ' ', route) AS endpoint" in query.query
    assert (
        command("/traffic by customer", config).query.splitlines()[1].startswith("SELECT client_key AS customer")
    )


@pytest.mark.parametrize("group", ["customer", "endpoint", "status", "hour"])
def test_traffic_groups_pick_fixed_expressions(config: QueryConfig, group: str) -> None:
    assert f" AS {group}," in command(f"/traffic by {group}", config).query


def test_saved_athena_query_binds_window_and_params_in_order(config: QueryConfig) -> None:
    query = command("/query rare-mappings tenant=acme since=14d", config)
    assert query.query.count("?") == 2 and "{{" not in query.query
    assert query.parameters == ("'2026-11-26'", "'acme'")
    query = command("/query popular-fields since=14d", config)
    assert query.parameters == ("'2026-11-26'", "'2026-11-12'")  # in the order the text uses them


def test_saved_insights_query_quotes_values(config: QueryConfig) -> None:
    query = command("/query customer-activity client=acme-7", config)
    assert 'filter data.clientKey = "acme-7"' in query.query and query.log_groups == ("/aws/lambda/orders-api",)
    assert query.end - query.start == timedelta(hours=24)


def structure_of_insights(line_with_value: str, value: str, config: QueryConfig) -> str:
    query = command(line_with_value, config)
    return query.query.replace(insights_literal(value), "«LITERAL»")


@pytest.mark.parametrize("hostile", [h for h in HOSTILE if "\n" not in h and "\t" not in h and len(h) <= 200])
def test_hostile_insights_values_stay_one_literal(config: QueryConfig, hostile: str) -> None:
    # GIVEN the benign query
    benign = structure_of_insights("/query trace key=benign", "benign", config)
    # WHEN the same command carries hostile text
    line = "/query trace key=" + "'" + hostile.replace("'", "'\"'\"'") + "'"
    hostile_structure = structure_of_insights(line, hostile, config)
    # THEN only the literal differs: no new pipe stage, no string ended early
    assert hostile_structure == benign
    literal = insights_literal(hostile)
    assert re.fullmatch(r'"(?:[^"\\]|\\.)*"', literal)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_in_names_is_refused_or_bound(config: QueryConfig, hostile: str) -> None:
    quoted = "'" + hostile.replace("'", "'\"'\"'") + "'"
    try:
        query = command(f"/query rare-mappings tenant={quoted}", config)
    except ParameterError:
        return  # refused with a message
    benign = command("/query rare-mappings tenant=acme", config)
    assert query.query == benign.query  # SQL text identical: the value only travels as a parameter
    assert query.parameters[:1] == benign.parameters[:1]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_in_command_words_never_reaches_a_query(config: QueryConfig, hostile: str) -> None:
    for prefix in ("/errors", "/traffic"):
        quoted = "'" + hostile.replace("'", "'\"'\"'") + "'"
        with pytest.raises(ParameterError):
            command(f"{prefix} {quoted}", config)


def test_control_characters_are_refused(config: QueryConfig) -> None:
    with pytest.raises(ParameterError, match="control characters"):
        command("/query trace key='a\nb'", config)


def test_traffic_over_insights_access_logs(tmp_path: Path) -> None:
    from bot.queries.folding import merge_traffic
    from bot.queries.results import QueryResult

    (tmp_path / "lookout.yaml").write_text(
        "services: {api: {log_groups: [/aws/lambda/api]}}\n"
        "traffic: {backend: insights, log_groups: [/aws/apigateway/access], fields: {customer: ctx.client}}\n"
    )
    config = load_config(tmp_path / "lookout.yaml")
    query = plan(*split_command("/traffic 2h by customer"), config, now=NOW)
    assert query.engine == "insights" and query.log_groups == ("/aws/apigateway/access",)
    assert "by ctx.client" in query.query and query.companion and "filter status >= 500" in query.companion
    requests = QueryResult(
        "insights",
        ("ctx.client", "requests", "p95_ms", "bytes"),
        (("acme", "200", "81.5", "1000"), ("globex", "50", "20", "10")),
        1.0,
        100,
    )
    errors = QueryResult("insights", ("ctx.client", "errors"), (("acme", "10"),), 0.5, 50)
    merged = merge_traffic(requests, errors, "ctx.client", "customer")
    assert merged.columns == ("customer", "requests", "error_rate_pct", "p95_ms", "bytes")
    assert merged.rows == (("acme", "200", "5.00", "81.5", "1000"), ("globex", "50", "0.00", "20", "10"))
    assert merged.bytes_scanned == 150
    hourly = plan(*split_command("/traffic by hour"), config, now=NOW)
    assert "by bin(1h)" in hourly.query and hourly.labels == {"bin(1h)": "hour"}


@pytest.mark.parametrize(("since", "limit"), [("7d", 170), ("24h", 100), ("30m", 100)])
def test_traffic_by_hour_returns_every_hour_of_the_window(config: QueryConfig, since: str, limit: int) -> None:
    # ordered oldest first, a LIMIT 100 over a week of hours would drop the newest three days
    query = command(f"/traffic {since} by hour", config)
    assert query.query.endswith(f"LIMIT {limit}") and query.row_limit == limit and query.additive
    assert command("/traffic 7d by customer", config).query.endswith("LIMIT 100")


def test_status_polls_start_quick_and_back_off() -> None:
    from itertools import islice

    from bot.queries.results import poll_waits

    assert list(islice(poll_waits(1.0), 5)) == [0.25, 0.5, 1.0, 1.0, 1.0]
    assert list(islice(poll_waits(0.01), 2)) == [0.01, 0.01]  # tests' fast polling stays fast
