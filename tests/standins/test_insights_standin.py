"""The Logs Insights stand-in, construct by construct, against answers computed in plain Python over the same
records; malformed queries fail as AWS fails them."""

from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from typing import Any

import pytest

from local.insights.execution import Stamp
from local.insights.lang import MalformedQuery
from local.insights.standin import InsightsStandIn

T0 = 1_795_600_000_000  # ms
LEVELS = ("INFO", "INFO", "INFO", "WARN", "ERROR")
CLIENTS = ("acme", "globex", "initech")


def make_events() -> list[dict[str, Any]]:
    rng = random.Random(5)
    events = []
    for i in range(400):
        record = {
            "level": rng.choice(LEVELS),
            "msg": f"request {i}",
            "latency": rng.randint(5, 900),
            "data": {"clientKey": rng.choice(CLIENTS)},
            "tags": ["a", "b"] if i % 3 == 0 else [],
        }
        events.append(
            {
                "timestamp": T0 + i * 15_000,
                "message": json.dumps(record),
                "logStreamName": f"s{i % 2}",
                "eventId": str(i),
            }
        )
    events.append(
        {
            "timestamp": T0 + 1000,
            "message": "REPORT RequestId: 0b2f-1 Duration: 12.50 ms Billed Duration: 13 ms Memory Size: 128 MB Max Memory Used: 71 MB",
            "logStreamName": "s0",
            "eventId": "r1",
        }
    )
    events.append(
        {
            "timestamp": T0 + 2000,
            "message": "2026-11-26T07:00:02.000Z\t5f3c1a2e-9d77-4c1b-8f5e-0a1b2c3d4e5f\tERROR\tboom user=42 action=delete",
            "logStreamName": "s1",
            "eventId": "t1",
        }
    )
    return sorted(events, key=lambda e: e["timestamp"])


EVENTS = make_events()
RECORDS = [json.loads(e["message"]) for e in EVENTS if e["message"].startswith("{")]


def source(region: str, group: str, start: int, end: int) -> list[dict[str, Any]]:
    if group != "/app":
        raise LookupError(f"log group {group} does not exist")
    return [e for e in EVENTS if start <= e["timestamp"] <= end]


def query(
    text: str, start_ms: int = T0, end_ms: int = T0 + 400 * 15_000, limit: int | None = None
) -> list[dict[str, str]]:
    standin = InsightsStandIn(source)
    request = {
        "logGroupNames": ["/app"],
        "startTime": start_ms // 1000,
        "endTime": end_ms // 1000,
        "queryString": text,
    }
    if limit:
        request["limit"] = limit
    query_id = standin.start_query("us-east-1", request)["queryId"]
    while True:
        answer = standin.get_query_results({"queryId": query_id})
        if answer["status"] == "Complete":
            return [{c["field"]: c["value"] for c in row} for row in answer["results"]]


def test_states_partial_results_and_statistics() -> None:
    standin = InsightsStandIn(source)
    query_id = standin.start_query(
        "us-east-1",
        {
            "logGroupNames": ["/app"],
            "startTime": T0 // 1000,
            "endTime": (T0 + 6_000_000) // 1000,
            "queryString": "stats count(*) as n",
        },
    )["queryId"]
    assert standin.describe_queries({"status": "Scheduled"})["queries"][0]["queryId"] == query_id
    running = standin.get_query_results({"queryId": query_id})
    assert running["status"] == "Running"
    partial = int(running["results"][0][0]["value"])
    complete = standin.get_query_results({"queryId": query_id})
    assert complete["status"] == "Complete"
    total = int(complete["results"][0][0]["value"])
    assert 0 < partial < total == len([e for e in EVENTS if T0 <= e["timestamp"] <= T0 + 6_000_999])
    stats = complete["statistics"]
    assert stats["recordsScanned"] == total and stats["bytesScanned"] > 0 and stats["recordsMatched"] == total


def test_stop_query() -> None:
    standin = InsightsStandIn(source)
    query_id = standin.start_query(
        "us-east-1", {"logGroupNames": ["/app"], "startTime": 0, "endTime": 1, "queryString": "fields @message"}
    )["queryId"]
    assert standin.stop_query({"queryId": query_id}) == {"success": True}
    assert standin.get_query_results({"queryId": query_id})["status"] == "Cancelled"


