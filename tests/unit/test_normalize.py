"""The DynamoDB stream normalizer on real record shapes (tests/fixtures/streams/SOURCES.md): aws-lambda-go's every-type
event, the Lambda guide's sample event (no creation time), a Kinesis Data Streams for DynamoDB record (creation
time in milliseconds), and records in the shape of the DynamoDB Developer Guide's stream and TTL examples
(REMOVE by ``dynamodb.amazonaws.com``)."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.analytics.long_form import long_form_rows, normalized_rows
from bot.analytics.mapping import Normalization, SettingsForm, load_mapping, load_settings_form
from bot.analytics.normalize import BACKFILL_SOURCE, Malformed, normalize, normalize_record, read_change
from bot.config import ConfigError
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
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
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


# --- the generic long form: every attribute a setting, no mapping ------------------------------------------


def settings(rows: list[dict[str, Any]]) -> dict[str, list[tuple[str | None, str | None]]]:
    found: dict[str, list[tuple[str | None, str | None]]] = {}
    for row in rows:
        found.setdefault(row["setting"], []).append((row["value"], row["value_type"]))
    return found


def test_every_attribute_type_becomes_settings_of_the_long_form() -> None:
    # GIVEN aws-lambda-go's every-type record, and only the table's partition key known (key; sort key val)
    change = read_change(EVERY_TYPE["Records"][1])
    events, snapshot = long_form_rows(change, SettingsForm(partition_key="key"))
    # THEN each scalar is a setting at its path, lists and sets a row per element, the key attributes none
    found = settings(snapshot)
    assert {r["tenant"] for r in snapshot} == {"binary"} and "key" not in found and "val" not in found
    assert {r["item_key"] for r in snapshot} == {'{"key":"binary","val":"data"}'}
    assert found["String"] == [("Hello", "string")] and found["Boolean"] == [("true", "boolean")]
    assert found["IntegerNumber"] == [("123", "number")] and found["FloatNumber"] == [("123.45", "number")]
    assert found["Map.Name"] == [("Joe", "string")] and found["Map.Age"] == [("35", "number")]
    assert found["List[]"] == [("Cookies", "string"), ("Coffee", "string"), ("3.14159", "number")]
    assert found["NumberSet[]"] == [("567.8", "number"), ("1234", "number")]  # a set, in order
    assert found["StringSet[]"] == [("Giraffe", "string"), ("Zebra", "string")]
    assert found["Binary"] == [("AAEqQQ==", "binary")] and found["Null"] == [(None, "null")]
    assert found["BinarySet[]"] == [("AAEqQQ==", "binary")]  # a set: the repeated element once
    # AND an insert's events are every setting, set from nothing
    assert all(r["previous"] is None and r["op"] == "INSERT" for r in events) and len(events) == len(snapshot)


def long_form(*records: dict[str, Any], form: SettingsForm | None = None) -> list[dict[str, list[dict[str, Any]]]]:
    normalization = Normalization(form or SettingsForm(tenant="tenant"))
    return [normalized_rows(r, normalization) for r in records]


def test_a_modify_gives_a_row_per_setting_it_changed() -> None:
    old = image(("email", 1), ("phone", 2)) | {"theme": {"S": "dark"}, "beta": {"BOOL": True}}
    new = image(("email", 1), ("vat", 2)) | {"theme": {"S": "light"}, "seats": {"N": "10"}}
    ((tables),) = long_form(record("MODIFY", new, old, seq="7"))
    changed = [(r["setting"], r["previous"], r["value"], r["value_type"]) for r in tables["settings_events"]]
    assert changed == [
        ("beta", "true", None, None),  # removed
        ("fields[].fieldId", "phone", "vat", "string"),  # a list element replaced
        ("seats", None, "10", "number"),  # added
        ("theme", "dark", "light", "string"),
    ]
    assert settings(tables["settings_snapshot"])["fields[].fieldId"] == [("email", "string"), ("vat", "string")]


def test_a_change_that_changes_no_setting_is_still_an_event() -> None:
    same = image(("email", 1))
    ((tables),) = long_form(
        record("MODIFY", same | {"updatedAt": {"N": "2"}}, same | {"updatedAt": {"N": "1"}}),
        form=SettingsForm(tenant="tenant", ignore=(("updatedAt",),)),
    )
    assert [(r["op"], r["setting"]) for r in tables["settings_events"]] == [("MODIFY", None)]


def test_a_removed_item_leaves_one_deleted_snapshot_row_and_every_setting_as_an_event() -> None:
    old = image(("email", 1)) | {"theme": {"S": "dark"}}
    removed, expired = long_form(
        record("REMOVE", None, old, seq="8"), record("REMOVE", None, old, ttl=True, seq="9")
    )
    for tables, op in ((removed, "REMOVE"), (expired, "TTL_DELETE")):
        assert [(r["op"], r["setting"], r["deleted"]) for r in tables["settings_snapshot"]] == [(op, None, True)]
        assert {(r["setting"], r["previous"], r["value"]) for r in tables["settings_events"]} == {
            ("fields[].fieldId", "email", None),
            ("fields[].uses", "1", None),
            ("theme", "dark", None),
        }


def test_attributes_and_ignore_say_which_attributes_are_settings() -> None:
    item = image(("email", 1)) | {"prefs": {"M": {"theme": {"S": "dark"}, "beta": {"BOOL": True}}}}
    form = load_settings_form({"tenant": "tenant", "attributes": ["prefs"], "ignore": ["prefs.beta"]}, "t")
    ((tables),) = long_form(record("INSERT", item), form=form)
    assert list(settings(tables["settings_snapshot"])) == ["prefs.theme"]
    # a key attribute is a setting only when named
    ((tables),) = long_form(
        record("INSERT", item), form=SettingsForm(tenant="tenant", attributes=(("mappingId",),))
    )
    assert settings(tables["settings_snapshot"]) == {"mappingId": [("m-01", "string")]}


def test_whose_item_it_is() -> None:
    item = image(("email", 1)) | {"owner": {"S": "globex"}}
    # the partition key, from the table's key schema, or an attribute analytics.settings names
    ((by_key),) = long_form(record("INSERT", item), form=SettingsForm(partition_key="tenant"))
    ((by_attribute),) = long_form(
        record("INSERT", item), form=SettingsForm(tenant="owner", partition_key="tenant")
    )
    assert {r["tenant"] for r in by_key["settings_snapshot"]} == {"acme"}
    assert {r["tenant"] for r in by_attribute["settings_snapshot"]} == {"globex"}
    # a table keyed by one attribute needs neither
    single = record("INSERT", {"id": {"S": "t-9"}, "theme": {"S": "dark"}})
    single["dynamodb"]["Keys"] = {"id": {"S": "t-9"}}
    ((tables),) = long_form(single, form=SettingsForm())
    assert [(r["tenant"], r["setting"]) for r in tables["settings_snapshot"]] == [("t-9", "theme")]
    # a compound key and nothing to say which part is the tenant: reported, with what to do
    with pytest.raises(Malformed, match="Set analytics.settings.tenant"):
        long_form(record("INSERT", item), form=SettingsForm())


def test_a_record_the_mapping_cannot_read_gives_no_table_a_row() -> None:
    bad = record("INSERT", image() | {"fields": {"S": "not a list"}}, seq="3")
    with pytest.raises(Malformed, match="fields is not a list"):
        normalized_rows(bad, Normalization(SettingsForm(tenant="tenant"), FIELD_MAPPINGS))
    good = normalized_rows(
        record("INSERT", image(("a", 1))), Normalization(SettingsForm(tenant="tenant"), FIELD_MAPPINGS)
    )
    assert set(good) == {
        "settings_events",
        "settings_snapshot",
        "field_mappings_events",
        "field_mappings_snapshot",
    }


def test_a_backfilled_item_is_a_snapshot_only() -> None:
    backfilled = record("INSERT", image(("email", 1))) | {"eventSource": BACKFILL_SOURCE}
    ((tables),) = long_form(backfilled)
    assert tables["settings_events"] == [] and {r["op"] for r in tables["settings_snapshot"]} == {"BACKFILL"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("tenant", "t: expected a mapping"),
        ({"tenant": ""}, "t.tenant"),
        ({"attributes": "prefs"}, "t.attributes: expected a list"),
        ({"ignore": ["a..b", ".x"]}, "t.ignore"),
        ({"columns": {}}, "t.columns: unknown key (expected one of: tenant, attributes, ignore)"),
    ],
)
def test_invalid_settings_name_the_field(raw: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings_form(raw, "t")


def test_a_mapping_may_not_take_the_long_forms_name() -> None:
    with pytest.raises(ConfigError, match="settings is the long form's"):
        load_mapping({"name": "settings", "key": ["k"], "columns": {"a": {"from": "a"}}}, "t")
