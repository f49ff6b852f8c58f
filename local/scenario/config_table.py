"""The scenario's configuration data: the app's field-mapping table in moto's DynamoDB with a stream, written
as an app would (tenants creating, editing and deleting mappings), and its stream read the way Lambda's
event source mapping reads it, handed to the production normalizer (``bot.analytics.stream``) in Lambda's
documented DynamoDB event shape, with the demo's configuration (``local/demo/config/lookout.yaml``), which
writes the generic ``settings_*`` tables and the demo mapping's ``field_mappings_*`` tables to S3.

What this module adds to moto: the poller (DescribeStream → GetShardIterator → GetRecords, batches of up to
100 records as Lambda's default) and the conversion of GetRecords' records into Lambda's event records
(``eventSourceARN``, ``ApproximateCreationDateTime`` as epoch seconds, binary values as base64 text). The
items and the changes are the scenario's; the rows in S3 are the normalizer's.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    import random
    from collections.abc import Mapping

TABLE = "app-field-mappings"
TARGETS = ("crm", "erp", "billing", "warehouse")
FIELDS = ("email", "phone", "address", "sku", "price", "qty", "currency", "notes", "vat_id", "legacy_code")
BATCH_SIZE = 100  # Lambda's default for DynamoDB streams


@dataclass
class ConfigChanges:
    """What the scenario wrote: the final items by key (tenant, mapping id; their ``fields`` and the ``at`` of
    their last change) and how many stream records."""

    items: dict[tuple[str, str], dict[str, Any]]
    records: int
    batches: int


def seed_configuration(
    tenants: tuple[str, ...], region: str, bucket: str, rng: random.Random, now: datetime | None = None
) -> ConfigChanges:
    """Create the table, let tenants configure their mappings, then run its stream through the normalizer."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    stream_arn = create_config_table(dynamodb, TABLE, stream=True)
    moments: list[datetime] = []
    items = _write_changes(dynamodb, tenants, rng, now or datetime.now(UTC), moments)
    records, batches = _run_stream(stream_arn, region, bucket, moments)
    return ConfigChanges(items, records, batches)


def create_config_table(dynamodb: Any, name: str, *, stream: bool) -> str:
    """The app's field-mapping table (keys tenant, mappingId); its stream ARN when ``stream`` (else "")."""
    spec = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"} if stream else {"StreamEnabled": False}
    table = dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "tenant", "KeyType": "HASH"},
            {"AttributeName": "mappingId", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "tenant", "AttributeType": "S"},
            {"AttributeName": "mappingId", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification=spec,
    )["TableDescription"]
    return str(table.get("LatestStreamArn", ""))


