"""Items written before the stream existed reach the snapshots through `lookout backfill-config`; a later
stream change wins over the backfilled version; the demo's popular-fields and the generic popular-settings on
the Athena stand-in count both right."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bot.analytics.backfill import backfill
from bot.analytics.mapping import load_normalization
from bot.analytics.sink import DataBucket
from bot.analytics.stream import StreamNormalizer
from bot.config import Settings
from bot.observability import Telemetry
from bot.queries.catalog import load_config
from bot.queries.plans import plan, split_command
from local.athena.standin import AthenaStandIn
from local.demo.config import CONFIG as DEMO_CONFIG
from local.demo.config import QUERIES as DEMO_QUERIES
from local.scenario.config_table import create_config_table
from local.scenario.tables import scenario_tables
from tests.support.athena import run

BUCKET, TABLE = "lookout-data", "app-config"
NORMALIZATION = load_normalization(str(DEMO_CONFIG))  # the generic settings_* tables and the demo's mapping


def item(tenant: str, mapping_id: str, *fields: str) -> dict[str, Any]:
    return {
        "tenant": {"S": tenant},
        "mappingId": {"S": mapping_id},
        "fields": {"L": [{"M": {"fieldId": {"S": f}, "target": {"S": "crm"}}} for f in fields]},
    }


@pytest.fixture
def aws() -> Any:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        create_config_table(dynamodb, TABLE, stream=False)  # written before any stream existed
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_database(DatabaseInput={"Name": "lookout"})
        for table in ("field_mappings_snapshot", "settings_snapshot"):
            glue.create_table(DatabaseName="lookout", TableInput=scenario_tables(BUCKET)[table])
        yield s3, dynamodb


def test_backfill_then_a_stream_change(aws: Any) -> None:
    s3, dynamodb = aws
    for it in (item("acme", "m-1", "email", "phone"), item("globex", "m-1", "email"), item("hooli", "m-2", "vat")):
        dynamodb.put_item(TableName=TABLE, Item=it)
    scanned_at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    report = backfill(dynamodb, TABLE, NORMALIZATION, s3, BUCKET, now=lambda: scanned_at)
    # 4 mapped rows (a field each) and 8 settings rows (fields[].fieldId and fields[].target of each field)
    assert (report.items, report.rows, report.malformed) == (3, 4 + 8, [])
    assert {k.split("/")[0] for k in report.keys} == {"field_mappings_snapshot", "settings_snapshot"}
    again = backfill(dynamodb, TABLE, NORMALIZATION, s3, BUCKET, now=lambda: scanned_at)
    assert again.keys == report.keys  # a second run overwrites its own objects
    # later, acme drops phone: the stream delivers the MODIFY after the backfill's moment
    modify = {
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 11, 21, tzinfo=UTC).timestamp(),
            "Keys": {"tenant": {"S": "acme"}, "mappingId": {"S": "m-1"}},
            "NewImage": item("acme", "m-1", "email"),
            "OldImage": item("acme", "m-1", "email", "phone"),
            "SequenceNumber": "110000000000000000001",
        },
    }
    telemetry = Telemetry(Settings.from_env(), quiet=True)
    streamed = NORMALIZATION.with_partition_key("tenant")  # as the handler reads it from the stream's key schema
    assert StreamNormalizer(streamed, DataBucket(s3, BUCKET), telemetry).handle({"Records": [modify]}) == {
        "batchItemFailures": []
    }

    config = load_config(DEMO_CONFIG, DEMO_QUERIES)
    query = plan(*split_command("/query popular-fields"), config, now=datetime(2026, 11, 26, tzinfo=UTC))
    standin = AthenaStandIn(lambda region, service: boto3.client(service, region_name=region))
    execution, rows = run(standin, query.query, list(query.parameters), workgroup="primary")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [("email", "2", "2"), ("vat", "1", "1")]  # phone is gone
    values = plan(
        *split_command("/query setting-values setting=fields[].fieldId"),
        config,
        now=datetime(2026, 11, 26, tzinfo=UTC),
    )
    execution, rows = run(standin, values.query, list(values.parameters), workgroup="primary")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("email", "2", "2"), ("vat", "1", "1")]  # the same, generic


def test_the_cli_reports_what_it_wrote_and_what_it_skipped(
    aws: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main

    _, dynamodb = aws
    dynamodb.put_item(TableName=TABLE, Item=item("acme", "m-1", "email"))
    dynamodb.put_item(TableName=TABLE, Item={**item("acme", "m-2"), "fields": {"S": "not a list"}})
    assert main(["backfill-config", TABLE, "--bucket", BUCKET]) == 1  # one item could not be read
    captured = capsys.readouterr()
    assert captured.out.startswith("2 items → 3 snapshot rows in 2 objects")  # 1 mapped, 2 settings
    assert "skipped" in captured.err and "m-2" in captured.err and "fields is not a list" in captured.err
    monkeypatch.delenv("DATA_BUCKET", raising=False)
    assert main(["backfill-config", TABLE]) == 2
    assert "give --bucket" in capsys.readouterr().err
