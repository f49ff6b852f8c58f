"""Real Logs Insights queries from aws-samples/serverless-snippets (the ``cloudwatch-insight-*`` and
``apigateway-log-insights-caching`` snippets, published on serverlessland.com), verbatim, run by the stand-in over
Lambda, API Gateway, EventBridge and SNS log lines built here. Each answer is computed in plain Python from the
CloudWatch Logs User Guide's semantics, never from the stand-in's code; a query the stand-in does not support must
fail with MalformedQuery naming the construct. Sources: tests/fixtures/queries/insights/SOURCES.md."""

from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from typing import Any

import pytest

from local.insights.execution import Stamp
from local.insights.lang import MalformedQuery
from tests.support.insights import insights_rows

T0 = 1_795_600_800_000  # ms, on an hour boundary
MB = 1_000_000


def lambda_events() -> list[dict[str, Any]]:
    """REPORT lines (every fourth a cold start with Init Duration), the runtime's timeout and exit lines."""
    rng = random.Random(7)
    events = []
    for i in range(150):
        at, request = T0 + i * 23_000, f"{i:08x}-1111-4222-8333-{i:012x}"
        used, duration = rng.randint(30, 128), round(rng.uniform(1, 2900), 2)
        line = (
            f"REPORT RequestId: {request}\tDuration: {duration} ms\tBilled Duration: {math.ceil(duration)} ms\t"
            f"Memory Size: 128 MB\tMax Memory Used: {used} MB\t"
        )
        if i % 4 == 0:
            line += f"Init Duration: {round(rng.uniform(90, 700), 2)} ms\t"
        events.append({"timestamp": at + 3, "message": line})
        if i % 11 == 0:
            events.append({"timestamp": at + 1, "message": f"{request} Task timed out after 3.00 seconds"})
        if i % 13 == 0:
            events.append(
                {"timestamp": at + 2, "message": f"RequestId: {request} Process exited before completing"}
            )
    return events


def report_fields(event: dict[str, Any]) -> dict[str, float]:
    """The numbers of a REPORT line, read with plain string splitting."""
    parts = dict(p.split(": ", 1) for p in event["message"].strip("\t").split("\t")[1:])
    return {k: float(v.split(" ")[0]) for k, v in parts.items()}


GATEWAY_KEYS = [f"key-{n:02d}" for n in range(14)] + ["-"]
GATEWAY_IPS = [f"198.51.100.{n}" for n in range(1, 13)]


def gateway_events() -> list[dict[str, Any]]:
    """Access logs in the README's JSON format ($context.status is a number). Errors keep to a few paths and
    methods, so each ``limit 10`` over error groups cuts nothing (which 10 of more would be undefined)."""
    rng = random.Random(12)
    events = []
    for i in range(400):
        status = rng.choice([200, 200, 200, 201, 404, 429, 401, 403, 500, 503])
        path = rng.choice(["/orders", "/users"] if 400 <= status < 600 else ["/orders", "/users", "/health"])
        method = "GET" if 400 <= status < 500 else "POST" if status >= 500 else rng.choice(["GET", "POST"])
        record = {
            "requestId": f"r-{i}",
            "ip": rng.choice(GATEWAY_IPS),
            "apiKey": rng.choice(GATEWAY_KEYS),
            "requestTime": "26/Nov/2026:07:00:00 +0000",
            "httpMethod": method,
            "routeKey": f"{method} {path}",
            "path": path,
            "status": status,
            "protocol": "HTTP/1.1",
            "integrationStatus": status,
            "integrationLatency": rng.randint(1, 900),
            "responseLatency": rng.randint(2, 950),
            "responseLength": rng.randint(0, 5000),
        }
        events.append({"timestamp": T0 + i * 9_000, "message": json.dumps(record)})
    return events


def caching_events() -> list[dict[str, Any]]:
    """Compact JSON access logs with "IntegrationLatency":"$context.integrationLatency" (the snippet's note),
    and REST execution log lines with data tracing: "(request id) Received response. … Integration latency: N ms"
    for requests that reached the backend; a latency of 0 for the cache's answers."""
    rng = random.Random(31)
    events = []
    for i in range(60):
        request = f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}"
        record: dict[str, Any] = {"requestId": request, "status": "200"}
        if i % 5:
            record["IntegrationLatency"] = str(rng.randint(3, 400))
        events.append({"timestamp": T0 + i * 40_000, "message": json.dumps(record, separators=(",", ":"))})
        latency = 0 if i % 4 == 0 else rng.randint(3, 400)
        for offset, text in enumerate(
            (
                "Method request path: {}",
                f"Received response. Status: 200, Integration latency: {latency} ms",
                "Method completed with status: 200",
            )
        ):
            events.append({"timestamp": T0 + i * 40_000 + 10 + offset, "message": f"({request}) {text}"})
    return events


