"""Every saved query of the catalog, and /errors and /traffic, run offline on the embedded stack through the
real runners (Insights and Athena stand-ins behind AWS_ENDPOINT_URL); each answer is checked against the
numbers computed from the seeded records."""

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
from local.scenario import Incident, seed
from local.stack import EmbeddedStack, environment

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Incident, QueryConfig]]:
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        yield incident, load_config(ROOT / "infra" / "lookout.yaml", ROOT / "infra" / "queries")


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
    from local.insights_exec import Stamp

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
