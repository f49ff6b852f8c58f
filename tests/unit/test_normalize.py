"""The DynamoDB stream normalizer on real record shapes (tests/fixtures/streams/SOURCES.md): aws-lambda-go's every-type
event, the Lambda guide's sample event (no creation time), a Kinesis Data Streams for DynamoDB record (creation
time in milliseconds), and records in the shape of the DynamoDB Developer Guide's stream and TTL examples
(REMOVE by ``dynamodb.amazonaws.com``)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.analytics.mapping import MappingError, load_mapping
from bot.analytics.normalize import normalize, normalize_record
from tests.support.streams import image, record

EVERY_TYPE = json.loads((Path(__file__).parents[1] / "fixtures/streams/dynamodb_go_every_type.json").read_text())

TYPES_MAPPING = load_mapping(
    {
        "name": "examples",
        "key": ["key", "val"],
        "columns": {
            "string": {"from": "String", "type": "string"},
            "whole": {"from": "IntegerNumber", "type": "bigint"},
            "fraction": {"from": "FloatNumber", "type": "double"},
            "flag": {"from": "Boolean", "type": "boolean"},
            "person": {"from": "Map.Name", "type": "string"},
            "age": {"from": "Map.Age", "type": "bigint"},
            "things": {"from": "List", "type": "string"},
            "numbers": {"from": "NumberSet", "type": "string"},
            "binary": {"from": "Binary", "type": "string"},
            "nothing": {"from": "Null", "type": "string"},
            "absent": {"from": "NotThere", "type": "string"},
        },
    },
    "test",
)


def test_every_attribute_type_becomes_a_typed_column() -> None:
    result = normalize(EVERY_TYPE["Records"], TYPES_MAPPING)
    assert result.malformed == []
    first, second = result.events
    assert (first["op"], first["at"], first["day"]) == ("INSERT", "2016-12-02 01:27:00.000", "2016-12-02")
    assert first["item_key"] == '["binary","data"]'
    assert second["string"] == "Hello" and second["whole"] == 123 and second["fraction"] == 123.45
    assert second["flag"] is True and second["person"] == "Joe" and second["age"] == 35
    assert json.loads(second["things"]) == ["Cookies", "Coffee", 3.14159]
    assert json.loads(second["numbers"]) == [567.8, 1234]
    assert second["binary"] == "AAEqQQ=="  # the bytes, not base64 of base64
    assert second["nothing"] is None and second["absent"] is None
    assert [row["deleted"] for row in result.snapshot] == [False, False]


FIELD_MAPPINGS = load_mapping(
    {
        "name": "field_mappings",
        "key": ["tenant", "mappingId"],
        "columns": {"tenant": {"from": "tenant"}, "mapping_id": {"from": "mappingId"}},
        "explode": {
            "from": "fields",
            "columns": {"field_id": {"from": "fieldId"}, "uses": {"from": "uses", "type": "bigint"}},
        },
    },
    "test",
)


def test_nested_lists_are_exploded_into_rows() -> None:
    result = normalize([record("INSERT", image(("fieldA", 3), ("fieldB", 0)))], FIELD_MAPPINGS)
    assert [(r["op"], r["tenant"], r["mapping_id"], r["field_id"], r["uses"]) for r in result.events] == [
        ("INSERT", "acme", "m-01", "fieldA", 3),
        ("INSERT", "acme", "m-01", "fieldB", 0),
    ]


def test_modify_remove_and_ttl_delete() -> None:
    old, new = image(("fieldA", 3)), image(("fieldA", 4))
    result = normalize(
        [
            record("MODIFY", new, old, seq="2"),
            record("REMOVE", None, new, seq="3"),
            record("REMOVE", None, new, ttl=True, seq="4"),
        ],
        FIELD_MAPPINGS,
    )
    assert [(r["op"], r["uses"], r["sequence"]) for r in result.events] == [
        ("MODIFY", 4, "2"),
        ("REMOVE", 4, "3"),
        ("TTL_DELETE", 4, "4"),
    ]
    assert [r["deleted"] for r in result.snapshot] == [False, True, True]


def test_a_malformed_item_is_reported_and_the_batch_goes_on() -> None:
    bad_type = record(
        "INSERT",
        {**image(("fieldA", 1)), "fields": {"L": [{"M": {"fieldId": {"S": "x"}, "uses": {"S": "many"}}}]}},
        seq="5",
    )
    no_keys = copy.deepcopy(record("INSERT", image(), seq="6"))
    del no_keys["dynamodb"]["Keys"]
    good = record("INSERT", image(("fieldZ", 9)), seq="7")
    result = normalize([bad_type, no_keys, good], FIELD_MAPPINGS)
    assert [s for s, _ in result.malformed] == ["5", "6"]
    assert "uses: 'many' is not a bigint" in result.malformed[0][1]
    assert [(r["field_id"], r["uses"]) for r in result.events] == [("fieldZ", 9)]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"name": "X", "key": ["k"], "columns": {"a": {"from": "a"}}}, "test.name"),
        ({"name": "x", "key": [], "columns": {"a": {"from": "a"}}}, "test.key"),
        ({"name": "x", "key": ["k"], "columns": {"a": {"from": "a", "type": "int"}}}, "test.columns.a.type"),
        ({"name": "x", "key": ["k"], "columns": {"op": {"from": "a"}}}, "test.columns.op"),
        (
            {
                "name": "x",
                "key": ["k"],
                "columns": {"a": {"from": "a"}},
                "explode": {"from": "l", "columns": {"a": {"from": "b"}}},
            },
            "already in columns",
        ),
    ],
)
def test_an_invalid_mapping_names_the_field(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError, match=message.replace(".", r"\.")):
        load_mapping(raw, "test")


FIXTURES = Path(__file__).parents[1] / "fixtures/streams"
RECEIVED = datetime(2026, 11, 26, 12, 0, 5, tzinfo=UTC)
GUIDE_MAPPING = load_mapping(
    {"name": "examples", "key": ["Id"], "columns": {"message": {"from": "Message"}}}, "test"
)


def test_the_lambda_guides_records_without_a_creation_time_take_the_batchs_arrival() -> None:
    records = json.loads((FIXTURES / "dynamodb_lambda_guide_no_creation_time.json").read_text())["Records"]
    result = normalize(records, GUIDE_MAPPING, received=RECEIVED)
    assert result.malformed == []
    assert [(r["op"], r["at"], r["day"], r["message"]) for r in result.events] == [
        ("INSERT", "2026-11-26 12:00:05.000", "2026-11-26", "New item!"),
        ("MODIFY", "2026-11-26 12:00:05.000", "2026-11-26", "This item has changed"),
        ("REMOVE", "2026-11-26 12:00:05.000", "2026-11-26", "This item has changed"),
    ]


def test_a_kinesis_records_creation_time_in_milliseconds() -> None:
    record = json.loads((FIXTURES / "dynamodb_kinesis_record_milliseconds.json").read_text())
    mapping = load_mapping(
        {"name": "examples", "key": ["id"], "columns": {"created": {"from": "created", "type": "timestamp"}}}, "t"
    )
    ((row,), _) = normalize_record(record, mapping)
    assert (row["at"], row["day"]) == ("2022-04-13 00:22:36.015", "2022-04-13")  # 1649809356015 ms
    assert row["created"] == "2022-02-16 15:12:00.140"


CONFIG = load_mapping(
    {
        "name": "field_mappings",
        "key": ["tenant", "mappingId"],
        "columns": {"tenant": {"from": "tenant"}, "updated_at": {"from": "updatedAt", "type": "timestamp"}},
        "explode": {"from": "fields", "columns": {"field_id": {"from": "fieldId"}, "target": {"from": "target"}}},
    },
    "test",
)


def test_an_updated_at_in_epoch_milliseconds_is_the_same_moment() -> None:
    item = {**image(("fieldA", 1)), "updatedAt": {"N": "1795600000123"}}
    result = normalize([record("INSERT", item)], CONFIG)
    assert result.malformed == [] and result.events[0]["updated_at"] == "2026-11-25 09:46:40.123"


@pytest.mark.parametrize(
    "fields",
    [
        {"L": [{"S": "phone"}, {"S": "email"}]},  # a list of strings
        {"SS": ["phone", "email"]},  # a string set
    ],
)
def test_a_list_of_field_names_gives_a_row_per_field(fields: dict[str, Any]) -> None:
    result = normalize([record("INSERT", {**image(), "fields": fields})], CONFIG)
    assert result.malformed == []
    assert sorted((r["field_id"], r["target"]) for r in result.events) == [("email", None), ("phone", None)]


def test_an_element_with_none_of_the_exploded_columns_is_reported() -> None:
    fields = {"L": [{"M": {"fieldId": {"S": "email"}}}, {"M": {"name": {"S": "phone"}}}]}
    result = normalize([record("INSERT", {**image(), "fields": fields}, seq="9")], CONFIG)
    assert result.events == [] and result.malformed == [("9", "fields[1] has none of fieldId, target")]