def eventbridge_events() -> list[dict[str, Any]]:
    """Events a rule delivers to a log group (the EventBridge envelope as JSON), and one line of another kind."""
    rng = random.Random(5)
    events = []
    for i in range(180):
        detail: dict[str, Any] = {"orderId": i}
        if i % 3 == 0:
            detail["field1"] = {"field2": rng.choice(["sample-value", "other-value"])}
        envelope = {
            "version": "0",
            "id": f"ev-{i}",
            "detail-type": rng.choice(["Order Placed", "sample-value created", "Object Created", "sample-value"]),
            "source": rng.choice(["com.example.orders", "aws.s3", "aws.ec2"]),
            "account": "123456789012",
            "time": "2026-11-26T07:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": detail,
        }
        events.append({"timestamp": T0 + i * 37_000, "message": json.dumps(envelope)})
    events.append({"timestamp": T0 + 5, "message": "not an event"})
    return events


def sms_events() -> list[dict[str, Any]]:
    """SNS SMS delivery status logs (success and failure log groups' records), some failures without a price."""
    rng = random.Random(9)
    events = []
    for i in range(90):
        status = rng.choice(["SUCCESS", "SUCCESS", "FAILURE"])
        delivery: dict[str, Any] = {
            "destination": f"+1206555{i:04d}",
            "smsType": rng.choice(["Transactional", "Promotional"]),
            "numberOfMessageParts": 1,
            "providerResponse": "Message has been accepted by phone carrier",
        }
        if status == "SUCCESS" or i % 2:
            delivery["priceInUSD"] = rng.choice([0.00645, 0.00581, 0.0128])
        record = {"notification": {"messageId": f"m-{i}"}, "delivery": delivery, "status": status}
        events.append({"timestamp": T0 + i * 30_000, "message": json.dumps(record)})
    events.append({"timestamp": T0 + 7, "message": json.dumps({"status": "SUCCESS", "note": "not an SMS"})})
    return events


GROUPS = {
    "/aws/lambda/orders": lambda_events(),
    "/apigw": gateway_events(),
    "/apigw/cache": caching_events(),
    "/events": eventbridge_events(),
    "/sns/sms": sms_events(),
}
REPORTS = [e for e in GROUPS["/aws/lambda/orders"] if e["message"].startswith("REPORT")]
GATEWAY = [json.loads(e["message"]) | {"@ts": e["timestamp"]} for e in GROUPS["/apigw"]]
EVENTS = [json.loads(e["message"]) | {"@ts": e["timestamp"]} for e in GROUPS["/events"] if e["message"][0] == "{"]


def run(group: str, text: str) -> list[dict[str, str]]:
    return insights_rows(GROUPS, group, text, T0, T0 + 7_200_000)


def stamp(ms: int) -> str:
    return str(Stamp(ms))


def bins(events: list[dict[str, Any]], minutes: int) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        groups[stamp(event["timestamp"] // (minutes * 60_000) * minutes * 60_000)].append(event)
    return groups


def top(rows: list[dict[str, str]], key: tuple[str, ...], value: str, totals: Counter[Any], n: int) -> None:
    """A "sort value desc | limit n": the n largest totals in order, each row's total right; ties at the cut
    may come in any order."""
    got = [(tuple(r[k] for k in key), float(r[value])) for r in rows]
    best = sorted(totals.values(), reverse=True)[:n]
    assert [v for _, v in got] == pytest.approx(best)
    assert all(totals[k if len(k) > 1 else k[0]] == pytest.approx(v) for k, v in got)


# --- Lambda (cloudwatch-insight-create-latency-report is also the User Guide's "Create a latency report") ---


def test_create_latency_report() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT" |\n    stats avg(@duration), max(@duration), min(@duration) by bin(5m)',
    )
    expected = bins(REPORTS, 5)
    assert {r["bin(5m)"] for r in rows} == set(expected)
    for row in rows:
        durations = [report_fields(e)["Duration"] for e in expected[row["bin(5m)"]]]
        assert float(row["avg(@duration)"]) == pytest.approx(sum(durations) / len(durations))
        assert (float(row["max(@duration)"]), float(row["min(@duration)"])) == (max(durations), min(durations))


def test_cold_starts_count_and_duration() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type="REPORT" and ispresent(@initDuration)\n'
        "| stats count() as coldStarts, avg(@initDuration), min(@initDuration), max(@initDuration) by bin(5m)",
    )
    expected = bins([e for e in REPORTS if "Init Duration" in e["message"]], 5)
    assert {r["bin(5m)"] for r in rows} == set(expected)
    for row in rows:
        inits = [report_fields(e)["Init Duration"] for e in expected[row["bin(5m)"]]]
        assert int(row["coldStarts"]) == len(inits)
        assert float(row["avg(@initDuration)"]) == pytest.approx(sum(inits) / len(inits))
        assert (float(row["min(@initDuration)"]), float(row["max(@initDuration)"])) == (min(inits), max(inits))


