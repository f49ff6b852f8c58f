"""Real Logs Insights queries — from the AWS Lambda Operator Guide's "Useful Insights queries"
(serverlessland.com/content/service/lambda/guides/aws-lambda-operator-guide/useful-queries), the CloudWatch
Logs User Guide's sample queries (Lambda, VPC flow logs, general) and its syntax reference — run by the
stand-in over Lambda and VPC flow log lines, each answer computed here in plain Python. A query either gives
that answer or fails with MalformedQuery naming what it does not support: never a silent wrong answer."""

from __future__ import annotations

import ipaddress
import json
import random
from collections import Counter, defaultdict
from typing import Any

import pytest

from local.insights.lang import MalformedQuery
from local.insights.standin import InsightsStandIn
from tests.support.insights import insights_rows

T0 = 1_795_600_200_000  # ms, on a 30-minute boundary
MB = 1_000_000


def lambda_events() -> list[dict[str, Any]]:
    """REPORT lines as Lambda writes them (some cold, with Init Duration and an X-Ray trace), JSON app lines
    behind the runtime's tab prefix, and error lines."""
    rng = random.Random(11)
    events = []
    for i in range(120):
        at = T0 + i * 20_000  # 40 minutes: two 30-minute bins, eight 5-minute bins
        request = f"{i:08x}-0000-4000-8000-{i:012x}"
        used = 128 if i % 17 == 0 else rng.randint(40, 120)
        duration = round(rng.uniform(2, 900), 2)
        cold = i % 10 == 0
        line = (
            f"REPORT RequestId: {request}\tDuration: {duration} ms\tBilled Duration: {int(duration) + 1} ms\t"
            f"Memory Size: 128 MB\tMax Memory Used: {used} MB\t"
        )
        if cold:
            line += f"Init Duration: {round(rng.uniform(100, 400), 2)} ms\t"
            line += f"\nXRAY TraceId: 1-{i:08x}-{i:024x}\tSegmentId: {i:016x}\tSampled: true"
        events.append({"timestamp": at + 5, "message": line, "logStreamName": f"2026/11/26/[$LATEST]{i % 3}"})
        level = "ERROR" if i % 9 == 0 else "INFO"
        body = json.dumps({"level": level, "msg": "charge failed" if level == "ERROR" else "ok", "ms": duration})
        events.append(
            {
                "timestamp": at + 1,
                "message": f"2026-11-26T07:00:00.000Z\t{request}\t{level}\t{body}",
                "logStreamName": f"2026/11/26/[$LATEST]{i % 3}",
            }
        )
    return events


def flow_events() -> list[dict[str, Any]]:
    """VPC flow log v2 lines (the format of the VPC User Guide's examples)."""
    rng = random.Random(3)
    hosts = ["172.31.16.139", "172.31.16.21", "192.0.2.10", "192.0.2.77", "203.0.113.12"]
    events = []
    for i in range(200):
        src, dst = rng.sample(hosts, 2)
        action = "REJECT" if rng.random() < 0.3 else "ACCEPT"
        line = (
            f"2 123456789010 eni-1235b8ca123456789 {src} {dst} {rng.randint(1024, 65535)} {rng.choice([22, 443, 3389])} "
            f"6 {rng.randint(1, 40)} {rng.randint(40, 90000)} 1418530010 1418530070 {action} OK"
        )
        events.append({"timestamp": T0 + i * 1000, "message": line, "logStreamName": "eni-1235b8ca123456789-all"})
    return events


GROUPS = {"/aws/lambda/orders": lambda_events(), "/vpc/flows": flow_events()}
REPORTS = [e for e in GROUPS["/aws/lambda/orders"] if e["message"].startswith("REPORT")]
FLOWS = [
    dict(
        zip(
            [
                "version",
                "accountId",
                "interfaceId",
                "srcAddr",
                "dstAddr",
                "srcPort",
                "dstPort",
                "protocol",
                "packets",
                "bytes",
                "start",
                "end",
                "action",
                "logStatus",
            ],
            e["message"].split(),
            strict=True,
        )
    )
    for e in GROUPS["/vpc/flows"]
]