def test_filter_comparisons_and_boolean_logic() -> None:
    rows = query(
        'fields @timestamp, level, latency | filter (level = "ERROR" or level = "WARN") and latency > 500 and not data.clientKey = "acme" | limit 10000'
    )
    expected = [
        r
        for r in RECORDS
        if r["level"] in ("ERROR", "WARN") and r["latency"] > 500 and r["data"]["clientKey"] != "acme"
    ]
    assert len(rows) == len(expected) > 0


def test_like_strings_regexes_in_and_ispresent() -> None:
    assert len(query('filter @message like "request 1" | limit 10000')) == sum(
        1 for e in EVENTS if "request 1" in e["message"]
    )
    assert len(query("filter @message like /(?i)ERROR/ | limit 10000")) == sum(
        1 for e in EVENTS if "error" in e["message"].lower()
    )
    assert len(query('filter data.clientKey in ["acme", "globex"] | limit 10000')) == sum(
        1 for r in RECORDS if r["data"]["clientKey"] in ("acme", "globex")
    )
    assert len(query("filter ispresent(tags.0) | limit 10000")) == sum(1 for r in RECORDS if r["tags"])
    assert len(query("filter level =~ /^(WARN|ERROR)$/ | limit 10000")) == sum(
        1 for r in RECORDS if r["level"] in ("WARN", "ERROR")
    )


def test_stats_functions_by_field() -> None:
    rows = query(
        "stats count(*) as n, count_distinct(data.clientKey) as clients, sum(latency) as total, avg(latency) as mean, min(latency) as low, max(latency) as high, pct(latency, 95) as p95 by level | sort level asc"
    )
    by_level: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in RECORDS:
        by_level[record["level"]].append(record)
    assert [r["level"] for r in rows] == sorted(by_level)
    for row in rows:
        members = by_level[row["level"]]
        latencies = sorted(m["latency"] for m in members)
        assert int(row["n"]) == len(members)
        assert int(row["clients"]) == len({m["data"]["clientKey"] for m in members})
        assert int(row["total"]) == sum(latencies)
        assert float(row["mean"]) == pytest.approx(sum(latencies) / len(latencies), rel=1e-6)
        assert (int(row["low"]), int(row["high"])) == (latencies[0], latencies[-1])
        assert int(row["p95"]) == latencies[math.ceil(0.95 * len(latencies)) - 1]