@pytest.mark.parametrize("words", ["Process exited", "Task timed out"])
def test_invocations_that_exited_or_timed_out(words: str) -> None:
    rows = run("/aws/lambda/orders", f"filter @message like /{words}/\n| stats count() by bin(30m)")
    expected = bins([e for e in GROUPS["/aws/lambda/orders"] if words in e["message"]], 30)
    assert {r["bin(30m)"]: int(r["count()"]) for r in rows} == {k: len(v) for k, v in expected.items()}


def test_total_invocations_vs_cold_starts() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT" |\nstats count() as TotalInvocations, count(@initDuration) as TotalColdStarts',
    )
    cold = sum("Init Duration" in e["message"] for e in REPORTS)
    assert rows == [{"TotalInvocations": str(len(REPORTS)), "TotalColdStarts": str(cold)}]


def test_memory_debugger_mixes_its_units() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT"\n| stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB,\n'
        "  min(@maxMemoryUsed / 1000 / 1024) as smallestMemoryRequestMB,\n"
        "  avg(@maxMemoryUsed / 1024 / 1024) as avgMemoryUsedMB,\n"
        "  max(@maxMemoryUsed / 1024 / 1024) as maxMemoryUsedMB,\n"
        "  provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB",
    )
    used = [report_fields(e)["Max Memory Used"] * MB for e in REPORTS]  # @maxMemoryUsed is in bytes
    (row,) = rows
    assert float(row["provisonedMemoryMB"]) == 128
    assert float(row["smallestMemoryRequestMB"]) == pytest.approx(min(used) / 1000 / 1024)
    assert float(row["avgMemoryUsedMB"]) == pytest.approx(sum(used) / len(used) / 1024 / 1024)
    assert float(row["overProvisionedMB"]) == pytest.approx(128 - max(used) / 1024 / 1024)


