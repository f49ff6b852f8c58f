"""Real Athena queries — the Athena User Guide's "Query Amazon Route 53 resolver query logs": its
``CREATE TABLE r53_rlogs`` (JSON SerDe; ``answers array<struct<…>>``, ``srcids struct<…>``) and its example
queries 1–4, verbatim except where the guide says to fill in values (the start and end times of example 2) —
run by the stand-in over records of the Route 53 Developer Guide's "Resolver query log example" shape (its
``srcport`` a JSON string in an ``int`` column, as Resolver writes it), each answer computed here in plain
Python."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

from local.athena.sql import execute

LOCATION = "s3://amzn-s3-demo-bucket/AWSLogs/111122223333/vpcdnsquerylogs/vpc-7example/"
# The guide's DDL, column for column.
COLUMNS = {
    "version": "string",
    "account_id": "string",
    "region": "string",
    "vpc_id": "string",
    "query_timestamp": "string",
    "query_name": "string",
    "query_type": "string",
    "query_class": "string",
    "rcode": "string",
    "answers": "array<struct<Rdata:string,Type:string,Class:string>>",
    "srcaddr": "string",
    "srcport": "int",
    "transport": "string",
    "srcids": "struct<instance:string,resolver_endpoint:string>",
    "firewall_rule_action": "string",
    "firewall_rule_group_id": "string",
    "firewall_domain_list_id": "string",
}
TABLE = {
    "Name": "r53_rlogs",
    "PartitionKeys": [],
    "Parameters": {},
    "StorageDescriptor": {
        "Columns": [{"Name": k, "Type": v} for k, v in COLUMNS.items()],
        "Location": LOCATION,
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
    },
}


def records() -> list[dict[str, Any]]:
    rng = random.Random(53)
    out = []
    start = datetime(2020, 9, 23, 22, 0)
    names = ["example.com.", "www.example.com.", "api.example.net.", "15.3.4.32.in-addr.arpa.", "nope.invalid."]
    for i in range(300):
        name = rng.choice(names)
        nx = name == "nope.invalid."
        record: dict[str, Any] = {
            "srcaddr": f"10.0.{rng.randint(0, 3)}.{rng.randint(1, 254)}",
            "vpc_id": "vpc-7example",
            "answers": []
            if nx
            else [{"Rdata": f"203.0.113.{rng.randint(1, 9)}", "Type": "A", "Class": "IN"}] * rng.randint(1, 2),
            "query_name": name,
            "query_class": "IN",
            "srcids": {"instance": f"i-0d15cd0d3exampl{i % 4}"},
            "rcode": "NXDOMAIN" if nx else "NOERROR",
            "query_type": "A",
            "transport": "UDP",
            "version": "1.100000",
            "account_id": "111122223333",
            "srcport": str(rng.randint(1024, 65535)),
            "query_timestamp": (start + timedelta(minutes=3 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
        }
        if rng.random() < 0.1:
            record |= {
                "firewall_rule_group_id": "rslvr-frg-01234567890abcdef",
                "firewall_rule_action": "BLOCK",
                "firewall_domain_list_id": "rslvr-fdl-01234567890abcdef",
            }
        out.append(record)
    return out


RECORDS = records()


class Store:
    def __init__(self) -> None:
        body = ("\n".join(json.dumps(r) for r in RECORDS) + "\n").encode()
        self.objects = {f"{LOCATION}2020/09/24/vpc-7example_vpcdnsquerylogs_1.log": body}

    def __call__(self, uri: str) -> tuple[bytes, int]:
        return self.objects[uri], len(self.objects[uri])

    def list(self, prefix: str) -> list[str]:
        return sorted(u for u in self.objects if u.startswith(prefix))


def run(sql: str) -> list[list[str | None]]:
    outcome = execute(sql, [], lambda d, t: TABLE if t == "r53_rlogs" else None, Store(), database="default")
    return [[n for n, _ in outcome.columns], *outcome.rows]


def test_example_1_logs_in_descending_query_timestamp_order() -> None:
    rows = run('SELECT * FROM "r53_rlogs"\nORDER BY query_timestamp DESC')
    assert rows[0] == list(COLUMNS)
    stamps = [row[rows[0].index("query_timestamp")] for row in rows[1:]]
    assert stamps == sorted((r["query_timestamp"] for r in RECORDS), reverse=True)
    first = dict(zip(rows[0], rows[1], strict=True))
    newest = max(RECORDS, key=lambda r: r["query_timestamp"])
    assert first["srcport"] == newest["srcport"]  # the JSON string "56067" read as the int column's value
    instance = newest["srcids"]["instance"]
    assert first["srcids"] == f"{{instance={instance}, resolver_endpoint=null}}"  # a row, as Athena prints it


def test_example_2_logs_between_a_start_and_an_end_time() -> None:
    rows = run(
        "SELECT query_timestamp, srcids.instance, srcaddr, srcport, query_name, rcode\n"
        'FROM "r53_rlogs"\n'
        "WHERE (parse_datetime(query_timestamp,'yyyy-MM-dd''T''HH:mm:ss''Z')\n"
        "     BETWEEN parse_datetime('2020-09-24-00:00:00','yyyy-MM-dd-HH:mm:ss') \n"
        "     AND parse_datetime('2020-09-24-08:00:00','yyyy-MM-dd-HH:mm:ss'))\n"
        "ORDER BY query_timestamp DESC"
    )
    expected = sorted(
        (r for r in RECORDS if "2020-09-24T00:00:00Z" <= r["query_timestamp"] <= "2020-09-24T08:00:00Z"),
        key=lambda r: r["query_timestamp"],
        reverse=True,
    )
    assert rows[0] == ["query_timestamp", "instance", "srcaddr", "srcport", "query_name", "rcode"]
    assert [r[0] for r in rows[1:]] == [r["query_timestamp"] for r in expected]
    assert [r[1] for r in rows[1:]] == [r["srcids"]["instance"] for r in expected]


def test_example_3_logs_for_a_query_name_pattern() -> None:
    rows = run(
        "SELECT query_timestamp, srcids.instance, srcaddr, srcport, query_name, rcode, answers\n"
        'FROM "r53_rlogs"\n'
        "WHERE query_name LIKE '%example.com%'\n"
        "ORDER BY query_timestamp DESC"
    )
    expected = sorted(
        (r for r in RECORDS if "example.com" in r["query_name"]), key=lambda r: r["query_timestamp"], reverse=True
    )
    assert [r[0] for r in rows[1:]] == [r["query_timestamp"] for r in expected]
    # an array of rows, as Athena prints it (Glue lower-cases the struct's field names)
    assert [r[6] for r in rows[1:]] == [
        "["
        + ", ".join(f"{{rdata={a['Rdata']}, type={a['Type']}, class={a['Class']}}}" for a in r["answers"])
        + "]"
        for r in expected
    ]


def test_example_4_requests_with_no_answer() -> None:
    rows = run(
        "SELECT query_timestamp, srcids.instance, srcaddr, srcport, query_name, rcode, answers\n"
        'FROM "r53_rlogs"\n'
        "WHERE cardinality(answers) = 0"
    )
    expected = [r for r in RECORDS if not r["answers"]]
    assert sorted(r[0] for r in rows[1:]) == sorted(r["query_timestamp"] for r in expected)
    assert {r[5] for r in rows[1:]} == {"NXDOMAIN"}


def test_blocked_queries_by_the_dns_firewall() -> None:
    rows = run(
        "SELECT query_name, count(*) AS blocked FROM r53_rlogs WHERE firewall_rule_action = 'BLOCK' "
        "GROUP BY query_name ORDER BY blocked DESC, query_name"
    )
    counts: dict[str, int] = {}
    for r in RECORDS:
        if r.get("firewall_rule_action") == "BLOCK":
            counts[r["query_name"]] = counts.get(r["query_name"], 0) + 1
    assert rows[1:] == [[k, str(v)] for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def test_answers_unnested_one_row_each() -> None:
    rows = run(
        "SELECT a.rdata, count(*) AS n FROM r53_rlogs CROSS JOIN UNNEST(answers) AS t(a) "
        "GROUP BY a.rdata ORDER BY a.rdata"
    )
    counts: dict[str, int] = {}
    for r in RECORDS:
        for answer in r["answers"]:
            counts[answer["Rdata"]] = counts.get(answer["Rdata"], 0) + 1
    assert rows[1:] == [[k, str(v)] for k, v in sorted(counts.items())]
