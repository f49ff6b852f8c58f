"""Real Athena queries — the Athena User Guide's "Example queries for ALB access logs"
(docs.aws.amazon.com/athena/latest/ug/query-alb-access-logs-examples.html), verbatim — run by the stand-in
over ALB log records, each answer computed here in plain Python. The table is the guide's partition-projected
``alb_access_logs`` (``day`` as ``yyyy/MM/dd`` in ``storage.location.template``) with the guide's column
names; its records are JSON lines, since the stand-in reads JSON and Parquet (a RegexSerDe table fails with
HIVE_UNSUPPORTED_FORMAT rather than being read some other way)."""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest

from local.athena.sql import AthenaError, execute

BASE = "s3://alb-logs/AWSLogs/123456789012/elasticloadbalancing/us-east-1/"
COLUMNS = {
    "type": "string",
    "time": "string",
    "elb": "string",
    "client_ip": "string",
    "client_port": "int",
    "elb_status_code": "int",
    "received_bytes": "bigint",
    "sent_bytes": "bigint",
    "request_verb": "string",
    "request_url": "string",
    "request_proto": "string",
    "user_agent": "string",
}
TABLE = {
    "Name": "alb_access_logs",
    "PartitionKeys": [{"Name": "day", "Type": "string"}],
    "Parameters": {
        "projection.enabled": "true",
        "projection.day.type": "date",
        "projection.day.range": "2018/05/01,NOW",
        "projection.day.format": "yyyy/MM/dd",
        "projection.day.interval": "1",
        "projection.day.interval.unit": "DAYS",
        "storage.location.template": BASE + "${day}",
    },
    "StorageDescriptor": {
        "Columns": [{"Name": k, "Type": v} for k, v in COLUMNS.items()],
        "Location": BASE,
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
    },
}
AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "curl/8.4.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/120.0",
]


def records() -> list[dict[str, Any]]:
    rng = random.Random(9)
    out = []
    start = datetime(2018, 5, 29, 18, 0)
    for i in range(400):
        at = start + timedelta(minutes=9 * i)
        out.append(
            {
                "type": "https",
                "time": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randint(0, 999999):06d}Z",
                "elb": "app/my-loadbalancer/50dc6c495c0c9188",
                "client_ip": f"192.0.2.{rng.randint(1, 6)}",
                "client_port": rng.randint(1024, 65535),
                "elb_status_code": rng.choice([200, 200, 200, 301, 404, 500, 502, 503]),
                "received_bytes": rng.randint(100, 5000),
                "sent_bytes": rng.randint(100, 90000),
                "request_verb": rng.choice(["GET", "GET", "POST"]),
                "request_url": f"https://example.com:443/p/{i % 13}",
                "request_proto": "HTTP/1.1",
                "user_agent": rng.choice(AGENTS),
            }
        )
    return out


RECORDS = records()


def day_of(record: dict[str, Any]) -> str:
    return record["time"][:10].replace("-", "/")


class Store:
    def __init__(self) -> None:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in RECORDS:
            groups[day_of(record)].append(record)
        self.objects = {
            f"{BASE}{day}/123456789012_elasticloadbalancing_us-east-1_app.log": (
                "\n".join(json.dumps(r) for r in rows) + "\n"
            ).encode()
            for day, rows in groups.items()
        }
        self.read: list[str] = []

    def __call__(self, uri: str) -> tuple[bytes, int]:
        self.read.append(uri)
        return self.objects[uri], len(self.objects[uri])

    def list(self, prefix: str) -> list[str]:
        return sorted(u for u in self.objects if u.startswith(prefix))


def run(sql: str) -> tuple[list[list[str | None]], Store]:
    store = Store()
    outcome = execute(
        sql, [], lambda d, t: TABLE if (d, t) == ("alb", "alb_access_logs") else None, store, database="alb"
    )
    return [[n for n, _ in outcome.columns], *outcome.rows], store


