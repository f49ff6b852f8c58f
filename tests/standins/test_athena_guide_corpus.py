"""The Athena User Guide's array, map, row and JSON examples (awsdocs/amazon-athena-user-guide ``doc_source/``:
creating, accessing, filtering, sorting, flattening, aggregating and converting arrays, rows and structs, maps,
extracting and parsing JSON), verbatim in ``tests/fixtures/queries/athena/``, run by the stand-in. Each answer is
the page's, computed here in plain Python from the query's own data and printed as Athena engine 3 prints it:
arrays ``[1, 2]`` (``java.util.List``), maps ``{k=v}`` in ``java.util.HashMap`` order (Trino's
``MapType.getObjectValue``; the guide's ``{last=Smith, first=Bob, age=35}`` is that order), rows ``{name=v}`` with
unquoted field names folded to lower case (the guide's ``{NAME=Bob}`` is engine 1's) and ``field0…`` unnamed.
Where the guide says an order is not guaranteed, the rows or elements are compared as sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.athena.render import hashmap_order
from local.athena.sql import execute

QUERIES = Path(__file__).parent.parent / "fixtures" / "queries" / "athena"


def run(name: str, catalog: dict[str, Any] | None = None) -> tuple[list[tuple[str, str]], list[list[str | None]]]:
    def read(uri: str) -> tuple[bytes, int]:
        raise KeyError(uri)

    read.list = lambda prefix: []  # type: ignore[attr-defined]
    sql = (QUERIES / f"{name}.sql").read_text()
    outcome = execute(sql, [], lambda d, t: (catalog or {}).get(f"{d}.{t}"), read, database="d")
    return outcome.columns, outcome.rows


def java_list(items: list[Any]) -> str:
    return "[" + ", ".join("null" if i is None else str(i) for i in items) + "]"


def java_map(pairs: list[tuple[str, Any]]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in hashmap_order(pairs)) + "}"


PEOPLE = [("Bob", "Smith", "40"), ("Jane", "Doe", "30"), ("Billy", "Smith", "8")]
USERS = [
    ("Sally", "engineering", [1, 2, 3, 4]),
    ("John", "finance", [7, 8, 9]),
    ("Amy", "devops", [12, 13, 14, 15]),
]
SITES = {
    "aws.amazon.com": [("bigdata", 10), ("serverless", 50), ("analytics", 82), ("iot", 74)],
    "news.cnn.com": [("politics", 241), ("technology", 211), ("serverless", 25), ("iot", 170)],
    "netflix.com": [("cartoons", 1020), ("house of cards", 112042), ("orange is the new black", 342), ("iot", 4)],
}
BLOB_PROJECTS = [{"name": "project1", "completed": False}, {"name": "project2", "completed": True}]


# --- creating, accessing, converting: one row each, the page's answer ---


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("creating_arrays_literal", [("items", "array", java_list([1, 2, 3, 4]))]),
        ("creating_arrays_nested", [("items", "array", "[[1, 2], [3, 4]]")]),
        ("creating_arrays_from_columns", [("items", "array", java_list([1, 2, 3]))]),
        ("creating_arrays_welcome_msg", [("welcome_msg", "array", "[[hello, amazon, athena], [hi, alexa]]")]),
        (
            "creating_arrays_of_maps",
            [
                (
                    "people",
                    "array",
                    java_list([java_map(list(zip(("first", "last", "age"), p, strict=True))) for p in PEOPLE]),
                )
            ],
        ),
        (
            "accessing_array_subscript",
            [("item", "json", json.dumps({"a1": 1, "a2": 2, "a3": 3}, separators=(",", ":")))],
        ),
        (
            "accessing_array_element_at",
            [
                ("first_word", "varchar", "hello"),
                ("middle_word", "varchar", "amazon"),
                ("last_word", "varchar", "athena"),
            ],
        ),
        ("filtering_arrays_filter_positive", [("_col0", "array", java_list([x for x in [1, 0, 5, -1] if x > 0]))]),
        (
            "filtering_arrays_filter_not_null",
            [("_col0", "array", java_list([x for x in [-1, None, 10, None] if x is not None]))],
        ),
        ("sorting_arrays_distinct", [("array_items", "array", java_list(sorted({3, 1, 2, 5, 6, 4})))]),
        ("flattening_arrays_flatten", [("items", "array", java_list([1, 2, 3, 4]))]),
        ("converting_array_cast_varchar", [("items", "array", java_list(["4", "5"]))]),
        (
            "converting_array_maps_to_json",
            [("items", "array", '[{"a1":1,"a2":2,"a3":3}, {"b1":4,"b2":5,"b3":6}]')],
        ),
        ("converting_arrays_to_strings", [("welcome_msg", "varchar", " ".join(["hello", "amazon", "athena"]))]),
        ("arrays_from_subqueries_array_agg", [("array_items", "array", java_list([1, 2, 3, 4, 5]))]),
        ("rows_creating_row", [("users", "row", "{field0=Bob, field1=38}")]),
        ("rows_cast_field_names", [("users", "row", "{name=Bob, age=38}")]),
        (
            "rows_array_of_rows",
            [
                (
                    "users",
                    "array",
                    java_list([f"{{name={n}, age={a}}}" for n, a in [("Bob", 38), ("Alice", 35), ("Jane", 27)]]),
                )
            ],
        ),
        ("rows_nested_boolean", [("sites", "row", "{hostname=aws.amazon.com, flaggedactivity={isnew=true}}")]),
        ("rows_nested_dot_notation", [("hostname", "varchar", "aws.amazon.com"), ("isnew", "boolean", "true")]),
        ("maps_user", [("user", "map", java_map([("first", "Bob"), ("last", "Smith"), ("age", "35")]))]),
        ("maps_subscript", [("first_name", "varchar", "Bob")]),
        (
            "json_extract",
            [
                ("name", "json", json.dumps("Susan Smith")),
                ("projects", "json", json.dumps(BLOB_PROJECTS, separators=(",", ":"))),
            ],
        ),
        # json_extract_scalar of an array is NULL (Trino: "the value referenced … must be a scalar")
        ("json_extract_scalar", [("name", "varchar", "Susan Smith"), ("projects", "varchar", None)]),
        ("json_array_get", [("item", "json", json.dumps(BLOB_PROJECTS[0], separators=(",", ":")))]),
        ("json_extract_scalar_path", [("project_name", "varchar", BLOB_PROJECTS[0]["name"])]),
        (
            "json_cast_to_json",
            [
                ("hello_msg", "json", '"HELLO ATHENA"'),
                ("some_int", "json", "12345"),
                ("some_map", "json", '{"a":1,"b":2}'),
            ],
        ),
        (
            "json_cast_from_json",
            [
                ("hello_msg", "varchar", "HELLO ATHENA"),
                ("some_int", "integer", "12345"),
                ("some_map", "map", java_map([("a", 1), ("b", 2)])),
            ],
        ),
    ],
)
def test_a_one_row_example_answers_as_the_page_does(
    name: str, expected: list[tuple[str, str, str | None]]
) -> None:
    columns, rows = run(name)
    assert columns == [(column, kind) for column, kind, _ in expected]
    assert rows == [[value for _, _, value in expected]]


# --- rows from UNNEST, GROUP BY and ORDER BY ---


def test_filtering_with_unnest_and_where_keeps_the_elements_above_three() -> None:
    columns, rows = run("filtering_arrays_unnest_where")
    assert columns == [("array_items", "array")]
    # array_agg without ORDER BY: Trino documents no element order, so compare the elements
    (only,) = rows
    assert sorted(int(v) for v in str(only[0]).strip("[]").split(", ")) == [i for i in [1, 2, 3, 4, 5] if i > 3]


def test_filtering_with_contains_keeps_the_array_holding_two() -> None:
    _, rows = run("filtering_arrays_contains")
    assert rows == [[java_list(a)] for a in [[1, 2, 3, 4], [5, 6, 7, 8], [9, 0]] if 2 in a]


def test_array_agg_distinct_holds_each_value_once() -> None:
    _, rows = run("arrays_from_subqueries_distinct")
    (only,) = rows
    values = [int(v) for v in str(only[0]).strip("[]").split(", ")]
    assert sorted(values) == sorted(set([1, 2, 2, 3, 3, 4, 5]))  # noqa: C405 - the query's array; "ordering is not guaranteed"


def test_unnest_gives_a_row_per_element() -> None:
    columns, rows = run("flattening_arrays_unnest")
    assert columns == [("department", "varchar"), ("names", "varchar")]
    assert rows == [["engineering", n] for n in ["Sharon", "John", "Bob", "Sally"]]


def test_unnest_of_maps_transposes_keys_into_columns() -> None:
    _, rows = run("flattening_arrays_map_keys")
    assert rows == [[first, last, "engineering"] for first, last, _ in PEOPLE]


def test_the_employee_with_the_highest_combined_scores() -> None:
    columns, rows = run("flattening_arrays_highest_total")
    assert columns == [("name", "varchar"), ("department", "varchar"), ("total_score", "bigint")]
    name, department, scores = max(USERS, key=lambda u: sum(u[2]))
    assert rows == [[name, department, str(sum(scores))]]


def test_the_employee_with_the_highest_individual_score() -> None:
    columns, rows = run("flattening_arrays_highest_score")
    assert columns == [("name", "varchar"), ("score", "integer")]
    name, _, scores = max(USERS, key=lambda u: max(u[2]))
    assert rows == [[name, str(max(scores))]]


@pytest.mark.parametrize(
    ("name", "total_type"), [("arrays_aggregation_sum", "bigint"), ("arrays_aggregation_reduce", "integer")]
)
def test_summing_each_array_with_unnest_or_reduce(name: str, total_type: str) -> None:
    # sum(integer) is bigint; reduce keeps its state's type, integer (Trino's aggregate.md and array.md)
    columns, rows = run(name)
    assert columns == [("array_items", "array"), ("total", total_type)]
    arrays = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 0]]
    assert sorted(map(tuple, rows)) == sorted(
        (java_list(a), str(sum(a))) for a in arrays
    )  # "order … not guaranteed"


def test_filtering_an_array_of_rows_by_a_nested_field() -> None:
    _, rows = run("rows_filtering_unnest")
    assert rows == [["aws.amazon.com", "true"]]


def test_regexp_like_finds_the_sites_with_a_keyword() -> None:
    _, rows = run("rows_regexp_like_hostnames")
    expected = {host for host, terms in SITES.items() if any(t in ("politics", "bigdata") for t, _ in terms)}
    assert {row[0] for row in rows} == expected and len(rows) == len(expected)


def test_regexp_like_totals_the_matching_terms_highest_first() -> None:
    columns, rows = run("rows_regexp_like_totals")
    assert columns == [("hostname", "varchar"), ("terms", "array"), ("total", "bigint")]
    found = {
        host: [(t, c) for t, c in terms if "politics" in t or "bigdata" in t] for host, terms in SITES.items()
    }
    expected = sorted(
        (
            [host, java_list([t for t, _ in hits]), str(sum(c for _, c in hits))]
            for host, hits in found.items()
            if hits
        ),
        key=lambda row: -int(row[2]),
    )
    assert rows == expected


def test_a_table_the_guide_queries_with_dot_notation_reads_its_struct() -> None:
    # rows-and-structs.md "Filtering arrays using the . notation", over a CloudTrail table of two records
    catalog = {"d.cloudtrail_logs": _cloudtrail_table()}
    objects = {
        "s3://trail/AWSLogs/a.json": b'{"useridentity": {"accountid": "112233445566"}}\n'
        b'{"useridentity": {"accountid": "998877665544"}}\n'
    }

    def read(uri: str) -> tuple[bytes, int]:
        return objects[uri], len(objects[uri])

    read.list = lambda prefix: sorted(u for u in objects if u.startswith(prefix))  # type: ignore[attr-defined]
    sql = "SELECT\n  CAST(useridentity.accountid AS bigint) as newid\nFROM cloudtrail_logs\nLIMIT 2;"
    outcome = execute(sql, [], lambda d, t: catalog.get(f"{d}.{t}"), read, database="d")
    assert outcome.columns == [("newid", "bigint")]
    assert sorted(outcome.rows) == [["112233445566"], ["998877665544"]]


def _cloudtrail_table() -> dict[str, Any]:
    return {
        "Name": "cloudtrail_logs",
        "StorageDescriptor": {
            "Columns": [{"Name": "useridentity", "Type": "struct<type:string,accountid:string>"}],
            "Location": "s3://trail/AWSLogs/",
            "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
        },
    }


def test_maps_print_in_java_hashmap_order() -> None:
    # the guide's own output, {last=Smith, first=Bob, age=35}, is java.util.HashMap's iteration order
    assert java_map([("first", "Bob"), ("last", "Smith"), ("age", "35")]) == "{last=Smith, first=Bob, age=35}"