def _write_changes(
    dynamodb: Any, tenants: tuple[str, ...], rng: random.Random, now: datetime, moments: list[datetime]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Every tenant creates 2–5 mappings of 1–4 fields (popular fields more likely) over the past four weeks;
    this week some are edited and one is deleted. ``moments`` gets each change's time, in write order."""
    weights = [12, 7, 6, 9, 8, 8, 5, 3, 2, 1]
    items: dict[tuple[str, str], dict[str, Any]] = {}
    created = sorted(now - timedelta(days=rng.uniform(8, 28)) for _ in range(len(tenants) * 5))

    def put(tenant: str, mapping_id: str, fields: list[tuple[str, str]], at: datetime) -> None:
        moments.append(at)
        item = {
            "tenant": {"S": tenant},
            "mappingId": {"S": mapping_id},
            "updatedAt": {"N": str(int(at.timestamp()))},
            "fields": {"L": [{"M": {"fieldId": {"S": f}, "target": {"S": t}}} for f, t in fields]},
            "checksum": {"B": rng.randbytes(8)},  # a binary attribute, as Lambda delivers it: base64 text
        }
        dynamodb.put_item(TableName=TABLE, Item=item)
        items[(tenant, mapping_id)] = {"fields": fields, "at": at}

    for tenant in tenants:
        for number in range(1, rng.randint(2, 5) + 1):
            chosen = sorted(set(rng.choices(FIELDS, weights=weights, k=rng.randint(1, 4))))
            put(tenant, f"m-{number:02d}", [(f, rng.choice(TARGETS)) for f in chosen], created[len(moments)])
    edits = rng.sample(sorted(items), k=3)
    for day, key in zip((4, 2), edits[:2], strict=True):  # an edit: one field dropped (or a field added)
        fields = items[key]["fields"]
        changed = fields[1:] if len(fields) > 1 else [*fields, ("notes", "crm")]
        put(*key, changed, now - timedelta(days=day))
    gone = edits[2]  # a deleted mapping: its rows drop out of the current configuration
    moments.append(now - timedelta(days=1))
    dynamodb.delete_item(TableName=TABLE, Key={"tenant": {"S": gone[0]}, "mappingId": {"S": gone[1]}})
    del items[gone]
    return items


def _run_stream(stream_arn: str, region: str, bucket: str, moments: list[datetime]) -> tuple[int, int]:
    """Read every shard from TRIM_HORIZON and hand Lambda-shaped batches to the normalizer; (records, batches).
    Each record carries the time its change was made in the story (``moments``, in write order), not the
    moment the demo wrote it: the history spans four weeks."""
    from bot.analytics.mapping import load_normalization
    from bot.analytics.sink import DataBucket
    from bot.analytics.stream import StreamNormalizer, stream_partition_key
    from bot.config import Settings
    from bot.observability import Telemetry
    from local.demo.config import CONFIG

    # botocore addresses streams by account (<account>.streams-ddb…), which moto's in-process mock does not route
    streams = boto3.client(
        "dynamodbstreams", region_name=region, config=Config(account_id_endpoint_mode="disabled")
    )
    normalization = load_normalization(str(CONFIG))  # as handlers/normalize.py builds it: the key schema says
    if normalization.form.tenant is None:  # whose item it is
        normalization = normalization.with_partition_key(stream_partition_key(streams, stream_arn))
    assert normalization.mapping is not None, f"{CONFIG} has no analytics.configuration"
    normalizer = StreamNormalizer(
        normalization,
        DataBucket(boto3.client("s3", region_name=region), bucket),
        Telemetry.for_cli(Settings.from_env()),
    )
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        next_iterator: str | None = iterator
        while next_iterator:
            page = streams.get_records(ShardIterator=next_iterator, Limit=1000)
            records.extend(lambda_record(r, stream_arn) for r in page["Records"])
            next_iterator = page.get("NextShardIterator") if page["Records"] else None
    records.sort(key=lambda r: int(r["dynamodb"]["SequenceNumber"]))
    assert len(records) == len(moments), (len(records), len(moments))
    for record, moment in zip(records, moments, strict=True):
        record["dynamodb"]["ApproximateCreationDateTime"] = int(moment.timestamp())
    batches = [records[i : i + BATCH_SIZE] for i in range(0, len(records), BATCH_SIZE)]
    for batch in batches:
        answer = normalizer.handle({"Records": batch})
        assert answer == {"batchItemFailures": []}, answer
    return len(records), len(batches)


def lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda delivers it: epoch-second creation time, base64 binaries, the source ARN."""
    stream: dict[str, Any] = dict(record["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        stream["ApproximateCreationDateTime"] = int(created.timestamp())
    for image in ("Keys", "NewImage", "OldImage"):
        if image in stream:
            stream[image] = {k: _wire(v) for k, v in stream[image].items()}
    out = {k: v for k, v in record.items() if k != "dynamodb"}
    return {**out, "dynamodb": stream, "eventSourceARN": stream_arn}


def _wire(value: dict[str, Any]) -> dict[str, Any]:
    """boto3 decodes B/BS to bytes; Lambda's JSON event carries them as base64 text."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(v).decode() for v in inner]}
    if kind == "L":
        return {"L": [_wire(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _wire(v) for k, v in inner.items()}}
    return value