def test_get_requests_by_client_ip() -> None:
    rows, _ = run(
        "SELECT COUNT(request_verb) AS\n count,\n request_verb,\n client_ip\nFROM alb_access_logs\nGROUP BY request_verb, client_ip\nLIMIT 100;"
    )
    assert rows[0] == ["count", "request_verb", "client_ip"]
    expected = Counter((r["request_verb"], r["client_ip"]) for r in RECORDS)
    assert {(v, ip): int(n) for n, v, ip in rows[1:]} == dict(expected)


def test_urls_visited_by_safari_users() -> None:
    rows, _ = run("SELECT request_url\nFROM alb_access_logs\nWHERE user_agent LIKE '%Safari%'\nLIMIT 10;")
    safari = {r["request_url"] for r in RECORDS if "Safari" in r["user_agent"]}
    assert len(rows[1:]) == 10 and all(url in safari for (url,) in rows[1:])


def test_status_codes_of_500_and_above() -> None:
    rows, _ = run("SELECT * FROM alb_access_logs\nWHERE elb_status_code >= 500")
    header = rows[0]
    assert header == [*COLUMNS, "day"]
    got = sorted(tuple(row) for row in rows[1:])
    expected = sorted(
        tuple(str(r[c]) for c in COLUMNS) + (day_of(r),) for r in RECORDS if r["elb_status_code"] >= 500
    )
    assert got == expected


