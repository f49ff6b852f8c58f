"""What the analytics half costs per question, in bytes Athena scans — measured by the Athena stand-in (which
counts what Athena would read: pruned partitions; for Parquet, the column chunks a query names) over the
demo's two weeks of access events (300 requests a day plus the incident), as Firehose's format conversion
writes them (Parquet) and as they would be without it (JSON lines), and the popular-fields query over the
normalizer's snapshot of the demo's configuration table.

Athena bills $5 per TB scanned with a 10 MB minimum per query; the figures say how far a team is from it."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

from bench.common import published  # noqa: E402
from bot.queries.catalog import load_config  # noqa: E402
from bot.queries.plans import plan, split_command  # noqa: E402
from local.athena.standin import AthenaStandIn  # noqa: E402
from local.demo.config import CONFIG as DEMO_CONFIG  # noqa: E402
from local.demo.config import QUERIES as DEMO_QUERIES  # noqa: E402
from local.scenario.tables import DATA_BUCKET, seed_tables  # noqa: E402

MINIMUM = 10 * 1024 * 1024
PRICE_PER_BYTE = 5 / 1024**4


def run(standin: AthenaStandIn, sql: str, parameters: list[str]) -> int:
    request = {
        "QueryString": sql,
        "WorkGroup": "lookout",
        "QueryExecutionContext": {"Database": "lookout"},  # as the bot runs them
        "ExecutionParameters": parameters,
    }
    execution = standin.start_query_execution("us-east-1", request)["QueryExecutionId"]
    while True:
        status = standin.get_query_execution({"QueryExecutionId": execution})["QueryExecution"]
        if status["Status"]["State"] in ("SUCCEEDED", "FAILED"):
            assert status["Status"]["State"] == "SUCCEEDED", status["Status"]
            return int(status["Statistics"]["DataScannedInBytes"])


JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"


def json_copy(s3: Any) -> None:
    """access_events as JSON lines (what the stream would write without record format conversion)."""
    import duckdb

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=DATA_BUCKET, Prefix="access_events/")["Contents"]]
    source, target = Path("/tmp/lookout-bench.parquet"), Path("/tmp/lookout-bench.json")
    for key in keys:
        source.write_bytes(s3.get_object(Bucket=DATA_BUCKET, Key=key)["Body"].read())
        duckdb.connect().execute(
            f"COPY (SELECT * REPLACE (strftime(ts, '%Y-%m-%d %H:%M:%S.%g') AS ts) FROM read_parquet('{source}'))"
            f" TO '{target}' (FORMAT JSON)"
        )
        copy = key.replace("access_events/", "access_events_json/") + ".json"
        s3.put_object(Bucket=DATA_BUCKET, Key=copy, Body=target.read_bytes())
    glue = boto3.client("glue", region_name="us-east-1")
    table = glue.get_table(DatabaseName="lookout", Name="access_events")["Table"]
    descriptor = table["StorageDescriptor"]
    descriptor["Location"] = descriptor["Location"].replace("access_events/", "access_events_json/")
    descriptor["SerdeInfo"] = {"SerializationLibrary": JSON_SERDE}
    descriptor["InputFormat"] = "org.apache.hadoop.mapred.TextInputFormat"
    params = dict(table.get("Parameters") or {})
    template = params.get("storage.location.template", "")
    params["storage.location.template"] = template.replace("access_events/", "access_events_json/")
    table_input = {
        "Name": "access_events_json",
        "PartitionKeys": table["PartitionKeys"],
        "Parameters": params,
        "StorageDescriptor": descriptor,
    }
    glue.create_table(DatabaseName="lookout", TableInput=table_input)


def main() -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    with mock_aws():
        seed_tables(now, "us-east-1")
        s3 = boto3.client("s3", region_name="us-east-1")
        json_copy(s3)
        standin = AthenaStandIn(lambda region, service: boto3.client(service, region_name=region))
        config = load_config(DEMO_CONFIG, DEMO_QUERIES)  # the demo's tables and its popular-fields
        traffic = plan(*split_command("/traffic 24h by customer"), config, now=now)
        parameters = list(traffic.parameters)
        assert "FROM access_events\n" in traffic.query, traffic.query  # the replace below must not miss
        on_json = traffic.query.replace("FROM access_events\n", "FROM access_events_json\n")
        unpruned = on_json.replace("WHERE day BETWEEN ? AND ?\n  AND ", "WHERE ")
        day_count = "SELECT count(*) AS n FROM access_events WHERE day = ?"
        fields = plan(*split_command("/query popular-fields"), config, now=now)
        rows = [
            (
                "/traffic 24h by customer: Parquet, 2 days, the columns it names",
                run(standin, traffic.query, parameters),
            ),
            ("the same on JSON lines (no format conversion), 2 days", run(standin, on_json, parameters)),
            ("the same on JSON lines without the day predicate (15 days)", run(standin, unpruned, parameters[2:])),
            ("count(*) of a day on Parquet (no column chunk)", run(standin, day_count, [parameters[1]])),
            (
                "/query popular-fields (JSON snapshot up to the window's end)",
                run(standin, fields.query, list(fields.parameters)),
            ),
        ]
    print(f"{'question':<66}{'bytes scanned':>15}{'billed':>12}")
    for label, scanned in rows:
        billed = max(scanned, MINIMUM) * PRICE_PER_BYTE
        print(f"{label:<66}{scanned:>15,}{f'${billed:.6f}':>12}")
    return 0


if __name__ == "__main__":
    with published(__file__):
        code = main()
    raise SystemExit(code)
