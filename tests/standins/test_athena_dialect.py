"""The Athena stand-in's SQL against Trino's documented semantics and Athena's partition and SerDe rules —
each answer computed here in plain Python, never by the engine under test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.athena.sql import AthenaError, execute

BUCKET = "s3://data/"


class Store:
    """S3 as the engine reads it: object URI → bytes, and the URIs under a prefix."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.read: list[str] = []

    def __call__(self, uri: str) -> tuple[bytes, int]:
        self.read.append(uri)
        return self.objects[uri], len(self.objects[uri])

    def list(self, prefix: str) -> list[str]:
        return sorted(u for u in self.objects if u.startswith(prefix))


def ndjson(rows: list[dict[str, Any]]) -> bytes:
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


def table(
    name: str, columns: dict[str, str], partitions: dict[str, str] | None = None, **params: str
) -> dict[str, Any]:
    return {
        "Name": name,
        "PartitionKeys": [{"Name": k, "Type": v} for k, v in (partitions or {}).items()],
        "Parameters": params,
        "StorageDescriptor": {
            "Columns": [{"Name": k, "Type": v} for k, v in columns.items()],
            "Location": f"{BUCKET}{name}/",
            "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
        },
    }


EVENTS = {
    "2024-01-01": [{"status": 200, "path": "/a-b"}, {"status": 500, "path": "/x"}],
    "2024-01-02": [{"status": 404, "path": "/a"}],
    "2024-01-03": [
        {"status": 200, "path": "/a-b-c"},
        {"status": 200, "path": "/y"},
        {"status": 502, "path": "/z"},
    ],
}


def events_store() -> Store:
    return Store({f"{BUCKET}events/day={d}/part-0.json": ndjson(rows) for d, rows in EVENTS.items()})


CATALOG = {"logs.events": table("events", {"status": "int", "path": "string"}, {"day": "string"})}


def run(
    sql: str,
    store: Store | None = None,
    parameters: list[str] | None = None,
    catalog: dict[str, Any] | None = None,
    database: str | None = None,
) -> tuple[list[list[str | None]], Store, int]:
    store = store or events_store()
    defs = catalog or CATALOG
    outcome = execute(sql, parameters or [], lambda d, t: defs.get(f"{d}.{t}"), store, database=database)
    return [[name for name, _ in outcome.columns], *outcome.rows], store, outcome.scanned


def days_read(store: Store) -> set[str]:
    return {u.split("day=")[1].split("/")[0] for u in store.read}


# --- partition pruning: only top-level ANDed predicates; anything else reads everything, never wrongly ---


def test_an_or_of_days_reads_both_and_answers_both() -> None:
    rows, store, _ = run("SELECT count(*) AS n FROM logs.events WHERE day = '2024-01-01' OR day = '2024-01-03'")
    assert rows[1] == [str(len(EVENTS["2024-01-01"]) + len(EVENTS["2024-01-03"]))]
    assert days_read(store) == set(EVENTS)  # not pruned by an OR: slower, never wrong


def test_two_ctes_on_different_days_each_get_their_day() -> None:
    rows, store, _ = run(
        "WITH a AS (SELECT count(*) AS n FROM logs.events WHERE day = '2024-01-01'), "
        "b AS (SELECT count(*) AS n FROM logs.events WHERE day = '2024-01-03') SELECT a.n AS first, b.n AS last FROM a, b"
    )
    assert rows[1] == [str(len(EVENTS["2024-01-01"])), str(len(EVENTS["2024-01-03"]))]
    assert days_read(store) == set(EVENTS)


def test_parameters_bind_in_the_order_written_even_in_a_cte() -> None:
    # a tree walk visits WITH after the select list: the CTE's ? would take the select list's value
    rows, _, _ = run(
        "WITH a AS (SELECT * FROM logs.events WHERE day = ?) "
        "SELECT count_if(status >= ?) AS bad, count(*) AS n FROM a WHERE path <> ? -- not a ?\n",
        parameters=["'2024-01-03'", "500", "'?'"],
    )
    day3 = EVENTS["2024-01-03"]
    assert rows[1] == [str(sum(r["status"] >= 500 for r in day3)), str(len(day3))]