def test_received_bytes_by_client_between_two_parsed_datetimes() -> None:
    rows, _ = run(
        "SELECT client_ip, sum(received_bytes) \nFROM alb_access_logs\n"
        "WHERE parse_datetime(time,'yyyy-MM-dd''T''HH:mm:ss.SSSSSS''Z') \n"
        "     BETWEEN parse_datetime('2018-05-30-12:00:00','yyyy-MM-dd-HH:mm:ss') \n"
        "     AND parse_datetime('2018-05-31-00:00:00','yyyy-MM-dd-HH:mm:ss') \nGROUP BY client_ip;"
    )
    assert rows[0] == ["client_ip", "_col1"]  # Athena's name for an unnamed column
    low, high = datetime(2018, 5, 30, 12), datetime(2018, 5, 31)
    totals: Counter[str] = Counter()
    for record in RECORDS:
        at = datetime.strptime(record["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        if low <= at <= high:
            totals[record["client_ip"]] += record["received_bytes"]
    assert {ip: int(n) for ip, n in rows[1:]} == dict(totals)


def test_one_day_through_partition_projection_reads_one_day() -> None:
    rows, store = run("SELECT * \nFROM alb_access_logs \nWHERE day = '2018/05/30'")
    assert len(rows) - 1 == sum(1 for r in RECORDS if day_of(r) == "2018/05/30")
    assert len(store.read) == 1 and "/2018/05/30/" in store.read[0]


@pytest.mark.parametrize(
    "serde",
    [
        "org.apache.hadoop.hive.serde2.RegexSerDe",  # the ALB guide's own table
        "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",  # CloudFront standard logs (tab-separated)
        "com.amazon.emr.hive.serde.CloudTrailSerde",  # without CloudTrailInputFormat (test_athena_cloudtrail_corpus)
    ],
)
def test_a_text_format_table_fails_instead_of_being_misread(serde: str) -> None:
    other = json.loads(json.dumps(TABLE))
    other["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] = serde
    with pytest.raises(AthenaError, match="HIVE_UNSUPPORTED_FORMAT"):
        execute("SELECT count(*) FROM alb.alb_access_logs", [], lambda d, t: other, Store())


# --- Trino's types and name resolution (the issue's own queries over the guide's table) ---


def test_count_if_times_100_over_count_is_integer_division() -> None:
    # count_if and count are bigint (Trino's aggregate functions); bigint / bigint truncates (math.md)
    rows, _ = run(
        "SELECT client_ip, count_if(elb_status_code >= 500) * 100 / count(*) AS error_pct\n"
        "FROM alb_access_logs\nGROUP BY client_ip"
    )
    totals: Counter[str] = Counter(r["client_ip"] for r in RECORDS)
    errors: Counter[str] = Counter(r["client_ip"] for r in RECORDS if r["elb_status_code"] >= 500)
    assert {str(ip): pct for ip, pct in rows[1:]} == {ip: str(errors[ip] * 100 // n) for ip, n in totals.items()}


def test_integer_columns_of_a_cte_divide_as_integers() -> None:
    rows, _ = run(
        "WITH t AS (SELECT sum(received_bytes) AS received, count(*) AS requests FROM alb_access_logs)\n"
        "SELECT received / requests AS mean_bytes, received / 7 AS weekly FROM t"
    )
    received = sum(r["received_bytes"] for r in RECORDS)
    assert rows[1] == [str(received // len(RECORDS)), str(received // 7)]


def test_a_select_alias_in_group_by_cannot_be_resolved() -> None:
    # Trino resolves GROUP BY against the FROM clause only: an output alias is not a column there
    with pytest.raises(AthenaError) as raised:
        run("SELECT request_verb AS verb,\n       count(*) AS requests\nFROM alb_access_logs\nGROUP BY verb")
    assert str(raised.value) == "COLUMN_NOT_FOUND: line 4:10: Column 'verb' cannot be resolved"


def test_an_alias_in_having_or_where_cannot_be_resolved_either() -> None:
    with pytest.raises(AthenaError, match="COLUMN_NOT_FOUND: line 1:93: Column 'requests' cannot be resolved"):
        run(
            "SELECT request_verb, count(*) AS requests FROM alb_access_logs GROUP BY request_verb HAVING requests > 1"
        )
    with pytest.raises(AthenaError, match="COLUMN_NOT_FOUND: line 1:59: Column 'kb' cannot be resolved"):
        run("SELECT sent_bytes / 1000 AS kb FROM alb_access_logs WHERE kb > 1")


def test_group_by_an_ordinal_or_the_expression_and_order_by_an_alias() -> None:
    by_ordinal, _ = run(
        "SELECT request_verb AS verb, count(*) AS requests FROM alb_access_logs GROUP BY 1 ORDER BY verb"
    )
    by_expression, _ = run(
        "SELECT request_verb AS verb, count(*) AS requests FROM alb_access_logs GROUP BY request_verb ORDER BY verb"
    )
    counts = Counter(r["request_verb"] for r in RECORDS)
    assert by_ordinal[1:] == by_expression[1:] == [[v, str(n)] for v, n in sorted(counts.items())]


def test_an_alias_named_like_a_column_groups_by_the_column() -> None:
    # the FROM clause wins: GROUP BY request_verb is the column, not lower(request_verb)
    rows, _ = run(
        "SELECT lower(request_verb) AS request_verb, count(*) AS n FROM alb_access_logs GROUP BY request_verb ORDER BY 1"
    )
    counts = Counter(r["request_verb"] for r in RECORDS)
    assert rows[1:] == [[v.lower(), str(n)] for v, n in sorted(counts.items())]


def test_gzipped_objects_are_read_as_athena_reads_them() -> None:
    # ELB writes its logs gzipped (…_app.log.gz); Athena decompresses by the .gz extension
    store = Store()
    store.objects = {uri + ".gz": gzip.compress(body) for uri, body in store.objects.items()}
    outcome = execute(
        "SELECT COUNT(request_verb) AS\n count,\n request_verb,\n client_ip\nFROM alb_access_logs\nGROUP BY request_verb, client_ip\nLIMIT 100;",
        [],
        lambda d, t: TABLE if (d, t) == ("alb", "alb_access_logs") else None,
        store,
        database="alb",
    )
    expected = Counter((r["request_verb"], r["client_ip"]) for r in RECORDS)
    assert {(v, ip): int(n) for n, v, ip in outcome.rows} == dict(expected)
    assert outcome.scanned == sum(len(body) for body in store.objects.values())