def field(report: dict[str, Any], name: str) -> float:
    text = report["message"]
    value = text.split(f"{name}: ")[1].split(" ")[0]
    return float(value)


def run(group: str, text: str) -> list[dict[str, str]]:
    return insights_rows(GROUPS, group, text, T0, T0 + 3_600_000)


def bin_of(ms: int, minutes: int) -> int:
    return ms // (minutes * 60_000) * (minutes * 60_000)


def stamp(ms: int) -> str:
    from local.insights.execution import Stamp

    return str(Stamp(ms))


def test_highest_billed_invocations() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT"\n| fields @requestId, @billedDuration\n| sort by @billedDuration desc\n| limit 100',
    )
    expected = sorted(REPORTS, key=lambda r: -field(r, "Billed Duration"))[:100]
    assert [float(r["@billedDuration"]) for r in rows] == [field(r, "Billed Duration") for r in expected]


def test_percentage_of_cold_starts_per_5_minutes() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT"\n| stats sum(strcontains(@message, "Init Duration"))/count(*) * 100 as\n  coldStartPct, avg(@duration)\n  by bin(5m)',
    )
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for report in REPORTS:
        groups[bin_of(report["timestamp"], 5)].append(report)
    got = {r["bin(5m)"]: (float(r["coldStartPct"]), float(r["avg(@duration)"])) for r in rows}
    assert set(got) == {stamp(b) for b in groups}
    for start, members in groups.items():
        cold = 100 * sum("Init Duration" in m["message"] for m in members) / len(members)
        mean = sum(field(m, "Duration") for m in members) / len(members)
        assert got[stamp(start)] == (pytest.approx(cold), pytest.approx(mean, rel=1e-6))


def test_percentile_report_of_duration_per_30_minutes() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT"\n| stats\n    avg(@billedDuration) as Average,\n    percentile(@billedDuration, 99) as NinetyNinth,\n'
        "    percentile(@billedDuration, 95) as NinetyFifth,\n    percentile(@billedDuration, 90) as Ninetieth\n    by bin(30m)",
    )
    groups: dict[int, list[float]] = defaultdict(list)
    for report in REPORTS:
        groups[bin_of(report["timestamp"], 30)].append(field(report, "Billed Duration"))
    assert len(rows) == len(groups) == 2
    for row in rows:
        values = sorted(groups[next(b for b in groups if stamp(b) == row["bin(30m)"])])
        assert float(row["Average"]) == pytest.approx(sum(values) / len(values))
        for name, p in (("NinetyNinth", 99), ("NinetyFifth", 95), ("Ninetieth", 90)):
            assert float(row[name]) in values  # a value of the data at that rank
            assert sum(v <= float(row[name]) for v in values) >= p / 100 * len(values)


def test_memory_report_divides_not_regexes() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type="REPORT"\n| stats avg(@maxMemoryUsed/1000/1000) as mean_MemoryUsed,\n    min(@maxMemoryUsed/1000/1000) as min_MemoryUsed,\n'
        "    max(@maxMemoryUsed/1000/1000) as max_MemoryUsed,\n    percentile(@maxMemoryUsed/1000/1000, 95) as Percentile95",
    )
    used = [field(r, "Max Memory Used") for r in REPORTS]
    (row,) = rows
    assert float(row["mean_MemoryUsed"]) == pytest.approx(sum(used) / len(used))
    assert (float(row["min_MemoryUsed"]), float(row["max_MemoryUsed"])) == (min(used), max(used))


