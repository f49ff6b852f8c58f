"""The configuration table's stream through the normalizer handler into S3 (moto), read back by the Athena
stand-in through the template's Glue tables: inserts, modifies, removes and TTL deletes answer correctly — with
the shipped configuration (the generic settings tables only) and with the demo's mapping besides."""

from __future__ import annotations

import importlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from bot.queries.catalog import load_config
from bot.queries.plans import plan, split_command
from local.athena.standin import AthenaStandIn
from local.demo.config import CONFIG as DEMO_CONFIG
from local.lambda_runtime import LambdaContext
from local.scenario.config_table import create_config_table
from local.scenario.tables import template_tables
from local.stack import environment
from tests.support.athena import run
from tests.support.streams import image, record

if TYPE_CHECKING:
    from collections.abc import Callable

BUCKET = "lookout-data"


def glue_table(name: str, columns: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "Name": name,
        "PartitionKeys": [{"Name": "day", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": t} for n, t in columns],
            "Location": f"s3://{BUCKET}/{name}/",
            "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
        },
    }


def deployed(config: str, table: Callable[[Any], str]) -> Any:
    """handlers/normalize.py as the template deploys it: the data bucket, and the configuration table's stream
    (``CONFIG_STREAM_ARN``), whose key schema it reads at init to know whose item it is."""
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    stream_arn = table(boto3.client("dynamodb", region_name="us-east-1"))
    env = {
        "DATA_BUCKET": BUCKET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "LOOKOUT_CONFIG": config,
        "CONFIG_STREAM_ARN": stream_arn,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",  # moto's in-process mock routes no account endpoints
    }
    with environment(env):
        return importlib.reload(importlib.import_module("handlers.normalize"))


@pytest.fixture
def handler() -> Any:
    """With the demo's configuration: its mapping's field_mappings_* tables besides the generic settings_*."""
    with mock_aws():
        yield deployed(str(DEMO_CONFIG), lambda dynamodb: create_config_table(dynamodb, "config", stream=True))


@pytest.fixture
def shipped() -> Any:
    """With the shipped infra/lookout.yaml: no mapping, no analytics.settings — the generic long form only."""
    with mock_aws():
        yield deployed("infra/lookout.yaml", single_table)


def single_table(dynamodb: Any) -> str:
    """Some team's table, in single-table design: partition key pk (TENANT#…), sort key sk; its stream ARN."""
    return str(
        dynamodb.create_table(
            TableName="app",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
    )


def test_a_batch_lands_in_s3_and_a_redelivery_overwrites(handler: Any) -> None:
    batch = {
        "Records": [
            record(
                "INSERT",
                image(("fieldA", 1))
                | {"fields": {"L": [{"M": {"fieldId": {"S": "fieldA"}, "target": {"S": "crm"}}}]}},
                seq="100",
            )
        ]
    }
    assert handler.lambda_handler(batch, LambdaContext()) == {"batchItemFailures": []}
    assert handler.lambda_handler(batch, LambdaContext()) == {"batchItemFailures": []}  # Lambda redelivers
    s3 = boto3.client("s3", region_name="us-east-1")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert keys == [
        "field_mappings_events/day=2026-11-25/100-100.json",
        "field_mappings_snapshot/day=2026-11-25/100-100.json",
        "settings_events/day=2026-11-25/100-100.json",
        "settings_snapshot/day=2026-11-25/100-100.json",
    ]
    row = json.loads(s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read())
    assert (row["op"], row["tenant"], row["field_id"], row["target"]) == ("INSERT", "acme", "fieldA", "crm")


def test_a_failed_write_asks_lambda_to_retry_from_the_first_record(handler: Any) -> None:
    handler.NORMALIZER.data = replace(handler.NORMALIZER.data, name="no-such-bucket")
    batch = {"Records": [record("INSERT", image(), seq="7"), record("MODIFY", image(), seq="8")]}
    assert handler.lambda_handler(batch, LambdaContext()) == {"batchItemFailures": [{"itemIdentifier": "7"}]}


def test_athena_answers_popular_fields_from_the_current_snapshot(handler: Any) -> None:
    def mapping(tenant: str, mapping_id: str, *fields: str) -> dict[str, Any]:
        return {
            "tenant": {"S": tenant},
            "mappingId": {"S": mapping_id},
            "updatedAt": {"N": "1795600000"},
            "fields": {"L": [{"M": {"fieldId": {"S": f}, "target": {"S": "crm"}}} for f in fields]},
        }

    def change(
        name: str, new: dict[str, Any] | None, old: dict[str, Any] | None, seq: str, ttl: bool = False
    ) -> dict[str, Any]:
        out = record(name, new, old, ttl=ttl, seq=seq)
        keys_from = new or old or {}
        out["dynamodb"]["Keys"] = {"tenant": keys_from["tenant"], "mappingId": keys_from["mappingId"]}
        return out

    a1, a1_edited = mapping("acme", "m-1", "email", "phone"), mapping("acme", "m-1", "email")
    b1, c1 = mapping("globex", "m-1", "email", "vat"), mapping("initech", "m-9", "phone")
    events = [
        change("INSERT", a1, None, "1"),
        change("INSERT", b1, None, "2"),
        change("INSERT", c1, None, "3"),
        change("MODIFY", a1_edited, a1, "4"),
        change("REMOVE", None, c1, "5", ttl=True),
    ]
    assert handler.lambda_handler({"Records": events}, LambdaContext()) == {"batchItemFailures": []}
    glue = boto3.client("glue", region_name="us-east-1")
    glue.create_database(DatabaseInput={"Name": "lookout"})
    columns = [
        ("op", "string"),
        ("at", "timestamp"),
        ("item_key", "string"),
        ("sequence", "string"),
        ("tenant", "string"),
        ("mapping_id", "string"),
        ("updated_at", "timestamp"),
        ("field_id", "string"),
        ("target", "string"),
        ("deleted", "boolean"),
    ]
    glue.create_table(DatabaseName="lookout", TableInput=glue_table("field_mappings_snapshot", columns))
    standin = AthenaStandIn(lambda region, service: boto3.client(service, region_name=region))
    sql = """
WITH latest AS (
  SELECT item_key, max(sequence) AS sequence FROM lookout.field_mappings_snapshot GROUP BY item_key
)
SELECT s.field_id, count(DISTINCT s.item_key) AS mappings
FROM lookout.field_mappings_snapshot s, latest l
WHERE s.item_key = l.item_key AND s.sequence = l.sequence AND NOT s.deleted
GROUP BY s.field_id ORDER BY mappings DESC, s.field_id"""
    execution = standin.start_query_execution("us-east-1", {"QueryString": sql})["QueryExecutionId"]
    while standin.get_query_execution({"QueryExecutionId": execution})["QueryExecution"]["Status"][
        "State"
    ] not in ("SUCCEEDED", "FAILED"):
        pass
    state = standin.get_query_execution({"QueryExecutionId": execution})["QueryExecution"]["Status"]
    assert state["State"] == "SUCCEEDED", state
    rows = standin.get_query_results({"QueryExecutionId": execution})["ResultSet"]["Rows"]
    values = [[c.get("VarCharValue") for c in r["Data"]] for r in rows]
    # acme m-1 now maps only email; globex m-1 email and vat; initech m-9 expired (TTL)
    assert values == [["field_id", "mappings"], ["email", "2"], ["vat", "1"]]


def objects(prefix: str) -> dict[str, list[dict[str, Any]]]:
    s3 = boto3.client("s3", region_name="us-east-1")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {
        o["Key"]: [
            json.loads(line) for line in s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read().splitlines()
        ]
        for o in listed
    }


def test_a_bad_record_is_reported_alone_and_its_neighbours_land(handler: Any) -> None:
    # GIVEN a batch whose third record cannot be read (its field has neither fieldId nor target), between
    # records of the shapes AWS sends: no creation time (the Lambda guide's sample event), a creation time and an
    # updatedAt in milliseconds, fields as a string set
    no_time = record("INSERT", image() | {"fields": {"SS": ["email", "phone"]}}, seq="101")
    del no_time["dynamodb"]["ApproximateCreationDateTime"]  # as in the Lambda guide's sample event
    millis = record("MODIFY", image() | {"updatedAt": {"N": "1795600000123"}}, seq="102")
    millis["dynamodb"]["ApproximateCreationDateTime"] = 1795600000456  # Kinesis Data Streams for DynamoDB
    bad = record("INSERT", image() | {"fields": {"L": [{"M": {"uses": {"S": "many"}}}]}}, seq="103")
    after = record("INSERT", image() | {"fields": {"L": [{"M": {"fieldId": {"S": "vat"}}}]}}, seq="104")
    batch = {"Records": [no_time, millis, bad, after]}
    # WHEN the normalizer handles it
    answer = handler.lambda_handler(batch, LambdaContext())
    # THEN only the bad record is reported, and every other record's rows are in S3
    assert answer == {"batchItemFailures": [{"itemIdentifier": "103"}]}
    events = objects("field_mappings_events/")
    assert sorted({k.rsplit("/", 1)[1] for k in events}) == ["101-102.json", "104-104.json"]  # per run and day
    rows = [r for key in sorted(events) for r in events[key]]
    assert sorted(r["sequence"] for r in rows) == ["101", "101", "102", "104"]
    assert {r["field_id"] for r in rows if r["sequence"] == "101"} == {"email", "phone"}
    assert next(r for r in rows if r["sequence"] == "102")["updated_at"] == "2026-11-25 09:46:40.123"
    # WHEN Lambda retries from the reported record (the records after it come again)
    again = handler.lambda_handler({"Records": [bad, after]}, LambdaContext())
    # THEN the run after it is overwritten under the same name: no row twice
    assert again == {"batchItemFailures": [{"itemIdentifier": "103"}]}
    assert sum(len(v) for v in objects("field_mappings_events/").values()) == 4


def test_a_batch_of_only_bad_records_is_reported_record_by_record(handler: Any) -> None:
    bad = [record("INSERT", image() | {"fields": {"S": "not a list"}}, seq=s) for s in ("7", "8")]
    answer = handler.lambda_handler({"Records": bad}, LambdaContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "7"}, {"itemIdentifier": "8"}]}


