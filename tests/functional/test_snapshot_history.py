""" "As it stands" includes every live item however old: a mapping backfilled three years ago and never changed
since is still counted by popular-fields, through the template's snapshot table and its partition projection on
the Athena stand-in (which applies projection ranges as Athena documents them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bot.analytics.backfill import backfill
from bot.analytics.mapping import load_configuration_mapping
from bot.queries.catalog import load_config
from bot.queries.plans import plan, split_command
from local.athena.standin import AthenaStandIn
from local.demo.config import CONFIG as DEMO_CONFIG
from local.demo.config import QUERIES as DEMO_QUERIES
from local.scenario.config_table import create_config_table
from local.scenario.tables import scenario_tables
from tests.support.athena import run

BUCKET, TABLE = "lookout-data", "app-config"


def item(tenant: str, mapping_id: str, *fields: str) -> dict[str, Any]:
    return {
        "tenant": {"S": tenant},
        "mappingId": {"S": mapping_id},
        "fields": {"L": [{"M": {"fieldId": {"S": f}, "target": {"S": "crm"}}} for f in fields]},
    }


def test_a_mapping_unchanged_for_three_years_is_part_of_the_configuration() -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)  # the stand-in's NOW is real
    mapping = load_configuration_mapping(str(DEMO_CONFIG))
    assert mapping is not None
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        create_config_table(dynamodb, TABLE, stream=False)
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_database(DatabaseInput={"Name": "lookout"})
        glue.create_table(DatabaseName="lookout", TableInput=scenario_tables(BUCKET)["field_mappings_snapshot"])
        # GIVEN acme's mapping, backfilled three years ago and never changed since
        dynamodb.put_item(TableName=TABLE, Item=item("acme", "m-1", "legacy_code"))
        long_ago = today - timedelta(days=3 * 365)
        backfill(dynamodb, TABLE, mapping, s3, BUCKET, now=lambda: long_ago)
        # WHEN popular-fields asks for the configuration as it stands today
        config = load_config(DEMO_CONFIG, DEMO_QUERIES)
        query = plan(*split_command("/query popular-fields"), config, now=today)
        standin = AthenaStandIn(lambda region, service: boto3.client(service, region_name=region))
        execution, rows = run(standin, query.query, list(query.parameters), workgroup="primary")
    # THEN the old mapping is counted (its newest row is three years old, and it was not deleted)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [("legacy_code", "1", "1")]