def test_a_day_inside_count_if_does_not_prune() -> None:
    rows, store, _ = run("SELECT count_if(day = '2024-01-02') AS n, count(*) AS total FROM logs.events")
    assert rows[1] == ["1", str(sum(len(v) for v in EVENTS.values()))]
    assert days_read(store) == set(EVENTS)


def test_a_column_that_only_ends_in_day_is_not_the_partition() -> None:
    catalog = {
        "logs.events": table("events", {"status": "int", "path": "string", "weekday": "string"}, {"day": "string"})
    }
    store = Store(
        {
            u: ndjson(
                [{**r, "weekday": "Mon"} for r in json.loads("[" + b.decode().strip().replace("\n", ",") + "]")]
            )
            for u, b in events_store().objects.items()
        }
    )
    rows, store, _ = run("SELECT count(*) AS n FROM logs.events WHERE weekday = 'Mon'", store, catalog=catalog)
    assert rows[1] == [str(sum(len(v) for v in EVENTS.values()))]
    assert days_read(store) == set(EVENTS)


def test_top_level_and_predicates_prune_and_count_bytes_of_what_was_read() -> None:
    rows, store, scanned = run(
        "SELECT count(*) AS n FROM logs.events WHERE day BETWEEN ? AND ? AND status >= 500",
        parameters=["'2024-01-02'", "'2024-01-03'"],
    )
    assert rows[1] == ["1"]  # 502 on the 3rd; the 500 on the 1st is outside
    assert days_read(store) == {"2024-01-02", "2024-01-03"}
    assert scanned == sum(len(store.objects[u]) for u in store.read)
    rows, store, _ = run(
        "SELECT count(*) AS n FROM logs.events WHERE day IN ('2024-01-01') AND '2024-01-01' <= day"
    )
    assert rows[1] == ["2"] and days_read(store) == {"2024-01-01"}


# --- tables: projection templates, the context's database, comma joins, case-insensitive JSON, complex types ---


def test_a_location_template_with_a_slashed_date_layout() -> None:
    """ALB's partition projection: ``storage.location.template`` with a ``yyyy/MM/dd`` date."""
    params = {
        "projection.enabled": "true",
        "projection.day.type": "date",
        "projection.day.range": "2024/01/01,NOW",
        "projection.day.format": "yyyy/MM/dd",
        "storage.location.template": f"{BUCKET}AWSLogs/123456789012/elasticloadbalancing/us-east-1/${{day}}",
    }
    alb = table("alb_logs", {"elb_status_code": "int"}, {"day": "string"}, **params)
    store = Store(
        {
            f"{BUCKET}AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/01/0{d}/x.log": ndjson(
                [{"elb_status_code": 200}] * d
            )
            for d in (1, 2, 3)
        }
    )
    rows, store, _ = run(
        "SELECT day, count(*) AS n FROM alb_logs WHERE day = '2024/01/02' GROUP BY day",
        store,
        catalog={"logs.alb_logs": alb},
        database="logs",
    )
    assert rows == [["day", "n"], ["2024/01/02", "2"]]
    assert len(store.read) == 1


def test_unqualified_tables_need_the_context_database() -> None:
    with pytest.raises(AthenaError, match="Schema must be specified"):
        run("SELECT count(*) FROM events")
    rows, _, _ = run("SELECT count(*) AS n FROM events", database="logs")
    assert rows[1] == [str(sum(len(v) for v in EVENTS.values()))]


def test_comma_joins() -> None:
    catalog = {**CATALOG, "logs.codes": table("codes", {"code": "int", "label": "string"})}
    store = events_store()
    store.objects[f"{BUCKET}codes/c.json"] = ndjson(
        [{"code": 200, "label": "ok"}, {"code": 500, "label": "error"}]
    )
    rows, _, _ = run(
        "SELECT c.label, count(*) AS n FROM logs.events e, logs.codes c WHERE e.status = c.code GROUP BY c.label ORDER BY c.label",
        store,
        catalog=catalog,
    )
    assert rows[1:] == [["error", "1"], ["ok", "3"]]


