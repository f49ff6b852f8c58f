"""The Athena stand-in (DuckDB over the Glue tables and S3 data of the scenario), against answers computed in
plain Python over the same seeded records: parameters, partition pruning, bytes scanned, the cutoff, paging,
states and Athena's error words."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from local.athena.standin import AthenaStandIn
from local.scenario.tables import DATA_BUCKET, seed_tables
from tests.support.athena import run

if TYPE_CHECKING:
    from collections.abc import Iterator

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[AthenaStandIn, dict[str, list[dict[str, Any]]]]]:
    with mock_aws():
        records = seed_tables(NOW, "us-east-1")
        yield AthenaStandIn(lambda region, service: boto3.client(service, region_name=region)), records


def day(offset: int) -> str:
    return (NOW - timedelta(days=offset)).strftime("%Y-%m-%d")


def partition_bytes(table: str, days: set[str]) -> int:
    s3 = boto3.client("s3", region_name="us-east-1")
    total = 0
    for obj in s3.list_objects_v2(Bucket=DATA_BUCKET, Prefix=f"{table}/")["Contents"]:
        if obj["Key"].split("day=")[1].split("/")[0] in days:
            total += obj["Size"]
    return total


def column_chunk_bytes(table: str, days: set[str], columns: set[str]) -> int:
    """What Athena scans of Parquet objects: the compressed size of the named columns' chunks (footer metadata)."""
    import tempfile

    import duckdb

    s3 = boto3.client("s3", region_name="us-east-1")
    total = 0
    with tempfile.TemporaryDirectory() as folder:
        for index, obj in enumerate(s3.list_objects_v2(Bucket=DATA_BUCKET, Prefix=f"{table}/")["Contents"]):
            if obj["Key"].split("day=")[1].split("/")[0] not in days:
                continue
            local = f"{folder}/{index}.parquet"
            Path(local).write_bytes(s3.get_object(Bucket=DATA_BUCKET, Key=obj["Key"])["Body"].read())
            chunks = duckdb.connect().execute(
                "SELECT path_in_schema, total_compressed_size FROM parquet_metadata(?)", [local]
            )
            total += sum(size for name, size in chunks.fetchall() if name in columns)
    return total


def test_traffic_by_customer_matches_plain_python(seeded: Any) -> None:
    from bot.queries.catalog import load_config
    from bot.queries.plans import plan, split_command

    standin, records = seeded
    config = load_config(__import__("pathlib").Path("infra/lookout.yaml"))
    query = plan(*split_command("/traffic 2d by customer"), config, now=NOW)
    execution, rows = run(standin, query.query, list(query.parameters))
    header, data = rows[0], rows[1:]
    assert header == ["customer", "requests", "error_rate_pct", "client_error_pct", "p95_ms", "bytes"]
    start, end = query.start.strftime("%Y-%m-%d %H:%M:%S"), query.end.strftime("%Y-%m-%d %H:%M:%S")
    window = [e for e in records["access_events"] if start <= e["ts"][:19] < end]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in window:
        groups[event["client_key"]].append(event)
    expected = sorted(groups.items(), key=lambda item: -len(item[1]))
    assert [(r[0], int(r[1])) for r in data] == [(name, len(events)) for name, events in expected]
    for row in data:
        events = groups[row[0]]
        assert float(row[2]) == pytest.approx(
            round(100 * sum(e["status"] >= 500 for e in events) / len(events), 2)
        )
        assert int(row[5]) == sum(e["bytes"] for e in events)
    # only the partitions the window needs were read, and of their Parquet files only the columns named
    days = {query.start.strftime("%Y-%m-%d"), query.end.strftime("%Y-%m-%d")} | {day(1)}
    named = {"ts", "client_key", "status", "latency_ms", "bytes"}
    scanned = execution["Statistics"]["DataScannedInBytes"]
    assert scanned == column_chunk_bytes("access_events", days, named)
    assert 0 < scanned < partition_bytes("access_events", days)


