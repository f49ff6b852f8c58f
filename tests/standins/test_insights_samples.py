"""More of the CloudWatch Logs User Guide's "Sample queries" (CloudTrail, Amazon API Gateway, general queries,
EventBridge) and its syntax reference's examples (multi-stage ``stats``, ``parse`` into ``@`` fields,
``display`` of an expression), verbatim, run by the stand-in over log lines of the shapes those services write.
Each answer is computed here in plain Python; a query the stand-in does not support must fail with
MalformedQuery naming the construct — never a silent wrong answer."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from typing import Any

import pytest

from local.insights.execution import Stamp
from local.insights.lang import MalformedQuery
from tests.support.insights import insights_rows

T0 = 1_795_600_800_000  # ms, on an hour boundary
SOURCES = ("ec2.amazonaws.com", "iam.amazonaws.com", "cloudtrail.amazonaws.com", "s3.amazonaws.com")
NAMES = ("StartInstances", "StopInstances", "CreateUser", "UpdateTrail", "GetObject")


def trail_events() -> list[dict[str, Any]]:
    """CloudTrail records as a trail delivers them to CloudWatch Logs: one JSON record per event."""
    rng = random.Random(21)
    events = []
    for i in range(240):
        name = rng.choice(NAMES)
        record: dict[str, Any] = {
            "eventVersion": "1.09",
            "userIdentity": {"type": "IAMUser", "accountId": rng.choice(["111122223333", "444455556666"])},
            "eventTime": "2026-11-26T07:00:00Z",
            "eventSource": rng.choice(SOURCES),
            "eventName": name,
            "awsRegion": rng.choice(["us-east-1", "us-east-2", "eu-west-1"]),
            "userAgent": rng.choice(["aws-cli/2.15.0", "Boto3/1.34.0"]),
            "recipientAccountId": "111122223333",
            "tlsDetails": {
                "tlsVersion": rng.choice(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]),
                "cipherSuite": rng.choice(["ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256"]),
            },
            "eventID": f"ev-{i}",
        }
        if rng.random() < 0.25:
            record["errorCode"] = rng.choice(["AccessDenied", "ThrottlingException"])
            record["errorMessage"] = f"{record['errorCode']} for {name}"
        if name == "CreateUser":
            record["requestParameters"] = {"userName": f"user{i}"}
            record["responseElements"] = {"user": {"arn": f"arn:aws:iam::111122223333:user/user{i}"}}
        events.append({"timestamp": T0 + i * 15_000, "message": json.dumps(record), "logStreamName": "trail"})
    return events


def gateway_events() -> list[dict[str, Any]]:
    """API Gateway access logs in the JSON format of the API Gateway Developer Guide, whose ``$context.status``
    is quoted, so ``status`` is text that Insights compares as a number."""
    rng = random.Random(8)
    events = []
    for i in range(300):
        entry = {
            "requestId": f"req-{i}",
            "ip": rng.choice(["198.51.100.7", "203.0.113.9", "192.0.2.44"]),
            "requestTime": "26/Nov/2026:07:00:00 +0000",
            "httpMethod": rng.choice(["GET", "POST"]),
            "path": rng.choice(["/api/v1/orders", "/api/v1/users", "/health", "/api/v1/orders/7"]),
            "status": rng.choice(["200", "200", "200", "201", "400", "404", "429", "500"]),
            "protocol": "HTTP/1.1",
            "responseLength": rng.randint(10, 9000),
            "responseLatency": rng.randint(3, 2500),
            "integrationLatency": rng.randint(1, 2400),
        }
        events.append({"timestamp": T0 + i * 10_000, "message": json.dumps(entry), "logStreamName": "access"})
    return events


def app_events() -> list[dict[str, Any]]:
    """Application lines of the general samples' shapes: "<time> [LEVEL] text", JSON with server/severity,
    exceptions, glob-parseable latency lines, and EventBridge events archived to a log group."""
    rng = random.Random(4)
    events = []
    for i in range(200):
        at = T0 + i * 30_000
        kind = i % 5
        if kind == 0:
            level = rng.choice(["ERROR", "INFO", "WARN"])
            message = f"2026-11-26T07:{i % 60:02d}:00Z [{level}] step {i} {'failed' if level == 'ERROR' else 'ok'}"
        elif kind == 1:
            body = {
                "server": rng.choice(["a", "b", "c"]),
                "severity": rng.choice(["high", "low"]),
                "message": f"m{i}",
            }
            message = json.dumps(body)
        elif kind == 2:
            message = f"java.lang.IllegalStateException: boom {i}" if i % 3 else f"handled {i}"
        elif kind == 3:
            message = (
                f"user={rng.choice(['ann', 'bob'])}, method:{rng.choice(['GET', 'PUT'])}, latency := {i % 97}"
            )
        else:
            detail_type = rng.choice(["Object Created", "EC2 Instance State-change Notification"])
            message = json.dumps({"version": "0", "detail-type": detail_type, "source": "aws.s3", "detail": {}})
        events.append({"timestamp": at, "message": message, "logStreamName": f"s{i % 2}"})
    return events


GROUPS = {"/trail": trail_events(), "/apigw": gateway_events(), "/app": app_events()}
TRAIL = [json.loads(e["message"]) | {"@ts": e["timestamp"]} for e in GROUPS["/trail"]]
GATEWAY = [json.loads(e["message"]) | {"@ts": e["timestamp"]} for e in GROUPS["/apigw"]]


def run(group: str, text: str) -> list[dict[str, str]]:
    return insights_rows(GROUPS, group, text, T0, T0 + 7_200_000)


def stamp(ms: int) -> str:
    return str(Stamp(ms))


# --- CloudTrail ---


def test_entries_per_service_event_and_region() -> None:
    rows = run("/trail", "stats count(*) by eventSource, eventName, awsRegion")
    expected = Counter((r["eventSource"], r["eventName"], r["awsRegion"]) for r in TRAIL)
    assert {(r["eventSource"], r["eventName"], r["awsRegion"]): int(r["count(*)"]) for r in rows} == expected


def test_ec2_hosts_started_or_stopped_in_a_region() -> None:
    rows = run(
        "/trail", 'filter (eventName="StartInstances" or eventName="StopInstances") and awsRegion="us-east-2" '
    )
    expected = {
        r["eventID"]
        for r in TRAIL
        if r["eventName"] in ("StartInstances", "StopInstances") and r["awsRegion"] == "us-east-2"
    }
    assert {json.loads(r["@message"])["eventID"] for r in rows} == expected and len(rows) == len(expected)


def test_regions_names_and_arns_of_new_iam_users() -> None:
    rows = run(
        "/trail",
        'filter eventName="CreateUser"\n| fields awsRegion, requestParameters.userName, responseElements.user.arn',
    )
    expected = {
        (r["awsRegion"], r["requestParameters"]["userName"], r["responseElements"]["user"]["arn"])
        for r in TRAIL
        if r["eventName"] == "CreateUser"
    }
    got = {(r["awsRegion"], r["requestParameters.userName"], r["responseElements.user.arn"]) for r in rows}
    assert got == expected and len(rows) == len(expected)


def test_exceptions_while_invoking_update_trail() -> None:
    rows = run(
        "/trail",
        'filter eventName="UpdateTrail" and ispresent(errorCode)\n| stats count(*) by errorCode, errorMessage',
    )
    expected = Counter(
        (r["errorCode"], r["errorMessage"]) for r in TRAIL if r["eventName"] == "UpdateTrail" and "errorCode" in r
    )
    assert {(r["errorCode"], r["errorMessage"]): int(r["count(*)"]) for r in rows} == expected


def test_entries_where_tls_1_0_or_1_1_was_used() -> None:
    keys = (
        "userIdentity.accountId",
        "recipientAccountId",
        "eventSource",
        "eventName",
        "awsRegion",
        "tlsDetails.tlsVersion",
        "tlsDetails.cipherSuite",
        "userAgent",
    )
    rows = run(
        "/trail",
        'filter tlsDetails.tlsVersion in [ "TLSv1", "TLSv1.1" ]\n'
        f"| stats count(*) as numOutdatedTlsCalls by {', '.join(keys)}\n"
        "| sort eventSource, eventName, awsRegion, tlsDetails.tlsVersion",
    )

    def key_of(record: dict[str, Any]) -> tuple[str, ...]:
        flat = record | {
            "userIdentity.accountId": record["userIdentity"]["accountId"],
            "tlsDetails.tlsVersion": record["tlsDetails"]["tlsVersion"],
            "tlsDetails.cipherSuite": record["tlsDetails"]["cipherSuite"],
        }
        return tuple(flat[k] for k in keys)

    expected = Counter(key_of(r) for r in TRAIL if r["tlsDetails"]["tlsVersion"] in ("TLSv1", "TLSv1.1"))
    assert {tuple(r[k] for k in keys): int(r["numOutdatedTlsCalls"]) for r in rows} == expected
    order = [(r["eventSource"], r["eventName"], r["awsRegion"], r["tlsDetails.tlsVersion"]) for r in rows]
    assert order == sorted(order, reverse=True)  # `sort` without asc/desc is descending, on every key


def test_calls_per_service_with_tls_1_0_or_1_1() -> None:
    rows = run(
        "/trail",
        'filter tlsDetails.tlsVersion in [ "TLSv1", "TLSv1.1" ]\n'
        "| stats count(*) as numOutdatedTlsCalls by eventSource\n| sort numOutdatedTlsCalls desc",
    )
    expected = Counter(r["eventSource"] for r in TRAIL if r["tlsDetails"]["tlsVersion"] in ("TLSv1", "TLSv1.1"))
    assert {r["eventSource"]: int(r["numOutdatedTlsCalls"]) for r in rows} == expected
    assert [int(r["numOutdatedTlsCalls"]) for r in rows] == sorted(expected.values(), reverse=True)


# --- Amazon API Gateway ---


def test_the_last_ten_4xx_errors() -> None:
    rows = run(
        "/apigw",
        "fields @timestamp, status, ip, path, httpMethod\n| filter status>=400 and status<=499\n"
        "| sort @timestamp desc\n| limit 10",
    )
    expected = sorted((g for g in GATEWAY if 400 <= int(g["status"]) <= 499), key=lambda g: -g["@ts"])[:10]
    assert [(r["@timestamp"], r["status"], r["path"]) for r in rows] == [
        (stamp(g["@ts"]), g["status"], g["path"]) for g in expected
    ]


def test_the_ten_longest_running_requests() -> None:
    rows = run(
        "/apigw",
        "fields @timestamp, status, ip, path, httpMethod, responseLatency\n| sort responseLatency desc\n| limit 10",
    )
    expected = sorted(g["responseLatency"] for g in GATEWAY)[::-1][:10]
    assert [int(r["responseLatency"]) for r in rows] == expected


def test_the_most_popular_paths() -> None:
    rows = run("/apigw", "stats count(*) as requestCount by path\n| sort requestCount desc\n| limit 10")
    expected = Counter(g["path"] for g in GATEWAY)
    assert {r["path"]: int(r["requestCount"]) for r in rows} == expected
    assert [int(r["requestCount"]) for r in rows] == sorted(expected.values(), reverse=True)


def test_an_integration_latency_report() -> None:
    rows = run(
        "/apigw",
        "filter status=200\n| stats avg(integrationLatency), max(integrationLatency), \nmin(integrationLatency) by bin(1m)",
    )
    groups: dict[int, list[int]] = defaultdict(list)
    for g in GATEWAY:
        if g["status"] == "200":
            groups[g["@ts"] // 60_000 * 60_000].append(g["integrationLatency"])
    got = {r["bin(1m)"]: r for r in rows}
    assert set(got) == {stamp(b) for b in groups}
    for start, values in groups.items():
        row = got[stamp(start)]
        assert float(row["avg(integrationLatency)"]) == pytest.approx(sum(values) / len(values), abs=1e-6)
        assert int(row["max(integrationLatency)"]) == max(values)
        assert int(row["min(integrationLatency)"]) == min(values)


# --- general queries and the syntax reference ---


APP = GROUPS["/app"]


def test_the_25_most_recently_added_events() -> None:
    rows = run("/app", "fields @timestamp, @message | sort @timestamp desc | limit 25")
    expected = sorted(APP, key=lambda e: -e["timestamp"])[:25]
    assert [r["@message"] for r in rows] == [e["message"] for e in expected]


def test_exceptions_per_hour() -> None:
    rows = run(
        "/app",
        "filter @message like /Exception/ \n| stats count(*) as exceptionCount by bin(1h)\n| sort exceptionCount desc",
    )
    expected = Counter(e["timestamp"] // 3_600_000 * 3_600_000 for e in APP if "Exception" in e["message"])
    assert {r["bin(1h)"]: int(r["exceptionCount"]) for r in rows} == {stamp(k): v for k, v in expected.items()}
    assert [int(r["exceptionCount"]) for r in rows] == sorted(expected.values(), reverse=True)


def test_events_that_are_not_exceptions() -> None:
    rows = run("/app", "fields @message | filter @message not like /Exception/")
    assert sorted(r["@message"] for r in rows) == sorted(
        e["message"] for e in APP if "Exception" not in e["message"]
    )


def test_the_newest_event_per_server_and_severity() -> None:
    rows = run(
        "/app", "fields @timestamp, server, severity, message \n| sort @timestamp desc \n| dedup server, severity"
    )
    newest: dict[tuple[str, str], str] = {}
    without = []
    for event in sorted(APP, key=lambda e: -e["timestamp"]):
        if event["message"].startswith('{"server"'):
            body = json.loads(event["message"])
            newest.setdefault((body["server"], body["severity"]), body["message"])
        else:
            without.append(event)
    with_fields = [r for r in rows if "server" in r]
    assert {(r["server"], r["severity"]): r["message"] for r in with_fields} == newest
    assert len(with_fields) == len(newest)
    assert len(rows) - len(with_fields) == len(without)  # dedup keeps events that lack its fields


def test_error_lines_from_a_glob_parse() -> None:
    rows = run(
        "/app",
        'fields @message\n| parse @message "[*] *" as loggingType, loggingMessage\n'
        '| filter loggingType = "ERROR"\n| display loggingMessage',
    )
    expected = [e["message"].split("] ", 1)[1] for e in APP if "[ERROR]" in e["message"]]
    assert sorted(r["loggingMessage"] for r in rows) == sorted(expected)
    assert all(set(r) <= {"loggingMessage", "@ptr"} for r in rows)


def test_display_of_a_condition_fails_naming_it() -> None:
    # The guide's own example; it does not say how Insights shows a true/false value, so the stand-in refuses.
    text = (
        'fields @message\n    | parse @message "* [*] *" as loggingTime, loggingType, loggingMessage\n'
        '    | filter loggingType IN ["ERROR", "INFO"]\n'
        '    | display loggingMessage, loggingType = "ERROR" as isError'
    )
    with pytest.raises(MalformedQuery, match="isError"):
        run("/app", text)


def test_glob_parse_into_at_fields_and_average_by_them() -> None:
    rows = run(
        "/app",
        'parse @message "user=*, method:*, latency := *" as @user,\n    @method, @latency | stats avg(@latency) by @method,\n    @user',
    )
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for event in APP:
        if event["message"].startswith("user="):
            user, rest = event["message"][5:].split(", method:")
            method, latency = rest.split(", latency := ")
            groups[(method, user)].append(int(latency))
    got = {(r["@method"], r["@user"]): float(r["avg(@latency)"]) for r in rows}
    assert got == {k: pytest.approx(sum(v) / len(v)) for k, v in groups.items()}


def test_ingest_volume_per_5_minutes_then_its_peak_low_and_average() -> None:
    rows = run(
        "/app",
        "FIELDS strlen(@message) AS message_length\n| STATS sum(message_length)/1024/1024 as logs_mb BY bin(5m)\n"
        "| STATS max(logs_mb) AS peak_ingest_mb, \n        min(logs_mb) AS min_ingest_mb, \n        avg(logs_mb) AS avg_ingest_mb",
    )
    per_bin: dict[int, int] = defaultdict(int)
    for event in APP:
        per_bin[event["timestamp"] // 300_000] += len(event["message"])
    mb = [v / 1024 / 1024 for v in per_bin.values()]
    (row,) = rows
    assert float(row["peak_ingest_mb"]) == pytest.approx(max(mb), abs=1e-6)
    assert float(row["min_ingest_mb"]) == pytest.approx(min(mb), abs=1e-6)
    assert float(row["avg_ingest_mb"]) == pytest.approx(sum(mb) / len(mb), abs=1e-6)


def test_eventbridge_events_by_detail_type() -> None:
    rows = run(
        "/app",
        "fields @timestamp, @message\n| stats count(*) as numberOfEvents by `detail-type`\n| sort numberOfEvents desc",
    )
    expected = Counter(json.loads(e["message"])["detail-type"] for e in APP if '"detail-type"' in e["message"])
    assert {r["detail-type"]: int(r["numberOfEvents"]) for r in rows} == expected


def test_the_ml_pattern_command_fails_naming_it() -> None:
    with pytest.raises(MalformedQuery, match="pattern"):
        run("/app", "filter @message like /ERROR/\n| pattern @message")
