"""An X-Ray threshold check: the service node's statistics over a window from ``GetServiceGraph``, judged
against the configured limits (error, fault, throttle rate; p95 and average latency).

The node is chosen as for alarms (``bot.enrich.xray_nodes``: by name, never a ``client`` node, a Lambda
function's own node first); the statistics are the enrichment's (``bot.enrich.xray.stats_of``), so a
check and an alarm card never disagree about the same node. Fewer requests than ``min_requests`` is not
judged: a quiet service is neither failing nor proven healthy.

Not for: HTTP checks (``bot.checks.http``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.checks.model import Result
from bot.enrich.xray import service_graph, stats_of
from bot.enrich.xray_nodes import FUNCTION_FIRST, RESOURCE_TYPES, target_nodes

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_xray import XRayClient

    from bot.checks.config import Check, XRayProbe
    from bot.enrich.model import Stats

ANY_TYPE = tuple(dict.fromkeys([*FUNCTION_FIRST, *(t for types in RESOURCE_TYPES.values() for t in types)]))


def run_xray(check: Check, xray: XRayClient, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Result:
    probe: XRayProbe = check.probe  # type: ignore[assignment]
    at = clock()
    start = at - timedelta(seconds=probe.window_s)
    nodes = service_graph(xray, start, at)
    picked = target_nodes(nodes, [probe.service], (), ANY_TYPE)
    window = f"{probe.window_s // 60} min"
    if not picked:
        return Result(
            check.name,
            True,
            at,
            summary=f"no X-Ray node {probe.service} in the last {window}: not judged",
            evidence=(f"No node named {probe.service} in the service graph of the last {window}.",),
            judged=False,
        )
    node = picked[0]
    stats = stats_of(node.get("SummaryStatistics"), node.get("ResponseTimeHistogram"))
    if not stats.requests or stats.requests < probe.min_requests:
        return Result(
            check.name,
            True,
            at,
            summary=f"{stats.requests or 0} requests in {window}, fewer than {probe.min_requests}: not judged",
            evidence=(
                f"*Requests:* {stats.requests or 0} in the last {window} (judged from {probe.min_requests})",
            ),
            judged=False,
        )
    figures = _figures(stats, probe)
    broken = [f"{label} {shown} > {limit}" for label, _, shown, limit, over in figures if over]
    evidence = [f"*Node:* {node.get('Name')} ({node.get('Type')}), {stats.requests} requests in the last {window}"]
    evidence += [
        f"*{label}:* {shown} (limit {limit})" + (" ⚠️" if over else "") for label, _, shown, limit, over in figures
    ]
    summary = "; ".join(broken) if broken else f"within limits over {stats.requests} requests"
    return Result(check.name, not broken, at, stats.p95_ms, summary, tuple(evidence))


def _figures(stats: Stats, probe: XRayProbe) -> list[tuple[str, float | None, str, str, bool]]:
    """(label, value, shown, limit shown, over the limit) for every configured limit."""
    throttle_rate = stats.throttles / stats.requests if stats.requests and stats.throttles is not None else None
    rows = [
        ("Error rate (4xx incl. 429)", stats.error_rate, probe.max_error_rate, _pct),
        ("Fault rate (5xx)", stats.fault_rate, probe.max_fault_rate, _pct),
        ("Throttle rate (429)", throttle_rate, probe.max_throttle_rate, _pct),
        ("p95 latency", stats.p95_ms, probe.max_p95_ms, _ms),
        ("Average latency", stats.avg_ms, probe.max_average_ms, _ms),
    ]
    out = []
    for label, value, limit, show in rows:
        if limit is None:
            continue
        over = value is not None and value > limit
        out.append((label, value, "–" if value is None else show(value), show(limit), over))
    return out


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def _ms(value: float) -> str:
    return f"{value:.0f} ms"
