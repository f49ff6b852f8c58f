"""Scheduled checks' probes: the HTTP probe against a real local server, the X-Ray probe on the X-Ray Developer
Guide's GetServiceGraph output (through botocore's Stubber); `lookout check --dry-run` and the outside heartbeat
against the same server, and check headers from a secret (moto's Secrets Manager)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import urllib3
from botocore.stub import ANY, Stubber

from bot.checks.config import Check, HttpProbe, XRayProbe
from bot.checks.http import run_http
from bot.checks.xray import run_xray
from tests.support.endpoint import Endpoint

if TYPE_CHECKING:
    from collections.abc import Iterator

NOW = datetime(2026, 11, 26, 9, 14, tzinfo=UTC)
AWS = Path(__file__).parents[1] / "fixtures" / "aws"


# --- the HTTP probe, against a real server ------------------------------------------------------------------


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (the timeout test) closes its socket mid-answer: expected here


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    Endpoint.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/health"
    server.shutdown()


def http_check(url: str, **probe: Any) -> Check:
    return Check("api-health", HttpProbe(url=url, **probe))


POOL = urllib3.PoolManager()


def test_a_healthy_answer_passes_with_its_latency(endpoint: str) -> None:
    Endpoint.answers = [(200, '{"status":"ok","checks":[{"name":"db","status":"ok"}]}', 0.0)]
    check = http_check(
        endpoint, json_expression="checks[?name=='db'].status | [0]", json_equals="ok", body_contains='"ok"'
    )
    result = run_http(check, POOL, {"X-Api-Key": "k-123"}, lambda: NOW)
    assert result.ok and result.summary.startswith("HTTP 200 in ") and result.latency_ms is not None
    assert Endpoint.seen[0]["X-Api-Key"] == "k-123" and Endpoint.seen[0]["User-Agent"].startswith("Lookout-check")


@pytest.mark.parametrize(
    ("answer", "probe", "failure"),
    [
        ((503, '{"status":"down"}', 0.0), {}, "status 503 is not 200"),
        ((200, '{"status":"degraded"}', 0.0), {"body_contains": '"ok"'}, "the body does not contain '\"ok\"'"),
        (
            (200, '{"status":"degraded"}', 0.0),
            {"json_expression": "status", "json_equals": "ok"},
            'status is "degraded", expected "ok"',
        ),
        ((200, "<html>maintenance</html>", 0.0), {"json_expression": "status", "json_equals": "ok"}, "not JSON"),
        ((200, "{}", 0.3), {"max_latency_ms": 100.0}, "more than 0.10 s"),
        ((200, "{}", 1.5), {"timeout_s": 0.5}, "no answer within 0.5 s"),
    ],
)
def test_each_assertion_says_what_failed(endpoint: str, answer: Any, probe: dict[str, Any], failure: str) -> None:
    Endpoint.answers = [answer]
    result = run_http(http_check(endpoint, **probe), POOL, clock=lambda: NOW)
    assert not result.ok and failure in " ".join(result.evidence) + result.summary


def test_the_body_excerpt_is_evidence_and_long_bodies_are_cut(endpoint: str) -> None:
    Endpoint.answers = [(500, json.dumps({"error": "db down", "pad": "x" * 2000}), 0.0)]
    result = run_http(http_check(endpoint), POOL, clock=lambda: NOW)
    body = next(line for line in result.evidence if line.startswith("*Body:*"))
    assert '"error": "db down"' in body and body.endswith("…") and len(body) < 400


def test_retries_attempt_again_at_once(endpoint: str) -> None:
    Endpoint.answers = [(502, "{}", 0.0), (200, "{}", 0.0)]
    result = run_http(http_check(endpoint, retries=1), POOL, clock=lambda: NOW, sleep=lambda s: None)
    assert result.ok and len(Endpoint.seen) == 2


def test_a_refused_connection_is_a_failed_run() -> None:
    result = run_http(http_check("http://127.0.0.1:9/health", timeout_s=1.0), POOL, clock=lambda: NOW)
    assert not result.ok and "connection refused" in result.summary


# --- the X-Ray probe, on the Developer Guide's service graph -----------------------------------------------


def xray_with_guide_graph() -> Any:
    client = boto3.client("xray", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    body = json.loads((AWS / "xray_devguide_service_graph.json").read_text())["response"]
    stubber.add_response("get_service_graph", body, {"StartTime": ANY, "EndTime": ANY})
    stubber.activate()
    return client


def xray_check(**limits: Any) -> Check:
    return Check("sample-xray", XRayProbe(service="xray-sample.elasticbeanstalk.com", **limits))


def test_xray_limits_judge_the_service_node_not_its_client_twin() -> None:
    # the guide's EC2 node: 4 requests, 1 client error (25 %), avg 68 ms, p95 157 ms; its client twin has none
    result = run_xray(xray_check(max_error_rate=0.10, max_p95_ms=500.0), xray_with_guide_graph(), lambda: NOW)
    assert not result.ok and result.summary == "Error rate (4xx incl. 429) 25.0 % > 10.0 %"
    assert "*Node:* xray-sample.elasticbeanstalk.com (AWS::EC2::Instance), 4 requests" in result.evidence[0]
    assert "*p95 latency:* 157 ms (limit 500 ms)" in result.evidence
    assert run_xray(xray_check(max_error_rate=0.30), xray_with_guide_graph(), lambda: NOW).ok


def test_too_few_requests_or_no_node_is_not_judged() -> None:
    quiet = run_xray(xray_check(max_fault_rate=0.0, min_requests=5), xray_with_guide_graph(), lambda: NOW)
    assert not quiet.judged and "4 requests in 5 min, fewer than 5" in quiet.summary
    absent = Check("x", XRayProbe(service="no-such-service", max_fault_rate=0.1))
    assert not run_xray(absent, xray_with_guide_graph(), lambda: NOW).judged


# --- the CLI, the outside heartbeat and the check headers ---------------------------------------------------


def test_lookout_check_dry_run_prints_each_outcome(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    path = tmp_path / "checks.yaml"
    path.write_text(
        f"checks:\n  - {{name: up, http: {{url: '{endpoint}'}}}}\n"
        f"  - {{name: strict, http: {{url: '{endpoint}', body_contains: never-there}}}}\n"
    )
    monkeypatch.setenv("LOOKOUT_CHECKS", str(path))
    Endpoint.answers = [(200, '{"status":"ok"}', 0.0)]
    assert main(["check", "--dry-run"]) == 1  # one failed
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✓ up: HTTP 200 in ") and out[3].startswith("✗ strict: HTTP 200 in ")
    assert "Failed: the body does not contain 'never-there'" in "\n".join(out)
    assert main(["check", "up", "--dry-run"]) == 0
    assert main(["check", "nope", "--dry-run"]) == 2 and "no such check" in capsys.readouterr().err


def test_the_outside_heartbeat_is_pinged_and_its_failure_is_not_fatal(endpoint: str) -> None:
    from bot.heartbeat import ping

    Endpoint.answers = [(200, "OK", 0.0)]
    assert ping(endpoint, POOL) is True and Endpoint.seen
    Endpoint.answers = [(500, "down", 0.0)]
    assert ping(endpoint, POOL) is False
    assert ping("http://127.0.0.1:9/ping", POOL, timeout_s=0.5) is False  # refused: logged by the caller


def test_check_headers_come_from_a_secret_through_powertools_parameters() -> None:
    from moto import mock_aws

    from bot.aws import Clients
    from bot.wiring import check_headers

    with mock_aws():
        boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="lookout/checks/api", SecretString=json.dumps({"X-Api-Key": "k-1", "X-Tenant": 7})
        )
        boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="lookout/checks/list", SecretString="[1, 2]"
        )
        headers = check_headers(Clients("us-east-1"))
        assert headers("lookout/checks/api") == {"X-Api-Key": "k-1", "X-Tenant": "7"}
        with pytest.raises(ValueError, match="JSON object of header names"):
            headers("lookout/checks/list")


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ({"bot_token": "xoxb-1", "heartbeat_url": "https://hc-ping.com/5f3c"}, "https://hc-ping.com/5f3c"),
        ({"bot_token": "xoxb-1"}, None),  # no outside witness configured
    ],
)
def test_the_heartbeat_url_comes_from_the_slack_secret(secret: dict[str, str], expected: str | None) -> None:
    from moto import mock_aws

    from bot.aws import Clients
    from bot.config import Settings
    from bot.wiring import heartbeat_url

    with mock_aws():
        # GIVEN Lookout's secret, as the README says to fill it
        arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="lookout/slack", SecretString=json.dumps(secret)
        )["ARN"]
        # WHEN the scheduled function asks where to ping
        url = heartbeat_url(Settings(slack_token_secret=arn), Clients("us-east-1"))
        # THEN it reads the secret's heartbeat_url (a setting for local runs wins)
        assert url() == expected
        local = Settings(slack_token_secret=arn, heartbeat_url="http://127.0.0.1:9/ping")
        assert heartbeat_url(local, Clients("us-east-1"))() == "http://127.0.0.1:9/ping"