def settings_item(sk: str, tenant: str, **attributes: Any) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    item = {"pk": f"TENANT#{tenant}", "sk": sk, **attributes}
    return {k: TypeSerializer().serialize(v) for k, v in item.items()}


def change(name: str, new: dict[str, Any] | None, old: dict[str, Any] | None, seq: str) -> dict[str, Any]:
    out = record(name, new, old, seq=seq)
    out["dynamodb"]["Keys"] = {k: (new or old or {})[k] for k in ("pk", "sk")}
    return out


def test_with_no_configuration_every_attribute_is_a_setting_and_popular_settings_answers(shipped: Any) -> None:
    # GIVEN the shipped configuration (no mapping, no analytics.settings) and a table Lookout knows nothing of
    acme = settings_item("SETTINGS", "acme", theme="dark", notifications={"email": True, "slack": False})
    acme_later = settings_item("SETTINGS", "acme", theme="light", notifications={"email": True})
    globex = settings_item("SETTINGS", "globex", theme="dark", features={"beta-export", "sso"})
    initech = settings_item("SETTINGS", "initech", theme="dark", notifications={"email": False})
    batch = [
        change("INSERT", acme, None, "1"),
        change("INSERT", globex, None, "2"),
        change("INSERT", initech, None, "3"),
        change("MODIFY", acme_later, acme, "4"),
        change("REMOVE", None, initech, "5"),
    ]
    # WHEN the stream delivers its changes
    assert shipped.lambda_handler({"Records": batch}, LambdaContext()) == {"batchItemFailures": []}
    # THEN only the generic tables are written, the tenant is the partition key (from the stream's key schema)
    assert {k.split("/")[0] for k in objects("")} == {"settings_events", "settings_snapshot"}
    changed = [r for rows in objects("settings_events/").values() for r in rows if r["sequence"] == "4"]
    assert [(r["tenant"], r["setting"], r["previous"], r["value"]) for r in changed] == [
        ("TENANT#acme", "notifications.slack", "false", None),
        ("TENANT#acme", "theme", "dark", "light"),
    ]
    # AND the shipped popular-settings, on the Athena stand-in over the template's table, counts as it stands
    glue = boto3.client("glue", region_name="us-east-1")
    glue.create_database(DatabaseInput={"Name": "lookout"})
    glue.create_table(DatabaseName="lookout", TableInput=template_tables(BUCKET)["settings_snapshot"])
    config = load_config(Path("infra/lookout.yaml"), Path("infra/queries"))
    now = datetime(2026, 11, 26, tzinfo=UTC)
    standin = AthenaStandIn(lambda region, service: boto3.client(service, region_name=region))
    popular = plan(*split_command("/query popular-settings"), config, now=now)
    execution, rows = run(standin, popular.query, list(popular.parameters), workgroup="primary")
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert rows[0] == [
        "setting",
        "tenants",
        "items",
        "distinct_values",
        "top_value",
        "top_value_tenants",
        "changed",
    ]
    assert [r[:6] for r in rows[1:]] == [  # initech's item is gone; acme now has theme light
        ["theme", "2", "2", "2", "dark", "1"],
        ["features[]", "1", "1", "2", "beta-export", "1"],
        ["notifications.email", "1", "1", "1", "true", "1"],
    ]
    values = plan(*split_command("/query setting-values setting=theme"), config, now=now)
    _, rows = run(standin, values.query, list(values.parameters), workgroup="primary")
    assert [r[:4] for r in rows[1:]] == [["dark", "string", "1", "1"], ["light", "string", "1", "1"]]
