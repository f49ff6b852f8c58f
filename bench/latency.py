"""Call latency for the benches: every AWS call (boto3) and every Slack call (slack_sdk) in a bench's process
waits what the real service would take before it goes to the embedded stack, and is recorded — service,
operation, start, end, thread — so that a bench can print the call sequence it measured and its serial chain.

The assumed latencies (ms, per call, in the function's region; the issue's 50–300 ms range, at the slow end
for the calls that do work on the server):

| call | ms | why |
|---|---|---|
| DynamoDB (any item call) | 50 | single-digit ms p50 in-region; 50 is a bad minute's p99 |
| Secrets Manager GetSecretValue | 80 | a KMS decrypt behind it |
| Lambda Invoke (Event) | 50 | queued, not run, before the 202 |
| CloudWatch DescribeAlarms, ListTagsForResource | 100 | |
| CloudWatch GetMetricData | 200 | reads datapoints |
| CloudWatch Logs FilterLogEvents | 300 | scans the window's log streams |
| CloudWatch Logs, other (StartQuery, GetQueryResults, …) | 150 | |
| X-Ray GetServiceGraph, GetTraceSummaries | 200 | |
| any other AWS call | 100 | |
| Slack chat.postMessage, chat.update | 300 | Slack's p50 is ~100–200 ms; more from far regions |
| other Slack calls, response_url posts | 200 | |

A connection's first call also pays its TCP and TLS handshakes: +30 ms for an AWS endpoint (in-region round
trips plus the handshake's CPU in a small Lambda share), +60 ms for Slack. One connection per (service,
region) for AWS, per host for Slack, as botocore and slack_sdk pool them.

``install()`` patches ``botocore.client.BaseClient._make_api_call`` and slack_sdk's two HTTP senders in the
process it runs in (a bench's child); ``calls()`` returns what was recorded. Imports nothing heavy itself.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

AWS_MS: dict[str, float] = {
    "dynamodb": 50,
    "secretsmanager": 80,
    "lambda": 50,
    "cloudwatch": 100,
    "cloudwatch.GetMetricData": 200,
    "logs": 150,
    "logs.FilterLogEvents": 300,
    "xray": 200,
}
AWS_DEFAULT_MS = 100.0
SLACK_MS: dict[str, float] = {"chat.postMessage": 300, "chat.update": 300}
SLACK_DEFAULT_MS = 200.0
HANDSHAKE_MS = {"aws": 30.0, "slack": 60.0}

_calls: list[dict[str, Any]] = []
_connected: set[str] = set()
_lock = threading.Lock()


def aws_ms(service: str, operation: str) -> float:
    return AWS_MS.get(f"{service}.{operation}", AWS_MS.get(service, AWS_DEFAULT_MS))


def slack_ms(method: str) -> float:
    return SLACK_MS.get(method, SLACK_DEFAULT_MS)


def _wait(connection: str, kind: str, ms: float) -> None:
    with _lock:
        first = connection not in _connected
        _connected.add(connection)
    time.sleep((ms + (HANDSHAKE_MS[kind] if first else 0.0)) / 1000)


def _timed(name: str, connection: str, kind: str, ms: float, call: Any) -> Any:
    started = time.perf_counter()
    try:
        _wait(connection, kind, ms)
        return call()
    finally:
        with _lock:
            _calls.append(
                {
                    "call": name,
                    "start": started,
                    "end": time.perf_counter(),
                    "thread": threading.current_thread().name,
                }
            )


def install() -> None:
    """Delay and record every AWS and Slack call of this process from now on."""
    import botocore.client
    from slack_sdk.web.base_client import BaseClient as SlackBase
    from slack_sdk.webhook.client import WebhookClient

    make_api_call = botocore.client.BaseClient._make_api_call

    def aws(self: Any, operation: str, params: Any) -> Any:
        service = self.meta.service_model.service_name
        connection = f"{service}@{self.meta.region_name}"
        return _timed(
            f"{service}.{operation}",
            connection,
            "aws",
            aws_ms(service, operation),
            lambda: make_api_call(self, operation, params),
        )

    web_send = SlackBase._perform_urllib_http_request

    def slack(self: Any, *, url: str, args: Any) -> Any:
        method = url.rstrip("/").rsplit("/", 1)[-1]
        host = url.split("/")[2] if "://" in url else url
        send = lambda: web_send(self, url=url, args=args)  # noqa: E731
        return _timed(f"slack.{method}", host, "slack", slack_ms(method), send)

    hook_send = WebhookClient._perform_http_request

    def webhook(self: Any, *, body: Any, headers: Any) -> Any:
        host = self.url.split("/")[2] if "://" in self.url else self.url
        return _timed(
            "slack.response_url",
            host,
            "slack",
            SLACK_DEFAULT_MS,
            lambda: hook_send(self, body=body, headers=headers),
        )

    botocore.client.BaseClient._make_api_call = aws  # type: ignore[method-assign]
    SlackBase._perform_urllib_http_request = slack  # type: ignore[method-assign]
    WebhookClient._perform_http_request = webhook  # type: ignore[method-assign]


def calls() -> list[dict[str, Any]]:
    with _lock:
        return sorted(_calls, key=lambda c: c["start"])


CHILD_PRELUDE = """
import bench.latency as _latency
_latency.install()
"""
"""Prepended to a bench child's code: its calls wait and are recorded."""

