"""Examples of the Trino documentation (trinodb/trino ``docs/src/main/sphinx/functions/array.md``, ``regexp.md``)
and of the Athena User Guide's "Concatenating strings and arrays" (awsdocs/amazon-athena-user-guide
``doc_source/concatenating-strings-and-arrays.md``), verbatim, each with the answer its page prints. A form the
stand-in does not implement must fail naming it, in Athena's words — never a DuckDB error."""

from __future__ import annotations

from typing import Any

import pytest

from local.athena.sql import AthenaError, execute


def run(
    sql: str, catalog: dict[str, Any] | None = None, objects: dict[str, bytes] | None = None
) -> list[list[str | None]]:
    store = objects or {}

    def read(uri: str) -> tuple[bytes, int]:
        return store[uri], len(store[uri])

    read.list = lambda prefix: sorted(u for u in store if u.startswith(prefix))  # type: ignore[attr-defined]
    outcome = execute(sql, [], lambda d, t: (catalog or {}).get(f"{d}.{t}"), read, database="d")
    return [[n for n, _ in outcome.columns], *outcome.rows]


def value(sql: str) -> str | None:
    (row,) = run(sql)[1:]
    return row[0]


# --- reduce(array, initialState, inputFunction, outputFunction) ---


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT reduce(ARRAY[], 0,\n              (s, x) -> s + x,\n              s -> s);", "0"),
        ("SELECT reduce(ARRAY[5, 20, 50], 0,\n              (s, x) -> s + x,\n              s -> s);", "75"),
        ("SELECT reduce(ARRAY[5, 20, NULL, 50], 0,\n              (s, x) -> s + x,\n              s -> s);", None),
        (
            "SELECT reduce(ARRAY[5, 20, NULL, 50], 0,\n              (s, x) -> s + coalesce(x, 0),\n              s -> s);",
            "75",
        ),
        (
            "SELECT reduce(ARRAY[5, 20, NULL, 50], 0,\n              (s, x) -> IF(x IS NULL, s, s + x),\n              s -> s);",
            "75",
        ),
        (
            "SELECT reduce(ARRAY[2147483647, 1], BIGINT '0',\n              (s, x) -> s + x,\n              s -> s);",
            "2147483648",
        ),
        (
            "SELECT reduce(ARRAY[5, 6, 10, 20],\n              CAST(ROW(0.0, 0) AS ROW(sum DOUBLE, count INTEGER)),\n"
            "              (s, x) -> CAST(ROW(x + s.sum, s.count + 1) AS\n"
            "                             ROW(sum DOUBLE, count INTEGER)),\n"
            "              s -> IF(s.count = 0, NULL, s.sum / s.count));",
            "10.25",
        ),
    ],
)
def test_reduce_applies_its_output_function(sql: str, expected: str | None) -> None:
    assert value(sql) == expected


def test_reduce_with_a_finishing_function_on_a_column() -> None:
    catalog = {
        "d.t": {
            "Name": "t",
            "StorageDescriptor": {
                "Columns": [{"Name": "xs", "Type": "array<int>"}],
                "Location": "s3://b/t/",
                "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
            },
        }
    }
    objects = {"s3://b/t/a.json": b'{"xs": [1, 2, 3]}\n{"xs": []}\n'}
    rows = run("SELECT reduce(xs, 0, (s, x) -> s + x, s -> s * 10) AS v FROM t ORDER BY 1", catalog, objects)
    assert rows == [["v"], ["0"], ["60"]]


# --- regexp_replace: $g and ${name} refer to groups, \$ is a dollar sign ---


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT regexp_replace('1a 2b 14m', '\\d+[ab] ');", "14m"),
        ("SELECT regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ');", "3ca 3cb 14m"),
        # the same rules, as regexp.md states them: a named group, an escaped dollar, a backslash
        ("SELECT regexp_replace('1a 2b', '(?<n>\\d+)(?<l>[ab])', '${l}${n}');", "a1 b2"),
        ("SELECT regexp_replace('5 apples', '(\\d+)', '\\$$1');", "$5 apples"),
        ("SELECT regexp_replace('a-b', '-', '\\\\');", "a\\b"),
    ],
)
def test_regexp_replace_group_references(sql: str, expected: str) -> None:
    assert value(sql) == expected


def test_regexp_replace_with_a_lambda_fails_naming_it() -> None:
    with pytest.raises(AthenaError, match="NOT_SUPPORTED.*regexp_replace"):
        run("SELECT regexp_replace('new york', '(\\w)(\\w*)', x -> upper(x[1]) || lower(x[2])); --'New York'")


def test_regexp_replace_with_an_illegal_group_reference_fails_as_trino_does() -> None:
    with pytest.raises(AthenaError, match="Illegal group reference"):
        run("SELECT regexp_replace('abc', '(b)', '$2')")


# --- || and concat() on arrays ---


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT ARRAY [4,5] || ARRAY[ ARRAY[1,2], ARRAY[3,4] ] AS items", "[[4, 5], [1, 2], [3, 4]]"),
        ("SELECT ARRAY[1] || ARRAY[2];", "[1, 2]"),
        ("SELECT ARRAY[1] || 2;", "[1, 2]"),
        ("SELECT 2 || ARRAY[1];", "[2, 1]"),
        ("SELECT 'This' || ' is' || ' a' || ' test.' AS Concatenated_String", "This is a test."),
        ("SELECT concat('This', ' is', ' a', ' test.') AS Concatenated_String", "This is a test."),
        ("SELECT concat_ws(' ', 'This', 'is', 'a', 'test.') as Concatenated_String", "This is a test."),
        (
            "WITH\ndataset AS (\n  SELECT\n    ARRAY ['Hello', 'Amazon', 'Athena'] AS words,\n"
            "    ARRAY ['Hi', 'Alexa'] AS alexa\n)\nSELECT concat(words, alexa) AS welcome_msg\nFROM dataset",
            "[Hello, Amazon, Athena, Hi, Alexa]",
        ),
    ],
)
def test_concatenation(sql: str, expected: str) -> None:
    assert value(sql) == expected


def test_concatenating_arrays_of_different_element_types_fails_in_athenas_words() -> None:
    with pytest.raises(AthenaError) as raised:
        run("SELECT ARRAY[1] || ARRAY['a']")
    assert str(raised.value).startswith("FUNCTION_NOT_FOUND: line 1:17: Unexpected parameters"), str(raised.value)
    assert "Binder Error" not in str(raised.value)


def test_a_concatenation_the_stand_in_cannot_type_fails_naming_it() -> None:
    # xs is array(array(integer)) only at run time (a CTE column): Trino appends the element; the stand-in
    # cannot tell which of ||'s forms is meant from the text and says so rather than guess
    with pytest.raises(AthenaError) as raised:
        run("WITH t AS (SELECT ARRAY[ARRAY[1]] AS xs) SELECT xs || ARRAY[2] FROM t")
    assert str(raised.value).startswith("NOT_SUPPORTED: line 1:52: || of array(array(integer)) and array(integer)")
