"""Items written before the stream existed reach the snapshot through `lookout backfill-config`; a later
stream change wins over the backfilled version; popular-fields on the Athena stand-in counts both right."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bot.analytics.backfill import backfill
from bot.analytics.mapping import load_configuration_mapping
from bot.analytics.stream import StreamNormalizer
from bot.config import Settings
from bot.observability import Telemetry
from bot.queries.catalog import load_config
from bot.queries.plans import plan, split_command
from local.athena_standin import AthenaStandIn
from local.scenario_config import create_config_table
from local.scenario_tables import template_tables
from tests.support.athena import run

BUCKET, TABLE = "lookout-data", "app-config"
MAPPING = load_configuration_mapping("infra/lookout.yaml")


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
        glue.create_table(DatabaseName="lookout", TableInput=template_tables(BUCKET)["field_mappings_snapshot"])
        yield s3, dynamodb


def test_backfill_then_a_stream_change(aws: Any) -> None:
    s3, dynamodb = aws
    assert MAPPING is not None
    for it in (item("acme", "m-1", "email", "phone"), item("globex", "m-1", "email"), item("hooli", "m-2", "vat")):
        dynamodb.put_item(TableName=TABLE, Item=it)
    scanned_at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    report = backfill(dynamodb, TABLE, MAPPING, s3, BUCKET, now=lambda: scanned_at)
    assert (report.items, report.rows, report.malformed) == (3, 4, [])
    again = backfill(dynamodb, TABLE, MAPPING, s3, BUCKET, now=lambda: scanned_at)
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
    assert StreamNormalizer(MAPPING, s3, BUCKET, telemetry).handle({"Records": [modify]}) == {
        "batchItemFailures": []
    }

    config = load_config(Path("infra/lookout.yaml"), Path("infra/queries"))
    query = plan(*split_command("/query popular-fields"), config, now=datetime(2026, 11, 26, tzinfo=UTC))
    standin = AthenaStandIn(lambda region, service: boto3.client(service, region_name=region))
    execution, rows = run(standin, query.query, list(query.parameters), workgroup="primary")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [("email", "2", "2"), ("vat", "1", "1")]  # phone is gone


def test_the_cli_reports_what_it_wrote_and_what_it_skipped(
    aws: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main

    _, dynamodb = aws
    dynamodb.put_item(TableName=TABLE, Item=item("acme", "m-1", "email"))
    dynamodb.put_item(TableName=TABLE, Item={**item("acme", "m-2"), "fields": {"S": "not a list"}})
    assert main(["backfill-config", TABLE, "--bucket", BUCKET]) == 1  # one item could not be read
    captured = capsys.readouterr()
    assert captured.out.startswith("2 items → 1 snapshot rows in 1 objects")
    assert "skipped" in captured.err and "m-2" in captured.err and "fields is not a list" in captured.err
    monkeypatch.delenv("DATA_BUCKET", raising=False)
    assert main(["backfill-config", TABLE]) == 2
    assert "give --bucket" in capsys.readouterr().err