def test_percentile_and_group_by_expressions(seeded: Any) -> None:
    standin, records = seeded
    _, rows = run(
        standin,
        "SELECT concat(method, ' ', route) AS endpoint, approx_percentile(latency_ms, 0.5) AS p50, count_if(status = 404) AS missing "
        "FROM lookout.access_events WHERE day = ? GROUP BY 1 ORDER BY 1",
        [f"'{day(3)}'"],
    )
    events = [e for e in records["access_events"] if e["day"] == day(3)]
    by_endpoint: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_endpoint[f"{event['method']} {event['route']}"].append(event)
    assert [r[0] for r in rows[1:]] == sorted(by_endpoint)
    for row in rows[1:]:
        # Trino's approx_percentile answers with a value of the data (q-digest), not an interpolation
        latencies = sorted(e["latency_ms"] for e in by_endpoint[row[0]])
        p50 = float(row[1])
        assert p50 in latencies
        assert sum(v < p50 for v in latencies) <= len(latencies) / 2 <= sum(v <= p50 for v in latencies)
        assert int(row[2]) == sum(e["status"] == 404 for e in by_endpoint[row[0]])


def test_string_parameters_are_values_not_sql(seeded: Any) -> None:
    standin, records = seeded
    sql = "SELECT count(*) AS n FROM lookout.field_mappings_snapshot WHERE tenant = ? AND day <= ? AND NOT deleted"
    _, rows = run(standin, sql, ["'acme'' OR ''1''=''1'", f"'{day(0)}'"])
    assert rows[1] == ["0"]  # the quote trick is just an odd tenant name
    _, rows = run(standin, sql, ["'acme'", f"'{day(0)}'"])
    assert int(rows[1][0]) > 0


def current_rows(changes: Any) -> list[tuple[str, str, str, str]]:
    """The configuration as the scenario left it: (tenant, mapping, field, target), computed in plain Python."""
    return [
        (tenant, mapping, field, target)
        for (tenant, mapping), item in changes.items.items()
        for field, target in item["fields"]
    ]


def test_rare_mappings_saved_query(seeded: Any) -> None:
    from bot.queries.catalog import load_config
    from bot.queries.plans import plan, split_command
    from local.demo.config import CONFIG, QUERIES

    standin, records = seeded
    config = load_config(CONFIG, QUERIES)  # the demo app's query over its mapping's table
    query = plan(*split_command("/query rare-mappings tenant=globex since=14d"), config, now=NOW)
    columns, *rows = run(standin, query.query, list(query.parameters))[1]
    assert columns == ["mapping_id", "field_id", "target", "tenants", "last_changed"]
    current = current_rows(records["field_mappings"])
    sharing: dict[tuple[str, str], set[str]] = defaultdict(set)
    for tenant, _, field, target in current:
        sharing[(field, target)].add(tenant)
    expected = sorted(
        ((m, f, t, len(sharing[(f, t)])) for tenant, m, f, t in current if tenant == "globex"),
        key=lambda r: (r[3], r[0], r[1]),
    )
    assert [(r[0], r[1], r[2], int(str(r[3]))) for r in rows] == expected
    last_changed = {
        m: item["at"].strftime("%Y-%m-%d")
        for (t, m), item in records["field_mappings"].items.items()
        if t == "globex"
    }
    assert expected and all(r[4] == last_changed[r[0]] for r in rows)  # the day of each mapping's newest version


def test_bytes_scanned_cutoff_fails_the_query(seeded: Any) -> None:
    standin, _ = seeded
    from botocore.config import Config

    unchecked = boto3.client("athena", region_name="us-east-1", config=Config(parameter_validation=False))
    unchecked.create_work_group(  # below the API's 10 MB minimum, so that the small scenario can exceed it
        Name="tight",
        Configuration={
            "BytesScannedCutoffPerQuery": 10_485_760 // 1024,
            "ResultConfiguration": {"OutputLocation": "s3://x/"},
        },
    )
    sql = "SELECT count(*) FROM lookout.access_events WHERE request_id <> ''"  # count(*) alone reads no column
    execution, _ = run(standin, sql, workgroup="tight")
    assert execution["Status"]["State"] == "FAILED"
    assert "Bytes scanned limit was exceeded" in execution["Status"]["StateChangeReason"]
    assert execution["Statistics"]["DataScannedInBytes"] > 10_240