def test_overprovisioned_memory_uses_earlier_aggregates() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT"\n| stats max(@memorySize / 1024 / 1024) as provisonedMemoryMB,\n'
        "min(@maxMemoryUsed / 1024 / 1024) as smallestMemoryRequestMB,\navg(@maxMemoryUsed / 1024 / 1024) as avgMemoryUsedMB,\n"
        "max(@maxMemoryUsed / 1024 / 1024) as maxMemoryUsedMB,\nprovisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB",
    )
    (row,) = rows
    provisioned = 128 * MB / 1024 / 1024
    assert float(row["provisonedMemoryMB"]) == pytest.approx(provisioned)  # 122.07, not 128000000
    most = max(field(r, "Max Memory Used") for r in REPORTS) * MB / 1024 / 1024
    assert float(row["overProvisionedMB"]) == pytest.approx(provisioned - most)


def test_invocations_using_all_assigned_memory() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT" and @maxMemoryUsed=@memorySize\n| stats\n    count_distinct(@requestId)\n    by bin(30m)',
    )
    full = Counter(bin_of(r["timestamp"], 30) for r in REPORTS if field(r, "Max Memory Used") == 128)
    assert {r["bin(30m)"]: int(r["count_distinct(@requestId)"]) for r in rows} == {
        stamp(b): n for b, n in full.items()
    }


def test_most_recent_errors_with_an_inline_case_flag() -> None:
    rows = run(
        "/aws/lambda/orders",
        "filter @message like /(?i)(Exception|error|fail)/\n| fields @timestamp, @message\n| sort @timestamp desc\n| limit 50",
    )
    errors = sorted(
        (
            e
            for e in GROUPS["/aws/lambda/orders"]
            if "error" in e["message"].lower() or "fail" in e["message"].lower()
        ),
        key=lambda e: -e["timestamp"],
    )[:50]
    assert [r["@message"] for r in rows] == [e["message"] for e in errors]


def test_json_behind_the_lambda_runtime_prefix_is_discovered() -> None:
    rows = run("/aws/lambda/orders", 'filter level = "ERROR" | stats count(*) as n')
    assert rows == [{"n": str(sum(1 for i in range(120) if i % 9 == 0))}]


def test_xray_fields_of_report_lines() -> None:
    rows = run("/aws/lambda/orders", "filter ispresent(@xrayTraceId) | stats count(*) as n")
    assert rows == [{"n": str(sum("XRAY TraceId" in r["message"] for r in REPORTS))}]


def test_vpc_top_talkers() -> None:
    rows = run(
        "/vpc/flows",
        "stats sum(bytes) as bytesTransferred by srcAddr, dstAddr\n| sort bytesTransferred desc\n| limit 15",
    )
    totals: Counter[tuple[str, str]] = Counter()
    for flow in FLOWS:
        totals[(flow["srcAddr"], flow["dstAddr"])] += int(flow["bytes"])
    expected = sorted(totals.items(), key=lambda item: -item[1])[:15]
    assert [(r["srcAddr"], r["dstAddr"], int(float(r["bytesTransferred"]))) for r in rows] == [
        (s, d, n) for (s, d), n in expected
    ]


def test_vpc_rejections_by_source() -> None:
    rows = run(
        "/vpc/flows",
        'filter action="REJECT" | stats count(*) as numRejections by srcAddr | sort numRejections desc | limit 20',
    )
    counts = Counter(f["srcAddr"] for f in FLOWS if f["action"] == "REJECT")
    assert {r["srcAddr"]: int(r["numRejections"]) for r in rows} == dict(counts)


def test_vpc_flows_within_a_subnet() -> None:
    rows = run("/vpc/flows", 'filter isIpv4InSubnet(srcAddr, "192.0.2.0/24") | stats count(*) as n')
    subnet = ipaddress.ip_network("192.0.2.0/24")
    assert rows == [{"n": str(sum(ipaddress.ip_address(f["srcAddr"]) in subnet for f in FLOWS))}]


def test_arithmetic_operators_and_string_functions() -> None:
    rows = run(
        "/vpc/flows",
        'fields bytes % 1000 as rem, 2 ^ 3 as eight, substr(srcAddr, 0, 3) as pre, replace(action, "EJ", "ej") as act'
        " | limit 1 | sort @timestamp asc",
    )
    first = FLOWS[-1]  # with no sort before it, limit keeps the newest event (Insights' default order)
    assert rows[0]["rem"] == str(int(first["bytes"]) % 1000) and rows[0]["eight"] == "8"
    assert rows[0]["pre"] == first["srcAddr"][:3] and rows[0]["act"] == first["action"].replace("EJ", "ej")


