"""Real Logs Insights queries from the CloudWatch Logs User Guide — its "Sample queries" page (Amazon VPC flow
logs, Route 53, NAT gateway, Apache server logs) and the command pages' examples (fields, filter, stats, sort,
limit, display, aliases, comments; parse, dedup and the functions are in test_insights_docs_functions.py) —
verbatim, run by the stand-in over events built here. Each answer is computed in plain Python from the guide's
documented semantics, never from the stand-in's code; a query the stand-in does not support must fail with
MalformedQuery naming the construct. Sources: tests/fixtures/queries/insights/SOURCES.md."""

from __future__ import annotations

import ipaddress
import json
import random
from collections import Counter, defaultdict
from typing import Any

import pytest

from local.insights.execution import Stamp
from local.insights.lang import MalformedQuery
from tests.support.insights import insights_rows

T0 = 1_795_600_800_000  # ms, on an hour boundary
NAT, VPC = "10.0.0.5", "10.0."  # the NAT gateway's private IP and the VPC CIDR's first two octets
HOSTS = ["10.0.1.17", "10.0.2.33", NAT, "10.0.0.50", "203.0.113.12", "198.51.100.7", "192.0.2.10", "192.0.2.77"]
FLOW_KEYS = "version accountId interfaceId srcAddr dstAddr srcPort dstPort protocol packets bytes start end action"


def flow_events() -> list[dict[str, Any]]:
    """VPC flow log version 2 records (the VPC User Guide's default format), TCP and UDP."""
    rng = random.Random(28)
    events = []
    for i in range(260):
        src, dst = rng.sample(HOSTS, 2)
        line = (
            f"2 123456789010 eni-0{i % 3}35b8ca12345678 {src} {dst} {rng.randint(1024, 65535)} {rng.choice([22, 53, 443])} "
            f"{rng.choice([6, 6, 17])} {rng.randint(1, 60)} {rng.randint(40, 90000)} {1418530010 + i} {1418530070 + i} "
            f"{'REJECT' if rng.random() < 0.2 else 'ACCEPT'} OK"
        )
        events.append({"timestamp": T0 + i * 20_000, "message": line})
    return events


def skip_events() -> list[dict[str, Any]]:
    """Records of capture windows with no data or skipped records ("-" fields), and some OK ones."""
    events = []
    for i in range(90):
        status = ("SKIPDATA", "NODATA", "OK")[i % 3] if i % 7 else "SKIPDATA"
        fields = "- - - - - - -" if status != "OK" else "10.0.1.17 10.0.2.33 40000 443 6 3 180"
        action = "-" if status != "OK" else "ACCEPT"
        line = f"2 123456789010 eni-1111aaaa2222bbbb3 {fields} {1431280876 + i} {1431280934 + i} {action} {status}"
        events.append({"timestamp": T0 + i * 75_000, "message": line})
    return events


RESOLVERS = [f"192.168.1.{n}" for n in range(1, 14)]


def route53_events() -> list[dict[str, Any]]:
    """Route 53 public DNS query logs, in the format of the Route 53 Developer Guide's example."""
    rng = random.Random(53)
    events = []
    for i in range(300):
        at = T0 + i * 23_000
        line = (
            f"1.0 {Stamp(at).__str__().replace(' ', 'T')}Z Z123412341234 "
            f"{rng.choice(['example.com', 'www.example.com', 'api.example.com'])} {rng.choice(['A', 'AAAA', 'MX'])} "
            f"{rng.choice(['NOERROR', 'NOERROR', 'NXDOMAIN', 'SERVFAIL'])} {rng.choice(['UDP', 'TCP'])} "
            f"{rng.choice(['FRA6', 'IAD12'])} {rng.choice(RESOLVERS)} -"
        )
        events.append({"timestamp": at, "message": line})
    return events


