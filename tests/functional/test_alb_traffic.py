"""The ALB path end to end on moto: a log object's entries (the ELB User Guide's format) → handlers' object
reader → alb_events in S3 → the template's Glue table → /traffic by customer on the Athena stand-in, with
traffic.table set to alb_events; counts checked in plain Python."""

from __future__ import annotations

import gzip
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import boto3
from moto import mock_aws

from bot.analytics.access_logs import Attribution
from bot.analytics.alb_objects import AlbLogObjects
from bot.analytics.sink import DataBucket
from bot.config import Settings
from bot.observability import Telemetry
from bot.queries.athena import AthenaRunner
from bot.queries.catalog import load_config
from bot.queries.plans import plan, split_command
from local.athena.standin import AthenaStandIn
from local.scenario.tables import template_tables
from tests.support.alb import ENTRIES, object_created

if TYPE_CHECKING:
    from pathlib import Path

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TENANTS = ("acme", "globex", "initech")


def entry(at: datetime, tenant: str, status: int, rng: random.Random) -> str:
    """The guide's HTTPS entry with this request's time, host, path and status."""
    line = ENTRIES[1].replace("2018-07-02T22:23:00.186641Z", at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), 1)
    line = line.replace('"www.example.com"', f'"{tenant}.example.com"')
    line = line.replace(
        "https://www.example.com:443/ ", f"https://{tenant}.example.com:443/orders/{rng.randint(1, 999)} "
    )
    return line.replace(" 200 200 0 57 ", f" {status} {status} 0 57 ", 1)


def test_traffic_by_customer_from_alb_logs(tmp_path: Path) -> None:
    rng = random.Random(5)
    entries = [
        (NOW - timedelta(minutes=rng.randint(1, 600)), rng.choice(TENANTS), rng.choice((200, 200, 200, 502)))
        for _ in range(120)
    ]
    (tmp_path / "lookout.yaml").write_text(
        "services: {api: {log_groups: [/aws/lambda/api]}}\ntraffic: {backend: athena, table: alb_events}\n"
    )
    (tmp_path / "queries").mkdir()
    config = load_config(tmp_path / "lookout.yaml", tmp_path / "queries")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in ("alb-logs", "lookout-data", "results"):
            s3.create_bucket(Bucket=bucket)
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_database(DatabaseInput={"Name": "lookout"})
        glue.create_table(DatabaseName="lookout", TableInput=template_tables()["alb_events"])
        key = (
            "prod/AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/26/x_app.lb_20261126T1200Z_x.log.gz"
        )
        body = "\n".join(entry(*e, rng) for e in entries) + "\n"
        s3.put_object(Bucket="alb-logs", Key=key, Body=gzip.compress(body.encode()))
        telemetry = Telemetry(Settings.from_env(), quiet=True)
        domain = Attribution(field="domain_name")
        result = AlbLogObjects(DataBucket(s3, "lookout-data"), domain, telemetry).handle(
            object_created("alb-logs", key)
        )
        assert result["rows"] == 120 and result["unreadable"] == 0

        athena = AthenaStandIn(lambda region, service: boto3.client(service, region_name=region))
        query = plan(*split_command("/traffic 24h by customer"), config, now=NOW)
        assert "FROM alb_events" in query.query  # unqualified: the runner names the database

        class Client:  # the stand-in behind the runner's boto3-shaped calls
            def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
                method = getattr(athena, name)
                return lambda **kw: method("us-east-1", kw) if name == "start_query_execution" else method(kw)

        answer = AthenaRunner(Client(), workgroup="primary", poll_s=0.01).run(query.query, query.parameters)
        expected = Counter(f"{tenant}.example.com" for _, tenant, _ in entries)
        assert {row[0]: int(row[1]) for row in answer.rows} == dict(expected)
        failing = Counter(f"{tenant}.example.com" for _, tenant, status in entries if status >= 500)
        for row in answer.rows:
            assert float(row[2]) == round(100 * failing[row[0]] / expected[row[0]], 2)