def nearest_rank(values: list[float], percent: float) -> float:
    """The guide's pct: "the value at which P percent of the values are lower" — read, as the stand-in does, as
    the smallest value of the data with at least P% of the values at or below it (the guide does not say whether
    Insights interpolates between values)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def test_warm_start_percentiles_per_minute() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT" and @message not like /(?i)(Init Duration)/\n| stats\n  avg(@duration) as Average,\n'
        "  pct(@duration, 99) as NinetyNinth,\n  pct(@duration, 95) as NinetyFifth,\n"
        "  pct(@duration, 90) as Ninetieth\nby bin(1m)",
    )
    expected = bins([e for e in REPORTS if "init duration" not in e["message"].lower()], 1)
    assert {r["bin(1m)"] for r in rows} == set(expected)
    for row in rows:
        durations = [report_fields(e)["Duration"] for e in expected[row["bin(1m)"]]]
        assert float(row["Average"]) == pytest.approx(sum(durations) / len(durations))
        for name, percent in (("NinetyNinth", 99), ("NinetyFifth", 95), ("Ninetieth", 90)):
            assert float(row[name]) == nearest_rank(durations, percent)


def test_memory_statistics_with_a_bracketed_ratio() -> None:
    rows = run(
        "/aws/lambda/orders",
        'filter @type = "REPORT"\n| stats\n    max(@maxMemoryUsed / 1024 / 1024) as maxMemMB,\n'
        "    avg(@maxMemoryUsed / 1024 / 1024) as avgMemMB,\n    min(@maxMemoryUsed / 1024 / 1024) as minMemMB,\n"
        "    (avg(@maxMemoryUsed / 1024 / 1024) / max(@memorySize / 1024 / 1024)) * 100 as avgMemUsedPct,\n"
        "    avg(@billedDuration) as avgDurationMS\n    by bin(30m)",
    )
    expected = bins(REPORTS, 30)
    assert {r["bin(30m)"] for r in rows} == set(expected)
    for row in rows:
        fields = [report_fields(e) for e in expected[row["bin(30m)"]]]
        used = [f["Max Memory Used"] * MB / 1024 / 1024 for f in fields]
        mean = sum(used) / len(used)
        assert float(row["avgMemUsedPct"]) == pytest.approx(mean / (128 * MB / 1024 / 1024) * 100)
        assert (float(row["maxMemMB"]), float(row["minMemMB"])) == pytest.approx((max(used), min(used)))
        billed = [f["Billed Duration"] for f in fields]
        assert float(row["avgDurationMS"]) == pytest.approx(sum(billed) / len(billed))


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        # cloudwatch-insight-lambda-last-100-errors: == is not among the guide's comparison operators
        (
            ' fields Timestamp, LogLevel, Message\n | filter LogLevel == "ERR"\n | sort @timestamp desc\n | limit 100',
            "==",
        ),
        # cloudwatch-insight-lambda-average-memory-across-invocations: the published snippet lost its first lines
        ("avgMemoryUsedPERC,\n    avg(@billedDuration) as avgDurationMS\n    by bin(5m)", "avgMemoryUsedPERC"),
    ],
)
def test_snippets_the_stand_in_refuses(text: str, construct: str) -> None:
    with pytest.raises(MalformedQuery, match=construct):
        run("/aws/lambda/orders", text)


# --- Amazon API Gateway access logs ---


def test_last_10_requests() -> None:
    rows = run("/apigw", "fields @timestamp, status, ip, path, httpMethod\n| sort @timestamp desc\n| limit 10")
    newest = sorted(GATEWAY, key=lambda g: -g["@ts"])[:10]
    assert [(r["@timestamp"], r["status"], r["ip"]) for r in rows] == [
        (stamp(g["@ts"]), str(g["status"]), g["ip"]) for g in newest
    ]


def test_last_5xx_errors() -> None:
    rows = run(
        "/apigw",
        "fields @timestamp, status, ip, path, httpMethod\n| filter status>=500 and status<=599\n"
        "| sort @timestamp desc\n| limit 10",
    )
    newest = sorted((g for g in GATEWAY if 500 <= g["status"] <= 599), key=lambda g: -g["@ts"])[:10]
    assert [(r["@timestamp"], r["path"]) for r in rows] == [(stamp(g["@ts"]), g["path"]) for g in newest]


@pytest.mark.parametrize(
    ("name", "condition", "keep"),
    [
        ("errorCount", "status>=400 and status<=499", lambda s: 400 <= s <= 499),
        ("errorCount", "status>=500 and status<=599", lambda s: 500 <= s <= 599),
        ("accessDeniedCount", "status=403 or status=401", lambda s: s in (401, 403)),
    ],
)
def test_paths_with_the_most_errors_filter_after_stats(name: str, condition: str, keep: Any) -> None:
    rows = run("/apigw", f"stats count(*) as {name} by status, path, httpMethod\n| filter {condition}\n| limit 10")
    expected = Counter((str(g["status"]), g["path"], g["httpMethod"]) for g in GATEWAY if keep(g["status"]))
    assert len(expected) <= 10  # so the limit cuts nothing
    assert {(r["status"], r["path"], r["httpMethod"]): int(r[name]) for r in rows} == expected


@pytest.mark.parametrize("field", ["apiKey", "ip"])
def test_top_10_api_keys_and_ips(field: str) -> None:
    rows = run("/apigw", f"stats count(*) as requestCount by {field}\n| sort requestCount desc\n| limit 10")
    top(rows, (field,), "requestCount", Counter(g[field] for g in GATEWAY), 10)


def test_requests_served_from_the_backend_in_access_logs() -> None:
    rows = run(
        "/apigw/cache",
        'fields @timestamp, @message\n| parse @message \'"requestId":"*"\' as requestId\n'
        '| parse @message \'"IntegrationLatency":"*"\' as IntegrationLatency\n| filter ispresent(IntegrationLatency)\n'
        "| sort by @timestamp desc\n| display @timestamp, requestId, IntegrationLatency",
    )
    access = [(e["timestamp"], json.loads(e["message"])) for e in GROUPS["/apigw/cache"] if e["message"][0] == "{"]
    expected = [
        (stamp(t), r["requestId"], r["IntegrationLatency"]) for t, r in access if "IntegrationLatency" in r
    ]
    assert [(r["@timestamp"], r["requestId"], r["IntegrationLatency"]) for r in rows] == expected[::-1]


EXECUTION = (
    "fields @timestamp, @message\n| filter @message like 'Integration latency'\n"
    "| parse @message /Integration latency: (?<IntegrationLatency>.*?) ms/\n"
    "| parse @message /(?<requestID>[0-9a-zA-Z-]{36}).*/\n"
)


@pytest.mark.parametrize(
    ("tail", "not_cached"),
    [
        ("| sort by @timestamp desc\n| display @timestamp, requestID, IntegrationLatency", False),
        (
            "| filter IntegrationLatency > 0\n| sort by @timestamp desc\n| display timestamp, IntegrationLatency, requestID",
            True,
        ),
    ],
)
def test_integration_latency_from_execution_logs(tail: str, not_cached: bool) -> None:
    rows = run("/apigw/cache", EXECUTION + tail)
    lines = sorted(
        (e for e in GROUPS["/apigw/cache"] if "Integration latency" in e["message"]), key=lambda e: -e["timestamp"]
    )
    expected = [
        (e["message"][1:37], e["message"].split("latency: ")[1].split(" ms")[0], stamp(e["timestamp"]))
        for e in lines
        if not not_cached or int(e["message"].split("latency: ")[1].split(" ms")[0]) > 0
    ]
    # the second snippet displays `timestamp`, a field no event has: the rows leave it out
    got = [(r["requestID"], r["IntegrationLatency"], r.get("@timestamp", r.get("timestamp"))) for r in rows]
    assert got == [(i, n, None if not_cached else t) for i, n, t in expected]


# --- Amazon EventBridge events archived to a log group ---


def test_events_whose_detail_type_is_like_a_value() -> None:
    rows = run(
        "/events",
        "fields @timestamp\n| filter `detail-type` like /sample-value/ # replace sample-value with actual value to be "
        "searched\n| sort @timestamp desc",
    )
    expected = sorted((e["@ts"] for e in EVENTS if "sample-value" in e["detail-type"]), reverse=True)
    assert [r["@timestamp"] for r in rows] == [stamp(t) for t in expected]


def test_event_count_by_source_sorted_by_a_field_stats_dropped() -> None:
    # `sort @timestamp` after stats names a field no row has any more: the counts stand, in no promised order
    rows = run(
        "/events", "fields @timestamp\n| stats count(*) as EventsCountBySource by source\n| sort @timestamp desc"
    )
    assert {r["source"]: int(r["EventsCountBySource"]) for r in rows} == Counter(e["source"] for e in EVENTS)


def test_events_by_a_nested_detail_field() -> None:
    rows = run(
        "/events",
        'fields @timestamp\n| filter detail.field1.field2 = "sample-value"  # replace field1, field2, sample-value '
        "with appropriate values.\n| sort @timestamp desc",
    )
    expected = [e["@ts"] for e in EVENTS if e["detail"].get("field1", {}).get("field2") == "sample-value"]
    assert [r["@timestamp"] for r in rows] == [stamp(t) for t in sorted(expected, reverse=True)]


@pytest.mark.parametrize(
    ("name", "period", "minutes"), [("CountOfEventsPerHour", "1h", 60), ("CountOfEventsPerMinute", "1m", 1)]
)
def test_events_per_hour_and_minute(name: str, period: str, minutes: int) -> None:
    rows = run(
        "/events",
        f"fields @timestamp\n| filter ispresent(`detail-type`)\n| stats count(*) as {name} by bin({period})\n"
        "| sort @timestamp desc",
    )
    expected = bins([e for e in GROUPS["/events"] if "detail-type" in e["message"]], minutes)
    assert {r[f"bin({period})"]: int(r[name]) for r in rows} == {k: len(v) for k, v in expected.items()}


# --- Amazon SNS SMS delivery status logs ---


def test_sms_delivery_analysis() -> None:
    rows = run(
        "/sns/sms",
        "fields @timestamp, delivery.destination, delivery.smsType, status, delivery.priceInUSD\n"
        "| filter ispresent(delivery.destination)\n| stats count() as messageCount, \n"
        "        sum(coalesce(delivery.priceInUSD, 0)) as totalCostUSD\n        by delivery.smsType, status\n"
        "| sort delivery.smsType, status",
    )
    totals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for event in GROUPS["/sns/sms"]:
        record = json.loads(event["message"])
        if "delivery" in record:
            totals[(record["delivery"]["smsType"], record["status"])].append(
                record["delivery"].get("priceInUSD", 0)
            )
    # `sort` without asc/desc is descending (the corpora's reading), on both keys; words compare by Unicode order
    expected = sorted(totals.items(), reverse=True)
    assert [(r["delivery.smsType"], r["status"], int(r["messageCount"])) for r in rows] == [
        (k[0], k[1], len(v)) for k, v in expected
    ]
    assert [float(r["totalCostUSD"]) for r in rows] == pytest.approx([sum(v) for _, v in expected])