def test_count_by_log_stream() -> None:
    rows = run("/aws/lambda/orders", "stats count(*) by @logStream | limit 100")
    counts = Counter(e["logStreamName"] for e in GROUPS["/aws/lambda/orders"])
    assert {r["@logStream"]: int(r["count(*)"]) for r in rows} == dict(counts)


@pytest.mark.parametrize(
    "text",
    [
        "fields @message | pattern @message",  # the ML pattern command
        "stats count(*) by bin(1.5mo)",  # a fraction of a calendar month
        "fields jsonParse(@message) as j",
        "filter @message like /x/ | unnest tags into tag",
    ],
)
def test_what_is_not_supported_fails_and_names_it(text: str) -> None:
    with pytest.raises(MalformedQuery):
        from local.insights.lang import parse_query

        parse_query(text)


def test_calendar_month_bins_start_on_the_first() -> None:
    rows = run("/aws/lambda/orders", 'filter @type = "REPORT" | stats count(*) as n by bin(1mo) as month')
    from datetime import UTC, datetime

    first = datetime.fromtimestamp(T0 / 1000, tz=UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    assert rows == [{"month": stamp(int(first.timestamp() * 1000)), "n": str(len(REPORTS))}]


def test_more_functions_and_aggregates() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT" | stats earliest(@requestId) as first, latest(@requestId) as last, '
        "stddev(@duration) as sd, count(*) as n",
    )
    durations = [field(r, "Duration") for r in REPORTS]
    mean = sum(durations) / len(durations)
    sd = (sum((d - mean) ** 2 for d in durations) / (len(durations) - 1)) ** 0.5
    ordered = sorted(REPORTS, key=lambda r: r["timestamp"])
    (row,) = rows
    assert row["first"] == ordered[0]["message"].split("RequestId: ")[1].split("\t")[0]
    assert row["last"] == ordered[-1]["message"].split("RequestId: ")[1].split("\t")[0]
    assert float(row["sd"]) == pytest.approx(sd, rel=1e-6)
    rows = run(
        "/vpc/flows",
        'fields trim(" x ") as t, ltrim(" x") as l, rtrim("x ") as r, toMillis(@timestamp) as ms, '
        "fromMillis(toMillis(@timestamp)) as back, datefloor(@timestamp, 1h) as hour, "
        "dateceil(@timestamp, 1hr) as next | sort @timestamp asc | limit 1",
    )
    (row,) = rows
    assert (row["t"], row["l"], row["r"]) == ("x", "x", "x")
    assert int(row["ms"]) == T0 and row["back"] == stamp(T0)
    assert row["hour"] == stamp(T0 // 3_600_000 * 3_600_000)
    assert row["next"] == stamp(T0) if T0 % 3_600_000 == 0 else stamp((T0 // 3_600_000 + 1) * 3_600_000)


def test_dedup_keeps_missing_values_and_the_newest_per_value() -> None:
    rows = run("/aws/lambda/orders", "fields @timestamp, @requestId, level | dedup level")
    # REPORT lines have no `level`: every one is kept; of the app lines, the newest per level
    reports = [r for r in rows if "level" not in r]
    assert len(reports) == len(REPORTS)
    newest = {}
    for event in sorted(GROUPS["/aws/lambda/orders"], key=lambda e: e["timestamp"]):
        if "\t{" in event["message"]:
            newest[json.loads(event["message"].split("\t", 3)[3])["level"]] = event["timestamp"]
    kept = {r["level"]: r["@timestamp"] for r in rows if "level" in r}
    assert kept == {level: stamp(ms) for level, ms in newest.items()}


def test_a_json_timestamp_key_does_not_replace_the_event_time() -> None:
    def source(region: str, name: str, start: int, end: int) -> list[dict[str, Any]]:
        return [
            {"timestamp": T0, "message": json.dumps({"@timestamp": "yesterday", "x": 1}), "logStreamName": "s"}
        ]

    standin = InsightsStandIn(source)
    query_id = standin.start_query(
        "us-east-1",
        {
            "logGroupNames": ["/g"],
            "startTime": T0 // 1000,
            "endTime": T0 // 1000 + 1,
            "queryString": "fields @timestamp, @@timestamp, x",
        },
    )["queryId"]
    while (answer := standin.get_query_results({"queryId": query_id}))["status"] != "Complete":
        pass
    (row,) = [{c["field"]: c["value"] for c in r} for r in answer["results"]]
    assert row["@timestamp"] == stamp(T0) and row["@@timestamp"] == "yesterday"


def test_route53_query_log_fields() -> None:
    line = "1.0 2017-12-13T08:15:50.235Z Z123412341234 example.com A NOERROR UDP FRA6 192.168.1.1 -"

    def source(region: str, name: str, start: int, end: int) -> list[dict[str, Any]]:
        return [{"timestamp": T0, "message": line, "logStreamName": "Z123412341234/FRA6"}]

    standin = InsightsStandIn(source)
    query_id = standin.start_query(
        "us-east-1",
        {
            "logGroupNames": ["/aws/route53/example.com"],
            "startTime": T0 // 1000,
            "endTime": T0 // 1000 + 1,
            "queryString": "stats count(*) as n by queryType, responseCode, edgeLocation",
        },
    )["queryId"]
    while (answer := standin.get_query_results({"queryId": query_id}))["status"] != "Complete":
        pass
    assert [{c["field"]: c["value"] for c in r} for r in answer["results"]] == [
        {"queryType": "A", "responseCode": "NOERROR", "edgeLocation": "FRA6", "n": "1"}
    ]


# --- More real queries: aws/agent-toolkit-for-aws (plugins/aws-core/skills/aws-serverless/references/
# troubleshooting.md, plugins/aws-core/skills/aws-observability/references/log-insights.md) and the CloudWatch
# Logs User Guide's syntax reference (awsdocs/amazon-cloudwatch-logs-user-guide doc_source/CWL_QuerySyntax.md,
# docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Dedup.html) ---


def init_duration(report: dict[str, Any]) -> float | None:
    text = report["message"]
    return float(text.split("Init Duration: ")[1].split(" ")[0]) if "Init Duration" in text else None


def test_cold_start_rate_sums_ispresent_as_one_or_zero() -> None:
    # troubleshooting.md "Cold start rate + init latency": ispresent() is 1 or 0, so sum() counts cold starts
    rows = run(
        "/aws/lambda/orders",
        'filter @type="REPORT" | stats count() as total, sum(ispresent(@initDuration)) as coldStarts,\n'
        "  avg(@initDuration) as avgInitMs, pct(@initDuration,99) as p99InitMs by bin(1h)",
    )
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for report in REPORTS:
        groups[bin_of(report["timestamp"], 60)].append(report)
    got = {r["bin(1h)"]: r for r in rows}
    assert set(got) == {stamp(b) for b in groups}
    for start, members in groups.items():
        inits = [d for d in (init_duration(m) for m in members) if d is not None]
        row = got[stamp(start)]
        assert (int(row["total"]), int(row["coldStarts"])) == (len(members), len(inits))
        assert float(row["avgInitMs"]) == pytest.approx(sum(inits) / len(inits))
        assert float(row["p99InitMs"]) in inits


def test_cold_start_percentage_from_ispresent() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT" | stats sum(ispresent(@initDuration))/count()*100 as coldPct',
    )
    cold = sum(init_duration(r) is not None for r in REPORTS)
    assert [float(r["coldPct"]) for r in rows] == [pytest.approx(100 * cold / len(REPORTS))]


def test_ispresent_as_a_value_is_one_or_zero() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT" | fields @requestId, ispresent(@initDuration) as cold | sort @timestamp asc',
    )
    expected = [
        ("1" if init_duration(r) is not None else "0") for r in sorted(REPORTS, key=lambda r: r["timestamp"])
    ]
    assert [r["cold"] for r in rows] == expected


def test_out_of_memory_query_with_a_scientific_literal() -> None:
    # troubleshooting.md "Out-of-memory (>90% used)"
    rows = run(
        "/aws/lambda/orders",
        'filter @type="REPORT" | filter @maxMemoryUsed/@memorySize > 0.9\n'
        "  | fields @timestamp, @requestId, @maxMemoryUsed/1e6 as usedMB | sort @timestamp desc",
    )
    full = [r for r in REPORTS if field(r, "Max Memory Used") / 128 > 0.9]
    newest_first = sorted(full, key=lambda r: -r["timestamp"])
    assert [float(r["usedMB"]) for r in rows] == [field(r, "Max Memory Used") for r in newest_first]


def test_memory_utilization_per_hour() -> None:
    # log-insights.md "Memory utilization"
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT"\n| stats max(@memorySize / 1000 / 1000) as provisioned_mb,\n'
        "        max(@maxMemoryUsed / 1000 / 1000) as used_mb,\n"
        "        avg(@maxMemoryUsed * 100 / @memorySize) as utilization_pct\n  by bin(1h)",
    )
    groups: dict[int, list[float]] = defaultdict(list)
    for report in REPORTS:
        groups[bin_of(report["timestamp"], 60)].append(field(report, "Max Memory Used"))
    got = {r["bin(1h)"]: r for r in rows}
    for start, used in groups.items():
        row = got[stamp(start)]
        assert (float(row["provisioned_mb"]), float(row["used_mb"])) == (128, max(used))
        assert float(row["utilization_pct"]) == pytest.approx(sum(u * 100 / 128 for u in used) / len(used))


