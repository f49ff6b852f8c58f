"""An HTTP check: one request (again at once up to ``retries`` times) judged by status, latency, body.

The pool is urllib3's (botocore's own HTTP client), injected by the handler; header values come from a
Secrets Manager secret through Powertools Parameters (``headers``), never from the checks file. A failed run
says which assertion failed and keeps the body's first 300 characters as evidence, redacted before the cut.

Retries are ours, not ``urllib3.Retry``: a retry here re-judges the whole answer — status, body, JSON value and
that attempt's own latency — whereas ``Retry`` re-sends only on transport errors and listed statuses, returns
the last response without saying how long its own attempt took (the latency limit would be judged on every
attempt and back-off together), and would need a second loop for body assertions anyway. The request itself
runs with ``retries=False``; the back-off is ``Retry``'s shape (0.2 s doubling, at most 1 s).

Not for: X-Ray checks (``bot.checks.xray``) or what a failure means for the incident (``bot.checks.state``).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.checks.model import Result
from bot.text import excerpt

if TYPE_CHECKING:
    from collections.abc import Callable

    from urllib3 import PoolManager

    from bot.checks.config import Check, HttpProbe

EXCERPT_CHARS = 300
"""Of a body, an error or a value the body holds: what a result keeps (``excerpt``: redacted, then cut)."""
READ_LIMIT = 1024 * 1024  # a health body larger than this is judged on its first megabyte


def run_http(
    check: Check,
    pool: PoolManager,
    headers: dict[str, str] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    probe: HttpProbe = check.probe  # type: ignore[assignment]
    result = _attempt(check.name, probe, pool, headers or {}, clock)
    for attempt in range(probe.retries):
        if result.ok:
            break
        sleep(min(1.0, 0.2 * 2**attempt))
        result = _attempt(check.name, probe, pool, headers or {}, clock)
    return result


def _attempt(
    name: str, probe: HttpProbe, pool: PoolManager, headers: dict[str, str], clock: Callable[[], datetime]
) -> Result:
    import urllib3

    at = clock()
    started = time.monotonic()
    try:
        response = pool.request(
            probe.method,
            probe.url,
            headers={"User-Agent": "Lookout-check/1", **headers},
            timeout=urllib3.Timeout(total=probe.timeout_s),
            retries=False,
            redirect=True,
            preload_content=False,
        )
        body = response.read(READ_LIMIT, decode_content=True)
        response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        latency = (time.monotonic() - started) * 1000
        why = _network_reason(error, probe.timeout_s)
        return Result(name, False, at, latency, f"{probe.method} {probe.url}: {why}", (f"*Error:* {why}",))
    latency = (time.monotonic() - started) * 1000
    text = body.decode("utf-8", errors="replace")
    failures = _failures(probe, response.status, latency, text)
    facts = [
        f"*Status:* {response.status} (expected {', '.join(str(s) for s in probe.expect_status)})",
        f"*Latency:* {latency / 1000:.2f} s"
        + (f" (limit {probe.max_latency_ms / 1000:.2f} s)" if probe.max_latency_ms is not None else ""),
    ]
    if failures:
        facts += [f"*Failed:* {why}" for why in failures]
        if text.strip():
            facts.append(f"*Body:* {excerpt(text, EXCERPT_CHARS)}")
    summary = f"HTTP {response.status} in {latency / 1000:.2f} s" + (f": {failures[0]}" if failures else "")
    return Result(name, not failures, at, latency, summary, tuple(facts))


def _failures(probe: HttpProbe, status: int, latency_ms: float, text: str) -> list[str]:
    failures = []
    if status not in probe.expect_status:
        failures.append(f"status {status} is not {' or '.join(str(s) for s in probe.expect_status)}")
    if probe.max_latency_ms is not None and latency_ms > probe.max_latency_ms:
        failures.append(f"took {latency_ms / 1000:.2f} s, more than {probe.max_latency_ms / 1000:.2f} s")
    if probe.body_contains is not None and probe.body_contains not in text:
        failures.append(f"the body does not contain {probe.body_contains!r}")
    if probe.json_expression is not None:
        failures.extend(_json_failure(probe, text))
    return failures


def _json_failure(probe: HttpProbe, text: str) -> list[str]:
    import jmespath

    try:
        document = json.loads(text)
    except ValueError:
        return [f"the body is not JSON, so {probe.json_expression} cannot be read"]
    found = jmespath.search(str(probe.json_expression), document)
    if found != probe.json_equals:
        shown = excerpt(json.dumps(found), EXCERPT_CHARS)
        return [f"{probe.json_expression} is {shown}, expected {json.dumps(probe.json_equals)}"]
    return []


def _network_reason(error: Exception, timeout_s: float) -> str:
    import urllib3

    if isinstance(error, urllib3.exceptions.NameResolutionError):  # before its base class, NewConnectionError
        return "the host name does not resolve"
    if isinstance(error, urllib3.exceptions.NewConnectionError):  # before TimeoutError, which it subclasses
        return "connection refused or host unreachable"
    if isinstance(error, urllib3.exceptions.TimeoutError):
        return f"no answer within {timeout_s:g} s"
    if isinstance(error, urllib3.exceptions.SSLError):
        return "TLS failed (certificate or handshake)"
    return excerpt(f"{type(error).__name__}: {error}", EXCERPT_CHARS)