CHILD_EPILOGUE = """
import json as _json, os as _os, time as _t
with open(_os.environ["BENCH_CALLS_FILE"], "w") as _f:
    _json.dump({"calls": _latency.calls(), "done": _t.perf_counter()}, _f)
"""
"""Appended (before the bench's peak-memory epilogue): the recorded calls and when the response was ready."""


def read_calls(path: str) -> tuple[list[dict[str, Any]], float]:
    with open(path) as f:
        data = json.load(f)
    return data["calls"], float(data["done"])


def describe_assumptions() -> str:
    """One line per assumption, for a bench's printout."""
    aws = ", ".join(f"{k} {v:g}" for k, v in AWS_MS.items())
    slack = ", ".join(f"{k} {v:g}" for k, v in SLACK_MS.items())
    return (
        f"  assumed ms per call: {aws}, other AWS {AWS_DEFAULT_MS:g};\n"
        f"    Slack {slack}, other {SLACK_DEFAULT_MS:g}; first call per connection +"
        f"{HANDSHAKE_MS['aws']:g} (AWS) / +{HANDSHAKE_MS['slack']:g} (Slack)"
    )


def timeline(calls: list[dict[str, Any]], origin: float, until: float | None = None) -> list[str]:
    """The calls as lines: start and end (ms after ``origin``), the call, its thread."""
    lines = []
    for c in calls:
        if until is not None and c["start"] > until:
            break
        thread = "main" if c["thread"] == "MainThread" else c["thread"].replace("ThreadPoolExecutor", "pool")
        start, end = (c["start"] - origin) * 1000, (c["end"] - origin) * 1000
        lines.append(f"    {start:6.0f} → {end:6.0f} ms  {c['call']:<34} {thread}")
    return lines


def serial_chain(calls: list[dict[str, Any]], until: float) -> tuple[int, float]:
    """How many calls before ``until`` ran one after another (the longest chain of non-overlapping calls that
    ended by then), and their total time in ms."""
    ended = sorted((c for c in calls if c["end"] <= until + 1e-6), key=lambda c: c["end"])
    best: list[tuple[int, float]] = []
    for i, c in enumerate(ended):
        length, total = 1, (c["end"] - c["start"]) * 1000
        for j in range(i):
            if ended[j]["end"] <= c["start"] + 1e-6 and best[j][0] + 1 > length:
                length, total = best[j][0] + 1, best[j][1] + (c["end"] - c["start"]) * 1000
        best.append((length, total))
    return max(best, default=(0, 0.0))