def test_arithmetic_whose_right_side_is_zero() -> None:
    # The syntax reference's arithmetic operators: a + b, a - b, a * b are defined for b = 0 (only / and %
    # divide); abs(a - b) is the issue's own example.
    events = [
        {"timestamp": T0 + i, "message": json.dumps({"a": a, "b": b}), "logStreamName": "s"}
        for i, (a, b) in enumerate([(5, 0), (-3, 0), (4, 2)])
    ]
    rows = insights_rows(
        {"/app": events},
        "/app",
        "fields abs(a - b) as d, a + b as s, a * b as p | sort @timestamp asc",
        T0,
        T0 + 1000,
    )
    assert [(r["d"], r["s"], r["p"]) for r in rows] == [("5", "5", "0"), ("3", "-3", "0"), ("2", "6", "8")]


def test_trim_functions_remove_the_characters_of_their_second_argument() -> None:
    # CWL_QuerySyntax.md, String Functions: ltrim("xyZfooxyZ","xyZ") returns "fooxyZ", rtrim(…) "xyZfoo",
    # trim(…) "foo"
    rows = run(
        "/vpc/flows",
        'fields ltrim("xyZfooxyZ","xyZ") as l, rtrim("xyZfooxyZ","xyZ") as r, trim("xyZfooxyZ","xyZ") as t | limit 1',
    )
    assert [(r["l"], r["r"], r["t"]) for r in rows] == [("fooxyZ", "xyZfoo", "foo")]


@pytest.mark.parametrize(
    "after", ["sort @timestamp asc", "fields @message", "filter level = 'ERROR'", "stats count(*)"]
)
def test_only_limit_may_follow_dedup(after: str) -> None:
    # CWL_QuerySyntax-Dedup: "The only query command that you can use in a query after the dedup command is limit."
    with pytest.raises(MalformedQuery, match="dedup"):
        run("/aws/lambda/orders", f"fields @timestamp, level, msg | sort @timestamp desc | dedup level | {after}")


def test_limit_after_dedup_is_accepted() -> None:
    rows = run("/aws/lambda/orders", "fields @timestamp, level | filter ispresent(level) | dedup level | limit 1")
    assert len(rows) == 1