@pytest.mark.parametrize(
    ("sql", "parameters", "reason"),
    [
        ("SELECT * FROM lookout.nothing", None, "TABLE_NOT_FOUND"),
        ("SELEC 1 FROM lookout.access_events", None, "SYNTAX_ERROR"),
        (
            "SELECT count(*) FROM lookout.access_events WHERE day = ?",
            None,
            "has 1 placeholders but 0 execution parameters",
        ),
        ("SELECT count(*) FROM lookout.access_events WHERE day = ?", ["day; DROP TABLE x"], "is not a literal"),
    ],
)
def test_failures_in_athenas_words(seeded: Any, sql: str, parameters: list[str] | None, reason: str) -> None:
    standin, _ = seeded
    execution, _ = run(standin, sql, parameters)
    assert execution["Status"]["State"] == "FAILED" and reason in execution["Status"]["StateChangeReason"]


def test_results_before_success_and_stop(seeded: Any) -> None:
    standin, _ = seeded
    execution_id = standin.start_query_execution(
        "us-east-1", {"QueryString": "SELECT 1 AS one FROM lookout.access_events LIMIT 1", "WorkGroup": "lookout"}
    )["QueryExecutionId"]
    with pytest.raises(ValueError, match="not yet finished"):
        standin.get_query_results({"QueryExecutionId": execution_id})
    standin.stop_query_execution({"QueryExecutionId": execution_id})
    assert (
        standin.get_query_execution({"QueryExecutionId": execution_id})["QueryExecution"]["Status"]["State"]
        == "CANCELLED"
    )


def test_client_request_token_makes_retries_idempotent(seeded: Any) -> None:
    standin, _ = seeded
    request = {
        "QueryString": "SELECT 1 FROM lookout.access_events LIMIT 1",
        "WorkGroup": "lookout",
        "ClientRequestToken": "t" * 40,
    }
    assert standin.start_query_execution("us-east-1", request) == standin.start_query_execution(
        "us-east-1", request
    )


def test_parquet_tables_with_hive_partitions(seeded: Any, tmp_path: Any) -> None:
    import duckdb

    standin, _ = seeded
    s3 = boto3.client("s3", region_name="us-east-1")
    expected = {}
    for partition, rows in (("2026-11-01", [("a", 1), ("b", 2)]), ("2026-11-02", [("a", 5)])):
        path = tmp_path / f"{partition}.parquet"
        connection = duckdb.connect()
        connection.execute("CREATE TABLE t (name VARCHAR, n BIGINT)")
        connection.executemany("INSERT INTO t VALUES (?, ?)", rows)
        connection.execute(f"COPY t TO '{path}' (FORMAT PARQUET)")
        s3.put_object(Bucket=DATA_BUCKET, Key=f"metrics/day={partition}/part-0.parquet", Body=path.read_bytes())
        chunks = connection.execute(
            f"SELECT path_in_schema, total_compressed_size FROM parquet_metadata('{path}')"
        ).fetchall()
        expected[partition] = {str(column): int(size) for column, size in chunks}
    boto3.client("glue", region_name="us-east-1").create_table(
        DatabaseName="lookout",
        TableInput={
            "Name": "metrics",
            "PartitionKeys": [{"Name": "day", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "name", "Type": "string"}, {"Name": "n", "Type": "bigint"}],
                "Location": f"s3://{DATA_BUCKET}/metrics/",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                },
            },
        },
    )
    execution, rows = run(
        standin,
        "SELECT name, sum(n) AS total FROM lookout.metrics WHERE day = ? GROUP BY name ORDER BY name",
        ["'2026-11-02'"],
    )
    assert rows == [["name", "total"], ["a", "5"]]
    # Athena reads the column chunks a query needs from the partitions it needs: both columns, one day
    assert execution["Statistics"]["DataScannedInBytes"] == sum(expected["2026-11-02"].values())
    execution, rows = run(standin, "SELECT count(name) AS c FROM lookout.metrics WHERE day = ?", ["'2026-11-02'"])
    assert rows == [["c"], ["1"]]
    assert execution["Statistics"]["DataScannedInBytes"] == expected["2026-11-02"]["name"]  # one column
    execution, rows = run(standin, "SELECT count(*) AS c FROM lookout.metrics WHERE day = ?", ["'2026-11-02'"])
    assert rows == [["c"], ["1"]] and execution["Statistics"]["DataScannedInBytes"] == 0  # row counts: metadata