def apache_events() -> list[dict[str, Any]]:
    """Apache access and error logs written as JSON (the blog the guide points to), fields named as the queries
    name them."""
    rng = random.Random(80)
    events = []
    for i in range(200):
        if i % 4:
            target = rng.choice(["/var/www/html/admin", "/var/www/html/index.html", "/var/www/html/admin/login"])
            record = {
                "remoteIP": rng.choice(["203.0.113.5", "198.51.100.9", "192.0.2.33"]),
                "request": f"GET {target.removeprefix('/var/www/html')} HTTP/1.1",
                "method": "GET",
                "status": rng.choice(["200", "404"]),
                "referrer": "http://34.250.27.141/",
                "filename": target,
            }
        else:
            record = {
                "function": "mpm_event:notice",
                "process": f"pid {1000 + i}:tid 140",
                "message": rng.choice(
                    [
                        "AH00489: Apache/2.4.41 (Ubuntu) configured -- resuming normal operations",
                        "AH00094: started",
                    ]
                ),
            }
        events.append({"timestamp": T0 + i * 31_000, "message": json.dumps(record)})
    return events


def app_events() -> list[dict[str, Any]]:
    """JSON application lines carrying the fields the command pages' examples name."""
    rng = random.Random(2)
    events = []
    for i in range(160):
        record = {
            "f1": rng.randint(0, 30),
            "f2": rng.choice(["a", "b", "c"]),
            "f3": rng.randint(0, 50),
            "f4": rng.randint(0, 50),
            "foo-bar": f"fb{i}",
            "action": rng.choice(["put", "get"]),
            "duration": rng.randint(0, 4000),
            "range": rng.randint(0, 6000),
            "accountId": rng.choice(["123456789012", "210987654321"]),
            "statusCode": rng.choice([200, 204, 300, 302, 400, 404, 500]),
            "Type": rng.choice(["foo", "bar", "1", 1, "baz", "qux"]),
            "logGroup": rng.choice(["example_group", "example_group_2", "other"]),
            "Operation": rng.choice(["PutItem", "Query"]),
            "StatusCode": rng.choice([200, 400]),
            "myField": rng.randint(-20, 20),
            "myField2": rng.choice(["x", "y"]),
            "myfield1": rng.randint(0, 100),
            "myfield2": rng.randint(0, 100),
            "myfield3": rng.randint(0, 100),
        }
        events.append({"timestamp": T0 + i * 17_000, "message": json.dumps(record)})
    return events


def text_events() -> list[dict[str, Any]]:
    """JSON lines whose f1 is text, for the guide's substring examples (which are case sensitive)."""
    texts = ["java.lang.Exception: boom", "no exception here", "IllegalStateException", "EXCEPTION", "ok"]
    return [
        {"timestamp": T0 + i * 1000, "message": json.dumps({"f1": texts[i % 5], "f2": i, "f3": "Error"})}
        for i in range(40)
    ]


GROUPS = {
    "/vpc/flows": flow_events(),
    "/vpc/skips": skip_events(),
    "/route53": route53_events(),
    "/apache": apache_events(),
    "/app": app_events(),
    "/app/text": text_events(),
}
FLOWS = [dict(zip(FLOW_KEYS.split(), e["message"].split(), strict=False)) for e in GROUPS["/vpc/flows"]]
APP = [json.loads(e["message"]) | {"@ts": e["timestamp"]} for e in GROUPS["/app"]]


def run(group: str, text: str) -> list[dict[str, str]]:
    return insights_rows(GROUPS, group, text, T0, T0 + 7_200_000)


def stamp(ms: int) -> str:
    return str(Stamp(ms))


