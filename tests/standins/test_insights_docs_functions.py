"""The CloudWatch Logs User Guide's parse and dedup examples (verbatim), its function pages' documented examples
(string, datetime, IP address and stats functions, run in queries written for them), and the constructs the
stand-in refuses — other commands, parse modes, undocumented functions, the dedup rule — each failing with
MalformedQuery naming the construct. Answers are computed in plain Python from the guide, or are the guide's own
example answers. Sources: tests/fixtures/queries/insights/SOURCES.md."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from local.insights.lang import MalformedQuery, parse_query
from local.insights.standin import InsightsStandIn
from tests.support.insights import insights_rows

T0 = 1_795_600_800_000  # ms, on an hour boundary


def run(
    events: list[dict[str, Any]], text: str, start: int = T0, end: int = T0 + 3_600_000
) -> list[dict[str, str]]:
    return insights_rows({"/g": events}, "/g", text, start, end)


def lines(*messages: str, streams: tuple[str, ...] = ("s",)) -> list[dict[str, Any]]:
    return [
        {"timestamp": T0 + i * 1000, "message": m, "logStreamName": streams[i % len(streams)]}
        for i, m in enumerate(messages)
    ]


# --- parse (the query syntax page's and the parse page's examples) ---

ERROR_LINE = "25 May 2019 10:24:39,474 [ERROR] {foo=2, bar=data} The error was: DataIntegrityException"
GLOB = 'parse @message "[*] * The error was: *" as level, config, exception'
REGEX = r"parse @message /\[(?<level>\S+)\]\s+(?<config>\{.*\})\s+The error was: (?<exception>\S+)/"


@pytest.mark.parametrize("text", [GLOB, REGEX])
def test_the_guides_parse_examples_give_its_answer(text: str) -> None:
    # "level has a value of ERROR, config has a value of {foo=2, bar=data}, and exception has a value of
    # DataIntegrityException". Alone, the command shows Insights' default columns, which the guide does not
    # list with extracted fields in them: the stand-in refuses that, so the answer is read through display.
    with pytest.raises(MalformedQuery, match="parse with no fields, display or stats"):
        run(lines(ERROR_LINE), text)
    rows = run(lines(ERROR_LINE, "no match here"), text + " | display level, config, exception")
    assert [{k: v for k, v in r.items() if k != "@ptr"} for r in rows] == [  # newest first: Insights' default
        {},  # "If a log event doesn't match the specified pattern, you still see it … without the extracted fields"
        {"level": "ERROR", "config": "{foo=2, bar=data}", "exception": "DataIntegrityException"},
    ]


CUSTOM_FLOW_NAMES = (
    "account_id, vpc_id, subnet_id, interface_id,instance_id, srcaddr, srcport, dstaddr, dstport, protocol, packets, "
    "bytes, action, log_status, start, end, flow_direction, traffic_path, tcp_flags, pkt_srcaddr, "
    "pkt_src_aws_service, pkt_dstaddr, pkt_dst_aws_service, region, az_id, sublocation_type, sublocation_id"
)


def test_a_parse_shown_in_default_columns_is_refused() -> None:
    # repost.aws "How do I use CloudWatch Logs Insights to analyze custom Amazon VPC flow logs?": its output shows
    # the extracted fields as columns; whether @timestamp and @message come with them is not said
    stars = " ".join(["*"] * 27)
    text = f'#Retrieve latest custom VPC Flow Logs\nparse @message "{stars}" as {CUSTOM_FLOW_NAMES}\n| sort start desc\n| limit 2'
    with pytest.raises(MalformedQuery, match="parse with no fields, display or stats"):
        parse_query(text)


def test_parse_a_log_stream_name() -> None:
    streams = ("prod/orders/i-0a1/3", "prod/users/i-0b2/1", "dev/orders/i-0c3/2")
    events = lines(*(f"line {i}" for i in range(30)), streams=streams)
    rows = run(
        events, 'parse @logStream "*/*/*/*" as env, service, instance, shard\n| stats count(*) by env, service'
    )
    expected = Counter(tuple(e["logStreamName"].split("/")[:2]) for e in events)
    assert {(r["env"], r["service"]): int(r["count(*)"]) for r in rows} == expected


def test_chained_parse() -> None:
    events = lines("GET url=/api/v2/users/42", "GET url=/api/v1/users/7", "GET url=/health", "no url")
    rows = run(
        events,
        'parse @message "url=*" as url\n| parse url "/api/*/users/*" as apiVersion, userId\n| display apiVersion, userId',
    )
    assert [{k: v for k, v in r.items() if k != "@ptr"} for r in rows] == [  # newest first: Insights' default
        {},
        {},
        {"apiVersion": "v1", "userId": "7"},
        {"apiVersion": "v2", "userId": "42"},
    ]


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("parse @message /(?<v>\\d+)/ multi | display v", "multi-match mode"),
        ("parse @message logfmt | display level", "logfmt mode"),
        ("parse @message csv | display a", "csv mode"),
        ("parse @message /(?<v>\\d+)/ extra | display v", "after the parse regular expression"),
    ],
)
def test_parse_modes_the_stand_in_does_not_run(text: str, construct: str) -> None:
    with pytest.raises(MalformedQuery, match=construct):
        parse_query(text)


def test_parse_without_a_field_reads_the_message_and_a_regex_may_hold_a_pipe() -> None:
    rows = run(lines("a ERR 1", "b WARN 2", "c ok 3"), "parse /(?<level>ERR|WARN)/ | display level")
    assert [r.get("level") for r in rows] == [None, "WARN", "ERR"]  # newest first: Insights' default order


# --- dedup (its page's example, and the rule that only limit may follow it) ---


def test_the_most_recent_event_per_server() -> None:
    records = [{"server": s, "severity": v, "message": f"m{i}"} for i, (s, v) in enumerate(
        [("a", "high"), ("b", "low"), ("a", "low"), ("c", "high"), ("b", "high"), ("a", "high")]
    )]  # fmt: skip
    events = lines(*(json.dumps(r) for r in records), "no server field", "nor here")
    rows = run(events, "fields @timestamp, server, severity, message \n| sort @timestamp desc \n| dedup server")
    newest: dict[str, str] = {}
    for record in reversed(records):
        newest.setdefault(record["server"], record["message"])
    assert {r["server"]: r["message"] for r in rows if "server" in r} == newest
    assert sum("server" not in r for r in rows) == 2  # "Log events with null values … are retained"


@pytest.mark.parametrize(
    "text",
    [
        "fields server | dedup server | limit 5 | sort server",  # not only right after dedup
        "fields server | dedup server | limit 5 | limit 2 | display server",
        "fields server | dedup server | limit 5 | filter server = 'a'",
        "fields server | dedup server | limit 5 | stats count(*)",
        "fields server | dedup server | dedup server",
        "fields server | sort server | dedup server | fields severity",
    ],
)
def test_only_limit_may_come_anywhere_after_dedup(text: str) -> None:
    # CWL_QuerySyntax-Dedup: "The only query command that you can use in a query after the dedup command is limit."
    with pytest.raises(MalformedQuery, match="only limit may follow dedup"):
        parse_query(text)


def test_limits_after_dedup_are_accepted() -> None:
    events = lines(*(json.dumps({"server": s}) for s in "abcabc"))
    rows = run(events, "fields server | sort server asc | dedup server | limit 3 | limit 2")
    assert [r["server"] for r in rows] == ["a", "b"]


def test_limit_any_returns_that_many_matching_events() -> None:
    # "limit": "limit any N" stops once N matching events are found — "from any portion of the time range"
    events = lines("a", "b", "c")
    rows = run(events, "fields @message | limit any 1")
    assert len(rows) == 1 and rows[0]["@message"] in ("a", "b", "c")


# --- functions: the guide's documented examples ---


def test_string_function_examples() -> None:
    # ltrim("xyZxyfooxyZ","xyZ") → "fooxyZ"; rtrim("xyZfooxyxyZ","xyZ") → "xyZfoo"; trim("xyZxyfooxyxyZ","xyZ")
    # → "foo"; substr("xyZfooxyZ",3, 3) → "foo"; replace(logGroup,"smoke_test","Smoke")
    rows = run(
        [{"timestamp": T0, "message": json.dumps({"logGroup": "my_smoke_test_group"})}],
        'fields ltrim("xyZxyfooxyZ","xyZ") as l, rtrim("xyZfooxyxyZ","xyZ") as r, trim("xyZxyfooxyxyZ","xyZ") as t,'
        ' substr("xyZfooxyZ",3, 3) as s, replace(logGroup,"smoke_test","Smoke") as g',
    )
    assert [(r["l"], r["r"], r["t"], r["s"], r["g"]) for r in rows] == [
        ("fooxyZ", "xyZfoo", "foo", "foo", "my_Smoke_group")
    ]


def test_to_millis_example_and_date_rounding() -> None:
    # "toMillis(@timestamp) converts the timestamp 2022-01-14T13:18:031.000-08:00 to 1642195111000"
    at = 1_642_195_111_000
    rows = run(
        [{"timestamp": at, "message": "x"}],
        "fields toMillis(@timestamp) as ms, datefloor(@timestamp, 1h) as down, dateceil(@timestamp, 1h) as up",
        start=at - 1000,
        end=at + 1000,
    )
    assert rows[0]["ms"] == "1642195111000"
    assert (rows[0]["down"], rows[0]["up"]) == ("2022-01-14 21:00:00.000", "2022-01-14 22:00:00.000")


IPS = ["192.0.2.10", "10.0.0.5", "2001:db8::12", "2001:db9::1", "256.1.1.1", "not-an-ip", "192.0.2"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("isValidIp(addr)", ["192.0.2.10", "10.0.0.5", "2001:db8::12", "2001:db9::1"]),
        ("isValidIpV4(addr)", ["192.0.2.10", "10.0.0.5"]),
        ("isValidIpV6(addr)", ["2001:db8::12", "2001:db9::1"]),
        ('isIpInSubnet(addr, "192.0.2.0/24")', ["192.0.2.10"]),
        ('isIpInSubnet(addr, "2001:db8::/32")', ["2001:db8::12"]),
        ('isIpv4InSubnet(addr, "10.0.0.0/8")', ["10.0.0.5"]),
        ('isIpv6InSubnet(addr, "2001:db8::/32")', ["2001:db8::12"]),
        ("not isValidIp(addr)", ["256.1.1.1", "not-an-ip", "192.0.2"]),
    ],
)
def test_ip_address_functions(condition: str, expected: list[str]) -> None:
    events = [{"timestamp": T0 + i, "message": json.dumps({"addr": a})} for i, a in enumerate(IPS)]
    rows = run(events, f"filter {condition} | fields addr")
    assert [r["addr"] for r in rows] == expected[::-1]  # newest first: Insights' default order


# The guide's sort example, ascending; sortsFirst/sortsLast are "the value … that sorts first/last"
GUIDE_SORT_ORDER = ["!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh", "0", "01", "1", "2", "3"]  # fmt: skip


def test_sorts_first_and_last_follow_the_guides_sort_order() -> None:
    events = [{"timestamp": T0 + i, "message": f"v={v}"} for i, v in enumerate(reversed(GUIDE_SORT_ORDER))]
    rows = run(events, 'parse @message "v=*" as v | stats sortsFirst(v) as first, sortsLast(v) as last')
    assert rows == [{"first": "!:", "last": "3"}]


def test_count_distinct_of_a_small_set_is_exact() -> None:
    """count_distinct is "just an approximation" for fields of very high cardinality (the stats functions
    page); with four values it is exact, which this answer assumes."""
    events = [{"timestamp": T0 + i, "message": json.dumps({"k": "abcd"[i % 4], "n": i % 2})} for i in range(40)]
    rows = run(events, "stats count_distinct(k) as keys by n")
    assert {r["n"]: r["keys"] for r in rows} == {"0": "2", "1": "2"}


# --- what the stand-in refuses, by name ---


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ('fields @timestamp, @message\n| filterIndex IPaddress = "198.51.100.0"\n| limit 20', "filterIndex"),
        ("fields @message | unmask", "unmask"),
        ("filter @message like /ERROR/ | pattern @message", "pattern"),
        ("fields @message | diff", "diff"),
        ("fields @message | anomaly", "anomaly"),
        ("fields tags | unnest tags into tag", "unnest"),
        ("fields greatest(a, b) as g", "greatest"),
        ("fields least(a, b) as l", "least"),
        ("fields log(a) as l", "log"),
        ("fields sqrt(a) as s", "sqrt"),
        ("fields isValidIp(addr) as ok", "condition as a fields value"),
        ('filter isIpv4InSubnet(addr, "2001:db8::/32")', "not an IPv4 subnet"),
        ('filter isIpInSubnet(addr, "192.0.2.5/24")', "not a subnet in CIDR notation"),
        ('filter @timestamp > "2026-11-25 10:00:00"', "human-readable timestamps"),
        ("stats pct(latency, 150)", "percentile from 0 to 100"),
        ("stats count(*) as n, sum(count(*)) as m", "stats function"),
        ("filter count(*) > 1", "stats function"),
        ("fields strlen() as n", "takes 1 argument"),
        ('fields substr("abc") as s', "takes 2 to 3 arguments"),
        ("filter level like 5", "like needs a string"),
        ('filter level =~ "ERROR"', "=~ needs a /regular expression/"),
        ("fields [1, 2] as l", "only allowed after in"),
        ("fields @message |", "a | with no command"),
        ("sort", "sort needs a field"),
        ("sort 'level' desc", "sort takes field names"),
        ("stats sum(level = 'ERROR') as errors", "of a condition"),
        ("stats count(*) by latency > 100", "a condition to group stats by"),
        ("fields /ERROR/ as e", "only allowed after like or =~"),
    ],
)
def test_constructs_the_stand_in_refuses(text: str, construct: str) -> None:
    with pytest.raises(MalformedQuery, match=construct.replace("(", r"\(").replace(")", r"\)")):
        parse_query(text)


@pytest.mark.parametrize(
    "text",
    [
        "fields 10 ^ 400 as big",
        "fields (0 - 8) ^ 0.5 as root",
        "fields substr(@message, 0 - 2) as tail",
        "fields fromMillis(10 ^ 18) as when",  # the year 31690708
        "fields datefloor(fromMillis(0 - 10 ^ 17), 1mo) as when",
    ],
)
def test_values_the_guide_gives_no_answer_for_fail_the_running_query(text: str) -> None:
    # The query is well formed, so StartQuery accepts it; evaluating it has no documented answer: it fails
    standin = InsightsStandIn(lambda region, group, start, end: [{"timestamp": T0, "message": "x"}])
    query_id = standin.start_query(
        "us-east-1",
        {"logGroupNames": ["/g"], "startTime": T0 // 1000, "endTime": T0 // 1000 + 1, "queryString": text},
    )["queryId"]
    answers = [standin.get_query_results({"queryId": query_id}) for _ in range(3)]
    assert answers[-1]["status"] == "Failed" and answers[-1]["results"] == []
    assert all(a["status"] in ("Scheduled", "Running", "Failed") for a in answers)


def test_coalesce_returns_the_first_non_null_value() -> None:
    # "Returns the first non-null value from the list": an empty string is a value, a missing field is not
    events = [
        {"timestamp": T0 + i, "message": json.dumps(r)} for i, r in enumerate([{"a": "", "b": "x"}, {"b": "y"}])
    ]
    rows = run(events, "fields coalesce(a, b) as c, isempty(a) as e, isblank(a) as bl | sort @timestamp asc")
    assert [(r.get("c"), r["e"], r["bl"]) for r in rows] == [("", "1", "1"), ("y", "1", "1")]