def test_json_keys_match_columns_case_insensitively_at_every_level() -> None:
    catalog = {
        "logs.usage": table(
            "usage",
            {
                "fieldid": "string",
                "uses": "int",
                "meta": "struct<ownerid:string,tags:array<string>>",
                "counts": "map<string,int>",
            },
        )
    }
    store = Store(
        {
            f"{BUCKET}usage/u.json": ndjson(
                [
                    {
                        "fieldId": "f1",
                        "Uses": 3,
                        "Meta": {"OwnerId": "o1", "Tags": ["a", "b"]},
                        "counts": {"x": 1},
                    },
                    {"fieldId": "f1", "Uses": 4, "Meta": {"OwnerId": "o2", "Tags": []}, "counts": {"x": 2}},
                    {"FIELDID": "f2", "uses": 1, "meta": {"ownerid": "o1", "tags": ["c"]}, "counts": {}},
                ]
            )
        }
    )
    rows, _, _ = run(
        "SELECT fieldid, sum(uses) AS uses FROM logs.usage GROUP BY fieldid ORDER BY fieldid",
        store,
        catalog=catalog,
    )
    assert rows[1:] == [["f1", "7"], ["f2", "1"]]  # not one NULL group
    rows, _, _ = run(
        # element_at: a missing key is NULL (counts['x'] fails on it in Trino: "Key not present in map")
        "SELECT meta.ownerid AS owner, cardinality(meta.tags) AS tags, element_at(counts, 'x') AS x FROM logs.usage"
        " ORDER BY 1, 2",
        store,
        catalog=catalog,
    )
    assert rows[1:] == [["o1", "1", None], ["o1", "2", "1"], ["o2", "0", "2"]]


# --- Trino semantics where DuckDB differs ---


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("7 / 2", "3"),  # integer division
        ("-7 / 2", "-3"),  # truncates toward zero
        ("7.0 / 2", "3.5"),
        ("regexp_extract('abc', 'x(y)', 1)", None),  # no match: NULL, not ''
        ("regexp_extract('abc', 'a(b)', 1)", "b"),
        ("split_part('a-b', '-', 3)", None),  # past the last part: NULL
        ("split_part('a-b', '-', 2)", "b"),
        ("date_format(TIMESTAMP '2024-03-05 10:11:12', '%M %Y %i:%s')", "March 2024 11:12"),  # MySQL-style
        ("json_extract_scalar('{\"a\": {\"b\": 1}}', '$.a')", None),  # an object is not a scalar
        ("json_extract_scalar('{\"a\": {\"b\": 1}}', '$.a.b')", "1"),
        ("day_of_week(DATE '2024-01-07')", "7"),  # ISO: Sunday is 7
        ("parse_datetime('2024-01-05 10:11:12', 'yyyy-MM-dd HH:mm:ss')", "2024-01-05 10:11:12.000"),
    ],
)
def test_trino_semantics(expression: str, expected: str | None) -> None:
    rows, _, _ = run(f"SELECT {expression} AS v FROM logs.events WHERE day = '2024-01-02'")
    assert rows[1] == [expected]


def test_status_integer_division_on_columns() -> None:
    rows, _, _ = run("SELECT max(status / 100) AS family FROM logs.events WHERE day = '2024-01-03'")
    assert rows[1] == ["5"]


def test_result_column_names_are_lower_cased() -> None:
    rows, _, _ = run("SELECT count(*) AS TotalRequests FROM logs.events WHERE day = '2024-01-02'")
    assert rows[0] == ["totalrequests"]


# --- errors in Athena's words ---


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        (
            "SELECT * FROM logs.nothing",
            "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.logs.nothing' does not exist",
        ),
        ("SELECT no_such_fn(status) FROM logs.events", "FUNCTION_NOT_FOUND: line 1:8: Function 'no_such_fn'"),
        ("SELECT nothing FROM logs.events", "COLUMN_NOT_FOUND: line 1:8: Column 'nothing' cannot be resolved"),
        ("SELEC 1", "SYNTAX_ERROR: line 1:"),
        (
            "SELECT count(*) FROM logs.events WHERE status = '500'",
            "SYNTAX_ERROR: line 1:47: '=' cannot be applied to integer, varchar(3)",
        ),
        ("SELECT ? FROM logs.events", "INVALID_PARAMETER"),
    ],
)
def test_errors_in_athenas_words(sql: str, error: str) -> None:
    with pytest.raises(AthenaError) as raised:
        run(sql)
    assert str(raised.value).startswith(error), str(raised.value)


# --- from_iso8601_timestamp: Trino keeps the offset, DuckDB only the instant ---

