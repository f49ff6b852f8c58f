"""Every saved query of the catalog — the shipped, generic ones and the demo app's own — and /errors and /traffic,
run offline on the embedded stack through the real runners (Insights and Athena stand-ins behind
AWS_ENDPOINT_URL); each answer is checked against the numbers computed from the seeded records."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.aws import Clients
from bot.queries.athena import AthenaRunner
from bot.queries.catalog import QueryConfig, load_config
from bot.queries.folding import fold_errors
from bot.queries.insights import InsightsRunner
from bot.queries.plans import plan, split_command
from local.demo.config import CONFIG as DEMO_CONFIG
from local.demo.config import QUERIES as DEMO_QUERIES
from local.scenario.incident import Incident, seed
from local.stack import EmbeddedStack, environment

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Incident, QueryConfig]]:
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        yield incident, load_config(DEMO_CONFIG, DEMO_QUERIES)


def run(line: str, incident: Incident, config: QueryConfig) -> Any:
    query = plan(*split_command(line), config, now=incident.now)
    if query.engine == "athena":
        return query, AthenaRunner(Clients("us-east-1")("athena"), poll_s=0.01).run(query.query, query.parameters)
    return query, InsightsRunner(Clients("us-east-1")("logs"), poll_s=0.01).run(
        query.query, query.log_groups, query.start, query.end
    )


def current_configuration(incident: Incident) -> list[tuple[str, str, str, str]]:
    """(tenant, mapping, field, target) as the scenario's writes left the table, computed in plain Python."""
    return [
        (tenant, mapping, field, target)
        for (tenant, mapping), item in incident.tables["field_mappings"].items.items()
        for field, target in item["fields"]
    ]