def hour(ms: int) -> str:
    return stamp(ms // 3_600_000 * 3_600_000)


def top(rows: list[dict[str, str]], keys: tuple[str, ...], value: str, totals: dict[Any, int], n: int) -> None:
    """A "sort value desc | limit n": the n largest totals in order, each row's own total; ties at the cut may
    come in any order."""
    got = [(tuple(r[k] for k in keys), int(float(r[value]))) for r in rows]
    assert [v for _, v in got] == sorted(totals.values(), reverse=True)[:n]
    assert all(totals[k if len(keys) > 1 else k[0]] == v for k, v in got)


# --- Queries for Amazon VPC Flow Logs ---


def test_top_15_packet_transfers_across_hosts() -> None:
    rows = run(
        "/vpc/flows",
        "stats sum(packets) as packetsTransferred by srcAddr, dstAddr\n    | sort packetsTransferred  desc\n    | limit 15",
    )
    totals: Counter[tuple[str, str]] = Counter()
    for flow in FLOWS:
        totals[(flow["srcAddr"], flow["dstAddr"])] += int(flow["packets"])
    top(rows, ("srcAddr", "dstAddr"), "packetsTransferred", totals, 15)


def test_top_15_byte_transfers_for_hosts_on_a_subnet() -> None:
    rows = run(
        "/vpc/flows",
        'filter isIpv4InSubnet(srcAddr, "192.0.2.0/24")\n    | stats sum(bytes) as bytesTransferred by dstAddr\n'
        "    | sort bytesTransferred desc\n    | limit 15",
    )
    subnet = ipaddress.ip_network("192.0.2.0/24")
    totals: Counter[str] = Counter()
    for flow in FLOWS:
        if ipaddress.ip_address(flow["srcAddr"]) in subnet:
            totals[flow["dstAddr"]] += int(flow["bytes"])
    top(rows, ("dstAddr",), "bytesTransferred", totals, 15)


def test_addresses_that_use_udp() -> None:
    rows = run("/vpc/flows", "filter protocol=17 | stats count(*) by srcAddr")
    assert {r["srcAddr"]: int(r["count(*)"]) for r in rows} == Counter(
        f["srcAddr"] for f in FLOWS if f["protocol"] == "17"
    )


def test_flow_records_skipped_during_the_capture_window() -> None:
    rows = run("/vpc/skips", 'filter logStatus="SKIPDATA"\n    | stats count(*) by bin(1h) as t\n    | sort t')
    expected = Counter(hour(e["timestamp"]) for e in GROUPS["/vpc/skips"] if e["message"].endswith("SKIPDATA"))
    assert {r["t"]: int(r["count(*)"]) for r in rows} == expected and len(expected) == 2


NAT_QUERIES = {  # the guide's note: replace x.x.x.x with the NAT gateway's private IP, y.y with the VPC's octets
    "traffic": "filter (dstAddr like 'x.x.x.x' and srcAddr like 'y.y.') ",
    "to and from": "filter (dstAddr like 'x.x.x.x' and srcAddr like 'y.y.') or (srcAddr like 'xxx.xx.xx.xx' and dstAddr like 'y.y.')",
    "uploads": "filter (srcAddr like 'x.x.x.x' and dstAddr not like 'y.y.') ",
    "downloads": "filter (dstAddr like 'x.x.x.x' and srcAddr not like 'y.y.') ",
}
NAT_KEEP = {  # like 'text' matches a substring: 10.0.0.50 is "like" 10.0.0.5
    "traffic": lambda s, d: NAT in d and VPC in s,
    "to and from": lambda s, d: (NAT in d and VPC in s) or (NAT in s and VPC in d),
    "uploads": lambda s, d: NAT in s and VPC not in d,
    "downloads": lambda s, d: NAT in d and VPC not in s,
}


@pytest.mark.parametrize("name", NAT_QUERIES)
def test_nat_gateway_top_contributors(name: str) -> None:
    condition = NAT_QUERIES[name].replace("xxx.xx.xx.xx", NAT).replace("x.x.x.x", NAT).replace("y.y.", VPC)
    tail = "\n| stats sum(bytes) as bytesTransferred by srcAddr, dstAddr\n| sort bytesTransferred desc\n| limit 10"
    rows = run("/vpc/flows", condition + tail)
    totals: Counter[tuple[str, str]] = Counter()
    for flow in FLOWS:
        if NAT_KEEP[name](flow["srcAddr"], flow["dstAddr"]):
            totals[(flow["srcAddr"], flow["dstAddr"])] += int(flow["bytes"])
    assert totals
    top(rows, ("srcAddr", "dstAddr"), "bytesTransferred", totals, 10)


def test_parse_the_network_interface_with_a_named_group() -> None:
    rows = run("/vpc/flows", "parse @message /(?<NetworkInterface>eni-.*?) / | display NetworkInterface, @message")
    assert sorted((r["NetworkInterface"], r["@message"]) for r in rows) == sorted(
        (e["message"].split()[2], e["message"]) for e in GROUPS["/vpc/flows"]
    )


# --- Queries for Route 53 logs ---


def test_records_per_hour_by_query_type() -> None:
    rows = run("/route53", "stats count(*) by queryType, bin(1h)")
    expected = Counter((e["message"].split()[4], hour(e["timestamp"])) for e in GROUPS["/route53"])
    assert {(r["queryType"], r["bin(1h)"]): int(r["count(*)"]) for r in rows} == expected


def test_the_10_resolvers_with_the_most_requests() -> None:
    rows = run(
        "/route53", "stats count(*) as numRequests by resolverIp\n    | sort numRequests desc\n    | limit 10"
    )
    top(rows, ("resolverIp",), "numRequests", Counter(e["message"].split()[8] for e in GROUPS["/route53"]), 10)


def test_servfail_records_by_domain() -> None:
    rows = run("/route53", 'filter responseCode="SERVFAIL" | stats count(*) by queryName')
    expected = Counter(e["message"].split()[3] for e in GROUPS["/route53"] if " SERVFAIL " in e["message"])
    assert {r["queryName"]: int(r["count(*)"]) for r in rows} == expected


# --- Queries for Apache server logs ---

APACHE = [json.loads(e["message"]) | {"@ts": e["timestamp"]} for e in GROUPS["/apache"]]


def test_traffic_in_the_admin_path() -> None:
    rows = run(
        "/apache",
        'fields @timestamp, remoteIP, request, status, filename| sort @timestamp desc\n| filter filename="/var/www/html/admin"\n| limit 20',
    )
    admin = sorted((a for a in APACHE if a.get("filename") == "/var/www/html/admin"), key=lambda a: -a["@ts"])[:20]
    assert [(r["@timestamp"], r["remoteIP"], r["request"]) for r in rows] == [
        (stamp(a["@ts"]), a["remoteIP"], a["request"]) for a in admin
    ]


def test_apache_restarts() -> None:
    rows = run(
        "/apache",
        'fields @timestamp, function, process, message\n| filter message like "resuming normal operations"\n'
        "| sort @timestamp desc\n| limit 20",
    )
    restarts = sorted(
        (a for a in APACHE if "resuming normal operations" in a.get("message", "")), key=lambda a: -a["@ts"]
    )
    assert [(r["@timestamp"], r["process"]) for r in rows] == [
        (stamp(a["@ts"]), a["process"]) for a in restarts[:20]
    ]


def test_unique_visits_with_an_unquoted_url_are_refused() -> None:
    # The guide's query compares referrer with http://34.250.27.141/ outside quotes: not an expression
    with pytest.raises(MalformedQuery, match="cannot read the query near"):
        run(
            "/apache",
            'fields @timestamp, remoteIP, method, status\n| filter status="200" and referrer= http://34.250.27.141/ '
            'and method= "GET"\n| stats count_distinct(remoteIP) as UniqueVisits\n| limit 10',
        )


# --- the command pages: fields, filter, stats, sort, limit, display, aliases, comments ---


def multiset(rows: list[dict[str, str]], *names: str) -> list[tuple[str | None, ...]]:
    """Rows without a promised order, as a sorted list of their values (None where a row lacks the field)."""
    return sorted((tuple(r.get(n) for n in names) for r in rows), key=str)


def values(records: list[dict[str, Any]], *names: str) -> list[tuple[str | None, ...]]:
    return sorted((tuple(None if r.get(n) is None else str(r[n]) for n in names) for r in records), key=str)


@pytest.mark.parametrize(
    ("text", "names", "keep"),
    [
        ("fields f1, f2, f3 | filter (duration>2000)", ("f1", "f2", "f3"), lambda r: r["duration"] > 2000),
        ("fields f1, f2 | filter (f1=10 or f3>25)", ("f1", "f2"), lambda r: r["f1"] == 10 or r["f3"] > 25),
        ("fields f1 | filter statusCode like /2\\d\\d/", ("f1",), lambda r: 200 <= r["statusCode"] <= 299),
        ("fields f1 | filter statusCode not like /2\\d\\d/", ("f1",), lambda r: not 200 <= r["statusCode"] <= 299),
        (
            "fields @timestamp, @message\n    | filter statusCode in [300,400,500]",
            ("@message",),
            lambda r: r["statusCode"] in (300, 400, 500),
        ),
        (
            'fields @timestamp, @message\n    | filter Type not in ["foo","bar",1]',
            ("@message",),
            lambda r: str(r["Type"]) not in ("foo", "bar", "1"),
        ),
        (
            'fields @timestamp, @message\n| filter logGroup in ["example_group"]',
            ("@message",),
            lambda r: r["logGroup"] == "example_group",
        ),
    ],
)
def test_filter_examples(text: str, names: tuple[str, ...], keep: Any) -> None:
    rows = run("/app", text)
    kept = [r | {"@message": e["message"]} for r, e in zip(APP, GROUPS["/app"], strict=True) if keep(r)]
    assert multiset(rows, *names) == values(kept, *names) and kept


def test_filter_alone_shows_the_timestamp_and_message() -> None:
    rows = run("/app", "filter (duration>2000)")
    assert {frozenset(r) for r in rows} == {frozenset({"@timestamp", "@message", "@ptr"})}
    assert sorted(r["@message"] for r in rows) == sorted(
        e["message"] for e in GROUPS["/app"] if json.loads(e["message"])["duration"] > 2000
    )


@pytest.mark.parametrize("extra", ["", " and accountId=123456789012"])
def test_filter_page_examples_newest_20(extra: str) -> None:
    rows = run(
        "/app", f"fields @timestamp, @message\n| filter (range>3000{extra})\n| sort @timestamp desc\n| limit 20"
    )
    kept = [a for a in APP if a["range"] > 3000 and (not extra or a["accountId"] == "123456789012")]
    assert [r["@timestamp"] for r in rows] == [stamp(a["@ts"]) for a in sorted(kept, key=lambda a: -a["@ts"])[:20]]


def test_fields_with_a_backticked_name_and_a_function() -> None:
    rows = run("/app", "fields `foo-bar`, action, abs(f3-f4)")
    assert multiset(rows, "foo-bar", "action", "abs(f3-f4)") == values(
        [a | {"abs": abs(a["f3"] - a["f4"])} for a in APP], "foo-bar", "action", "abs"
    )


def test_fields_concat_and_abs_aliases() -> None:
    rows = run("/app", "fields concat(Operation, '-', StatusCode) as opStatus")
    assert sorted(r["opStatus"] for r in rows) == sorted(f"{a['Operation']}-{a['StatusCode']}" for a in APP)
    rows = run("/app", "fields abs(myField) as AbsoluteValuemyField, myField2")
    assert multiset(rows, "AbsoluteValuemyField", "myField2") == values(
        [{"v": abs(a["myField"]), "w": a["myField2"]} for a in APP], "v", "w"
    )


def test_stats_average_by_a_field_and_an_alias_sorted() -> None:
    rows = run("/app", "stats avg (f1) by f2")
    groups: dict[str, list[int]] = defaultdict(list)
    for a in APP:
        groups[a["f2"]].append(a["f1"])
    # the guide does not show the header of an unaliased "avg (f1)"; the value is the row's only other field
    got = {r["f2"]: float(next(v for k, v in r.items() if k != "f2")) for r in rows}
    assert got == {k: pytest.approx(sum(v) / len(v)) for k, v in groups.items()}
    (row,) = run("/app", "stats avg(f1) as myAvgF1 | sort myAvgF1 desc")
    assert set(row) == {"myAvgF1"} and float(row["myAvgF1"]) == pytest.approx(sum(a["f1"] for a in APP) / len(APP))


@pytest.mark.parametrize(
    "text",
    ["stats avg(myfield1) by bin(5m)", "stats avg(myfield1), min(myfield2), max(myfield3) by bin(5m)"],
)
def test_time_series_stats(text: str) -> None:
    rows = run("/app", text)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in APP:
        groups[stamp(a["@ts"] // 300_000 * 300_000)].append(a)
    assert {r["bin(5m)"] for r in rows} == set(groups)
    for row in rows:
        members = groups[row["bin(5m)"]]
        assert float(row["avg(myfield1)"]) == pytest.approx(sum(m["myfield1"] for m in members) / len(members))
        if "min(myfield2)" in text:
            assert int(row["min(myfield2)"]) == min(m["myfield2"] for m in members)
            assert int(row["max(myfield3)"]) == max(m["myfield3"] for m in members)


def test_sort_limit_and_display() -> None:
    rows = run("/app", "fields f1, f2, f3 | sort f1 desc")
    assert [int(r["f1"]) for r in rows] == sorted((a["f1"] for a in APP), reverse=True)
    rows = run("/app", "sort @timestamp desc | limit 25  |  display f1, f2")
    newest = sorted(APP, key=lambda a: -a["@ts"])[:25]
    assert [(r["f1"], r["f2"]) for r in rows] == [(str(a["f1"]), a["f2"]) for a in newest]
    assert all(set(r) == {"f1", "f2", "@ptr"} for r in rows)
    rows = run("/app", "fields @timestamp, @message\n| sort @timestamp desc\n| limit 20")
    assert [r["@message"] for r in rows] == [
        e["message"] for e in sorted(GROUPS["/app"], key=lambda e: -e["timestamp"])[:20]
    ]


def test_a_commented_out_line_is_ignored() -> None:
    events = [{"timestamp": T0 + i, "message": "delay" if i % 2 else "fine"} for i in range(12)]  # fewer than 20
    rows = insights_rows(
        {"/d": events},
        "/d",
        "fields @timestamp, @message\n    # | filter @message like /delay/\n    | limit 20",
        T0,
        T0 + 1000,
    )
    assert sorted(r["@message"] for r in rows) == sorted(e["message"] for e in events)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ('fields f1, f2, f3 \n| filter f1 like "Exception"', lambda t: "Exception" in t),
        ("fields f1, f2, f3 \n| filter f1 like /Exception/", lambda t: "Exception" in t),
        ("fields f1, f2, f3 \n| filter f1 =~ /Exception/", lambda t: "Exception" in t),
        ('fields f1, f2, f3 \n| filter f1 not like "Exception"', lambda t: "Exception" not in t),
        ("fields f1, f2, f3 \n| filter f1 like /(?i)Exception/", lambda t: "exception" in t.lower()),
    ],
)
def test_matching_substrings(text: str, keep: Any) -> None:
    rows = run("/app/text", text)
    records = [json.loads(e["message"]) for e in GROUPS["/app/text"]]
    assert multiset(rows, "f1", "f2", "f3") == values([r for r in records if keep(r["f1"])], "f1", "f2", "f3")


def test_a_regex_that_matches_the_empty_string_is_refused() -> None:
    # The guide says f3 like /E*/ finds "words that begin with the letter E"; as a regex E* matches every value
    with pytest.raises(MalformedQuery, match="empty string"):
        run("/app/text", "fields f1, f2, f3\n| filter f3 like /E*/")