STAMPS = {
    "2024-01-01": [
        {"status": 200, "path": "/a", "at": "2024-01-01T10:00:00+02:00"},  # 08:00 UTC
        {"status": 200, "path": "/b", "at": "2024-01-01T09:30:00Z"},
    ]
}
STAMPED = {"logs.events": table("events", {"status": "int", "path": "string", "at": "string"}, {"day": "string"})}


def stamped(sql: str) -> list[list[str | None]]:
    store = Store({f"{BUCKET}events/day={d}/part-0.json": ndjson(rows) for d, rows in STAMPS.items()})
    rows, _, _ = run(sql, store=store, catalog=STAMPED)
    return rows


def test_an_offset_timestamp_compares_by_its_instant() -> None:
    # 10:00+02:00 is 08:00 UTC: before 09:00Z; 09:30Z is after it (Trino compares instants)
    rows = stamped(
        "SELECT path FROM logs.events WHERE from_iso8601_timestamp(at) < from_iso8601_timestamp("
        "'2024-01-01T11:00:00+02:00') ORDER BY path"
    )
    assert rows[1:] == [["/a"]]
    rows = stamped("SELECT count_if(to_unixtime(from_iso8601_timestamp(at)) = 1704096000) AS n FROM logs.events")
    assert rows[1:] == [["1"]]  # 2024-01-01T08:00:00Z


def test_a_utc_timestamp_keeps_its_hour_and_text() -> None:
    rows = stamped(
        "SELECT hour(from_iso8601_timestamp(at)) AS h, from_iso8601_timestamp(at) AS t "
        "FROM logs.events WHERE path = '/b'"
    )
    assert rows[1:] == [["9", "2024-01-01 09:30:00.000 UTC"]]


def test_an_offset_timestamp_keeps_its_local_time_and_prints_its_offset() -> None:
    # Trino keeps the offset: hour() and date() read the local time, the value prints with its offset
    rows = stamped(
        "SELECT path, hour(from_iso8601_timestamp(at)) AS h, date(from_iso8601_timestamp(at)) AS d, "
        "date_format(from_iso8601_timestamp(at), '%H:%i') AS hm, from_iso8601_timestamp(at) AS t "
        "FROM logs.events ORDER BY path"
    )
    assert rows[1:] == [
        ["/a", "10", "2024-01-01", "10:00", "2024-01-01 10:00:00.000 +02:00"],
        ["/b", "9", "2024-01-01", "09:30", "2024-01-01 09:30:00.000 UTC"],
    ]
    literal = stamped("SELECT hour(from_iso8601_timestamp('2024-01-01T01:00:00+0200')) AS h, "
                      "date(from_iso8601_timestamp('2024-01-01T01:00:00+02:00')) AS d")  # fmt: skip
    assert literal[1:] == [["1", "2024-01-01"]]  # DuckDB alone: 23 and 2023-12-31


@pytest.mark.parametrize(
    "sql",
    [
        # ordering the printed value would compare text, where Trino compares instants
        "SELECT from_iso8601_timestamp(at) AS t FROM logs.events ORDER BY t",
        # arithmetic keeps the zone in Trino; here it would lose it
        "SELECT date_add('hour', 1, from_iso8601_timestamp(at)) AS t FROM logs.events",
    ],
)
def test_an_offset_that_would_change_the_answer_fails_naming_the_function(sql: str) -> None:
    with pytest.raises(AthenaError) as raised:
        stamped(sql)
    assert str(raised.value).startswith("NOT_SUPPORTED: "), str(raised.value)
    assert "from_iso8601_timestamp(" in str(raised.value) and "offset" in str(raised.value)


def test_a_literal_offset_is_refused_at_its_position() -> None:
    with pytest.raises(AthenaError) as raised:
        stamped("SELECT date_add('hour', 1, from_iso8601_timestamp('2024-01-01T10:00:00+02:00')) AS h")
    assert str(raised.value).startswith(
        "NOT_SUPPORTED: line 1:28: from_iso8601_timestamp('2024-01-01T10:00:00+02:00')"
    ), str(raised.value)