def test_stats_by_bin() -> None:
    rows = query("stats count(*) as n by bin(30m) as bucket | sort bucket asc")
    buckets = Counter(
        (e["timestamp"] // 1_800_000) * 1_800_000 for e in EVENTS if T0 <= e["timestamp"] <= T0 + 6_000_999
    )
    assert [(r["bucket"], int(r["n"])) for r in rows] == [(str(Stamp(k)), v) for k, v in sorted(buckets.items())]


def test_parse_glob_and_regex() -> None:
    glob = query('parse @message "user=* action=*" as user, action | filter ispresent(user) | fields user, action')
    assert glob == [{"user": "42", "action": "delete", "@ptr": glob[0]["@ptr"]}]
    regex = query(r"parse @message /request (?<n>\d+)/ | filter n >= 395 | display n")
    assert sorted(int(r["n"]) for r in regex) == [395, 396, 397, 398, 399]


def test_sort_limit_dedup_and_fields_aliases() -> None:
    rows = query("fields data.clientKey as client, latency | sort latency desc | limit 3")
    top = sorted(RECORDS, key=lambda r: -r["latency"])[:3]
    assert [int(r["latency"]) for r in rows] == [t["latency"] for t in top]
    assert [r["client"] for r in rows] == [t["data"]["clientKey"] for t in top]
    deduped = query(
        "filter ispresent(data.clientKey) | fields data.clientKey as client | dedup client | limit 100"
    )
    assert sorted(r["client"] for r in deduped) == sorted(CLIENTS)


def test_lambda_platform_fields() -> None:
    report = query('filter @type = "REPORT" | fields @requestId, @duration, @maxMemoryUsed, @billedDuration')
    assert report[0]["@requestId"] == "0b2f-1" and report[0]["@duration"] == "12.5"
    assert report[0]["@maxMemoryUsed"] == "71000000"
    tab = query('filter ispresent(@requestId) and @message like "boom" | fields @requestId')
    assert tab[0]["@requestId"] == "5f3c1a2e-9d77-4c1b-8f5e-0a1b2c3d4e5f"


def test_system_fields_and_time_range() -> None:
    rows = query(
        "fields @timestamp, @log, @logStream | sort @timestamp asc", start_ms=T0 + 30_000, end_ms=T0 + 60_000
    )
    assert [r["@timestamp"] for r in rows] == [
        str(Stamp(T0 + 30_000)),
        str(Stamp(T0 + 45_000)),
        str(Stamp(T0 + 60_000)),
    ]
    assert rows[0]["@log"] == "123456789012:/app"


def test_default_limit_and_requested_limit() -> None:
    assert len(query("fields @message", end_ms=T0 + 10**9)) == len(EVENTS)  # under the 1,000 default
    assert len(query("fields @message", limit=7)) == 7


def test_comments_are_ignored_and_the_bots_queries_run() -> None:
    from bot.queries.plans import ERRORS_QUERY

    rows = query(ERRORS_QUERY)
    errors = [
        e
        for e in EVENTS
        if any(
            w in e["message"].lower() for w in ("error", "exception", "fatal", "panic", "traceback", "timed out")
        )
    ]
    assert sum(int(r["count"]) for r in rows) == len(errors)


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("fields @message | pattern @message", "unsupported command: 'pattern'"),
        ("fields jsonParse(@message)", "unsupported function: jsonParse()"),
        ("stats count(*) by bin(1.5mo)", "calendar time unit"),
        ("fields @message | limit 0", "limit takes a number"),
        ('filter @message like "unclosed', "not closed"),
        ("stats level", "stats needs aggregate functions"),
        ('parse @message "a * b *" as x', "2 wildcards but 1 field names"),
        ("parse @message /no groups/", "named groups"),
        ("filter level = = 1", "unexpected"),
        ("", "empty"),
    ],
)
def test_malformed_queries_name_the_construct(text: str, construct: str) -> None:
    with pytest.raises(MalformedQuery, match=construct.replace("(", r"\(").replace(")", r"\)")):
        query(text)


def test_missing_log_group() -> None:
    with pytest.raises(LookupError, match="does not exist"):
        InsightsStandIn(source).start_query(
            "us-east-1",
            {"logGroupNames": ["/nope"], "startTime": 0, "endTime": 1, "queryString": "fields @message"},
        )


# The CloudWatch Logs User Guide's own example of `sort` ("sort" in the query syntax reference), ascending.
GUIDE_SORT_ORDER = [
    "!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh",
    "0", "01", "1", "2", "3",
]  # fmt: skip


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_orders_mixed_values_as_the_user_guide_documents(direction: str) -> None:
    shuffled = GUIDE_SORT_ORDER[:]
    random.Random(3).shuffle(shuffled)
    events = [
        {"timestamp": T0 + i * 1000, "message": f"v={value}", "logStreamName": "s", "eventId": str(i)}
        for i, value in enumerate(shuffled)
    ]
    standin = InsightsStandIn(lambda region, group, start, end: events)
    query_id = standin.start_query(
        "us-east-1",
        {
            "logGroupNames": ["/guide"],
            "startTime": T0 // 1000,
            "endTime": T0 // 1000 + 60,
            "queryString": f'parse @message "v=*" as v | sort v {direction} | display v',
        },
    )["queryId"]
    answer = standin.get_query_results({"queryId": query_id})
    while answer["status"] != "Complete":
        answer = standin.get_query_results({"queryId": query_id})
    shown = [row[0]["value"] for row in answer["results"]]
    assert shown == (GUIDE_SORT_ORDER if direction == "asc" else GUIDE_SORT_ORDER[::-1])