def test_popular_fields_from_the_normalized_stream(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    query, result = run("/query popular-fields since=7d", incident, config)
    tenants: dict[str, set[str]] = defaultdict(set)
    mappings: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for tenant, mapping, field, _ in current_configuration(incident):
        tenants[field].add(tenant)
        mappings[field].add((tenant, mapping))
    expected = sorted(
        ((f, len(tenants[f]), len(mappings[f])) for f in tenants), key=lambda r: (-r[1], -r[2], r[0])
    )
    assert result.columns == ("field_id", "tenants", "mappings", "changed")
    assert [(r[0], int(r[1]), int(r[2])) for r in result.rows] == expected
    start_day = query.start.strftime("%Y-%m-%d")  # `changed`: mappings whose newest version is in the window
    changed: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for key, item in incident.tables["field_mappings"].items.items():
        if item["at"].strftime("%Y-%m-%d") >= start_day:
            for field, _ in item["fields"]:
                changed[field].add(key)
    assert {r[0]: int(r[3]) for r in result.rows} == {f: len(changed[f]) for f in tenants}
    assert 0 < sum(int(r[3]) for r in result.rows) < sum(int(r[2]) for r in result.rows)  # edits this week only
    assert result.bytes_scanned > 0
    changes = incident.tables["field_mappings"]
    assert changes.records > len(changes.items)  # edits and a delete went through the stream too


def test_rare_fields_is_popular_fields_from_the_other_end(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    _, popular = run("/query popular-fields since=7d", incident, config)
    _, rare = run("/query rare-fields since=7d", incident, config)
    key = lambda r: (int(r[1]), int(r[2]), r[0])  # noqa: E731
    assert [r[0] for r in rare.rows] == [r[0] for r in sorted(popular.rows, key=key)]
    assert int(rare.rows[0][1]) == min(int(r[1]) for r in popular.rows)


def test_rare_mappings_from_the_normalized_stream(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    _, result = run("/query rare-mappings tenant=acme", incident, config)
    current = current_configuration(incident)
    sharing: Counter[tuple[str, str]] = Counter()
    for pair in {(t, f, target) for t, _, f, target in current}:
        sharing[pair[1:]] += 1
    expected = sorted(
        ((m, f, t, sharing[(f, t)]) for tenant, m, f, t in current if tenant == "acme"),
        key=lambda r: (r[3], r[0], r[1]),
    )
    assert expected and [(r[0], r[1], r[2], int(r[3])) for r in result.rows] == expected


def test_rare_mappings_of_every_tenant_from_the_normalized_stream(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    _, result = run("/query rare-mappings-all", incident, config)
    tenants: dict[tuple[str, str], set[str]] = defaultdict(set)
    mappings: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for tenant, mapping, field, target in current_configuration(incident):
        tenants[(field, target)].add(tenant)
        mappings[(field, target)].add((tenant, mapping))
    expected = sorted(
        ((f, t, len(tenants[(f, t)]), len(mappings[(f, t)]), min(tenants[(f, t)])) for f, t in tenants),
        key=lambda r: (r[2], r[3], r[0], r[1]),
    )[:100]
    assert result.columns[:5] == ("field_id", "target", "tenants", "mappings", "example_tenant")
    assert [(r[0], r[1], int(r[2]), int(r[3]), r[4]) for r in result.rows] == expected


def current_settings(incident: Incident) -> list[tuple[str, str, str]]:
    """(tenant, setting, value) of the generic long form as the scenario's writes left the table: each field
    mapping's fields as fields[].fieldId and fields[].target (updatedAt and checksum are ignored by the demo's
    analytics.settings; the key attributes are no settings)."""
    return [
        (tenant, setting, value)
        for (tenant, _), item in incident.tables["field_mappings"].items.items()
        for field, target in item["fields"]
        for setting, value in (("fields[].fieldId", field), ("fields[].target", target))
    ]


def test_popular_settings_from_the_generic_tables(world: tuple[Incident, QueryConfig]) -> None:
    # GIVEN the same stream, normalized into the generic settings tables besides the demo's mapping
    incident, config = world
    _, result = run("/query popular-settings since=7d", incident, config)
    tenants: dict[str, set[str]] = defaultdict(set)
    choices: dict[str, Counter[str]] = defaultdict(Counter)
    for tenant, setting, value in set(current_settings(incident)):
        tenants[setting].add(tenant)
        choices[setting][value] += 1
    items = {
        s: {k for k, i in incident.tables["field_mappings"].items.items() for _ in i["fields"]} for s in tenants
    }
    assert result.columns[:6] == (
        "setting",
        "tenants",
        "items",
        "distinct_values",
        "top_value",
        "top_value_tenants",
    )
    top = {s: min(c.items(), key=lambda kv: (-kv[1], kv[0])) for s, c in choices.items()}
    assert [(r[0], int(r[1]), int(r[2]), int(r[3]), r[4], int(r[5])) for r in result.rows] == sorted(
        ((s, len(tenants[s]), len(items[s]), len(choices[s]), *top[s]) for s in tenants),
        key=lambda r: (-r[1], -r[2], r[0]),
    )


def test_setting_values_is_popular_fields_in_the_generic_form(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    _, generic = run("/query setting-values setting=fields[].fieldId", incident, config)
    _, mapped = run("/query popular-fields", incident, config)
    assert [(r[0], r[2]) for r in generic.rows] == [(r[0], r[1]) for r in mapped.rows]  # value, tenants


def test_setting_changes_counts_each_changed_setting(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    _, result = run("/query setting-changes since=30d", incident, config)
    assert result.columns == ("setting", "changes", "tenants", "items", "removed", "last_changed")
    # GIVEN the scenario's four weeks: every mapping created, two edited (a field dropped or added), one deleted
    items = incident.tables["field_mappings"].items
    by_setting = {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in result.rows}
    assert set(by_setting) == {"fields[].fieldId", "fields[].target"}
    # THEN a field's id and target change together; every tenant changed some; every mapping ever made, the
    # deleted one too, is an item; each field standing now was set; the delete removed its fields
    assert by_setting["fields[].fieldId"] == by_setting["fields[].target"]
    changes, tenants, changed_items, removed = by_setting["fields[].fieldId"]
    assert tenants == len({tenant for tenant, _ in items}) and changed_items == len(items) + 1
    assert changes > sum(len(item["fields"]) for item in items.values()) and removed >= 1


def test_generic_traffic_errors_and_access_patterns(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    query, clients = run("/query top-clients since=24h", incident, config)
    start, end = query.start.strftime("%Y-%m-%d %H:%M:%S"), query.end.strftime("%Y-%m-%d %H:%M:%S")
    events = [e for e in incident.tables["access_events"] if start <= e["ts"][:19] < end]
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        per[event["client_key"]].append(event)
    assert [(r[0], int(r[1]), int(r[3]), int(r[4])) for r in clients.rows] == sorted(
        ((k, len(v), len({e["route"] for e in v}), sum(e["status"] >= 500 for e in v)) for k, v in per.items()),
        key=lambda t: (-t[1], t[0]),
    )
    assert sum(float(r[2]) for r in clients.rows) == pytest.approx(100, abs=0.5)  # shares of all requests
    _, errors = run("/query error-routes since=24h", incident, config)
    failing: Counter[tuple[str, str, int]] = Counter(
        (e["method"], e["route"], e["status"]) for e in events if e["status"] >= 400
    )
    assert {(r[0], r[1], int(r[2])): int(r[3]) for r in errors.rows} == dict(failing)
    _, patterns = run("/query access-patterns since=24h", incident, config)
    hours: dict[tuple[str, str, str], Counter[int]] = defaultdict(Counter)
    for event in events:
        hours[(event["client_key"], event["method"], event["route"])][int(event["ts"][11:13])] += 1
    got = {(r[0], r[1], r[2]): (int(r[3]), int(r[4]), int(r[5])) for r in patterns.rows}
    assert got == {
        key: (sum(c.values()), len(c), min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0])
        for key, c in hours.items()
    }


def test_trace(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    target = next(r for r in reversed(incident.requests) if r.outcome == "throttle")
    _, result = run(f"/query trace key={target.order}", incident, config)
    messages = [row[result.columns.index("@message")] for row in result.rows]
    assert len(messages) == 2  # the JSON record and the throttle line of that order
    assert all(target.order in m for m in messages)


def test_customer_activity(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    query, result = run("/query customer-activity client=globex", incident, config)
    expected: Counter[tuple[int, str]] = Counter()
    for request in incident.requests:
        if request.customer == "globex" and query.start.timestamp() <= request.at <= query.end.timestamp():
            bucket = int(request.at * 1000) // 900_000 * 900_000
            expected[(bucket, "ERROR" if request.outcome == "fault" else "INFO")] += 1
    got = {(r[0], r[1]): int(r[2]) for r in result.rows}
    from local.insights.execution import Stamp

    assert got == {(str(Stamp(b)), level): n for (b, level), n in expected.items()}


def test_errors_counts_and_kinds(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    _, raw = run("/errors orders-api 2h", incident, config)
    folded, total = fold_errors(raw)
    faults = sum(1 for r in incident.requests if r.outcome == "fault")
    throttles = sum(1 for r in incident.requests if r.outcome == "throttle")
    kinds = {row[0]: int(row[1]) for row in folded.rows}
    assert kinds["ERROR payment provider returned <n> PaymentError"] == faults
    assert (
        kinds["<time> <uuid> ERROR PaymentThrottled: <n> Too Many Requests from api.payments.example (ord-<n>)"]
        == throttles
    )
    assert total == sum(kinds.values())
    assert all(row[4] != "–" for row in folded.rows)  # every kind has a sample request id


def test_traffic_by_customer(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    query, result = run("/traffic 24h by customer", incident, config)
    start, end = query.start.strftime("%Y-%m-%d %H:%M:%S"), query.end.strftime("%Y-%m-%d %H:%M:%S")
    events = [e for e in incident.tables["access_events"] if start <= e["ts"][:19] < end]
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        per[event["client_key"]].append(event)
    assert [(r[0], int(r[1])) for r in result.rows] == sorted(
        ((k, len(v)) for k, v in per.items()), key=lambda t: -t[1]
    )
    for row in result.rows:
        failed = sum(e["status"] >= 500 for e in per[row[0]])
        assert float(row[2]) == pytest.approx(round(100 * failed / len(per[row[0]]), 2))
    assert json.dumps(query.as_json())  # the plan the dry-run prints


def test_windows_are_respected(world: tuple[Incident, QueryConfig]) -> None:
    incident, config = world
    query, result = run("/query customer-activity client=acme since=30m", incident, config)
    assert query.end - query.start == timedelta(minutes=30)
    assert sum(int(r[2]) for r in result.rows) == sum(
        1
        for r in incident.requests
        if r.customer == "acme" and query.start.timestamp() <= r.at <= query.end.timestamp()
    )


def test_lookout_query_cli_runs_on_the_embedded_stack(
    world: tuple[Incident, QueryConfig], capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    assert main(["query", "rare-mappings", "tenant=acme"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "rare-mappings, last 30 d" and "m-01" in out and "rows ·" in out
    assert main(["slash", "/errors orders-api 1h"]) == 0
    assert "PaymentError" in capsys.readouterr().out


def test_lookout_digest_dry_run_prints_every_configured_query_with_its_change(
    world: tuple[Incident, QueryConfig], capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    assert main(["digest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Would post to #product-analytics:")
    for title in (
        "Traffic by customer, last 7 d",
        "Traffic by hour, last 7 d",
        "popular-fields, last 7 d",
        "rare-fields, last 7 d",
        "Top errors in orders-api, last 7 d",
    ):
        assert title in out, title
    assert "vs last week" in out and "scanned" in out and "failed" not in out.split("\n")[2]