def test_parse_datetime_with_a_zone_follows_the_same_rule() -> None:
    fmt = "'yyyy-MM-dd HH:mm Z'"
    rows = stamped(
        f"SELECT parse_datetime('2024-01-01 10:00 +0000', {fmt}) AS t, "
        f"count_if(parse_datetime('2024-01-01 10:00 +0200', {fmt}) < TIMESTAMP '2024-01-01 09:00:00 UTC') AS n "
        "FROM logs.events"
    )
    assert rows[1:] == [["2024-01-01 10:00:00.000 UTC", "2"]]  # 10:00+02:00 is 08:00 UTC, before 09:00 UTC
    with pytest.raises(AthenaError) as raised:
        stamped(f"SELECT hour(parse_datetime('2024-01-01 10:00 +0200', {fmt})) AS h")
    assert str(raised.value).startswith("NOT_SUPPORTED: line 1:13: parse_datetime('2024-01-01 10:00 +0200')")


# --- partition projection: a value exists only if the projection produces it (Athena User Guide) ---


def projected(partition: str, values: list[str], **params: str) -> tuple[dict[str, Any], Store]:
    catalog = {
        "logs.p": table("p", {"status": "int"}, {partition: "string"}, **{"projection.enabled": "true", **params})
    }
    store = Store({f"{BUCKET}p/{partition}={v}/part-0.json": ndjson([{"status": 200}]) for v in values})
    return catalog, store


def test_an_enum_projection_reads_only_its_values() -> None:
    catalog, store = projected(
        "region", ["us-east-1", "eu-west-1", "stray"], **{"projection.region.type": "enum",
                                                         "projection.region.values": "us-east-1,eu-west-1"}
    )  # fmt: skip
    rows, _, _ = run(
        "SELECT region, count(*) AS n FROM logs.p GROUP BY region ORDER BY region", store, catalog=catalog
    )
    assert rows[1:] == [["eu-west-1", "1"], ["us-east-1", "1"]]


def test_an_integer_projection_honours_its_range_and_digits() -> None:
    catalog, store = projected(
        "shard", ["01", "02", "7", "12"], **{"projection.shard.type": "integer", "projection.shard.range": "1,9",
                                            "projection.shard.digits": "2"}
    )  # fmt: skip
    rows, _, _ = run("SELECT shard FROM logs.p ORDER BY shard", store, catalog=catalog)
    assert rows[1:] == [["01"], ["02"]]  # "7" is not two digits, "12" is out of range


def test_a_date_projection_compares_dates_not_text() -> None:
    catalog, store = projected(
        "dt", ["15-12-2023", "02-01-2024", "28-02-2024"], **{"projection.dt.type": "date",
                                                             "projection.dt.format": "dd-MM-yyyy",
                                                             "projection.dt.range": "01-01-2024,NOW"}
    )  # fmt: skip
    rows, _, _ = run("SELECT dt FROM logs.p ORDER BY dt", store, catalog=catalog)
    assert rows[1:] == [["02-01-2024"], ["28-02-2024"]]  # as text "15-12-2023" sorts after "01-01-2024"


def test_now_relative_ranges_use_calendar_months() -> None:
    from datetime import datetime

    from local.athena.projection import projection_filter

    wanted = projection_filter(
        {"projection.enabled": "true", "projection.dt.type": "date", "projection.dt.format": "yyyy-MM-dd",
         "projection.dt.range": "NOW-3MONTHS,NOW"},
        ["dt"],
        now=datetime(2024, 5, 31, 12, 0),
    )  # fmt: skip
    assert wanted({"dt": "2024-02-29"}) and not wanted({"dt": "2024-02-28"})  # three months before 31 May
    assert wanted({"dt": "2024-05-31"}) and not wanted({"dt": "2024-06-01"})


def test_an_injected_projection_needs_a_static_equality() -> None:
    catalog, store = projected("tenant", ["acme", "globex"], **{"projection.tenant.type": "injected"})
    with pytest.raises(
        AthenaError, match="CONSTRAINT_VIOLATION: For the injected projected partition column tenant"
    ):
        run("SELECT count(*) AS n FROM logs.p", store, catalog=catalog)
    rows, store, _ = run("SELECT count(*) AS n FROM logs.p WHERE tenant = 'acme'", store, catalog=catalog)
    assert rows[1:] == [["1"]] and store.read == [f"{BUCKET}p/tenant=acme/part-0.json"]
