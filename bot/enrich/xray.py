"""X-Ray enricher: service-graph statistics of the alarmed service and its direct edges, plus root causes.

Node selection: the ``lookout:xray-service`` tag, else Lambda ``FunctionName``, API Gateway ``ApiName``/
``Stage``, else any dimension value that names a node.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.enrich.context import TAG_XRAY_SERVICE, Context, NothingFound, split_list
from bot.enrich.model import RootCause, ServiceRow, Stats, XRayReport

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

MAX_GRAPH_PAGES = 5
MAX_TRACE_PAGES = 2
TOP_ROOT_CAUSES = 3
MAX_ROWS = 12


def xray_report(ctx: Context) -> XRayReport:
    alarm = ctx.alarm
    end = alarm.changed_at
    start = end - timedelta(minutes=ctx.settings.xray_window_minutes)
    xray = ctx.client("xray")
    nodes = _service_graph(xray, start, end)  # while the tags are read: the graph does not depend on them
    tagged = split_list(ctx.tag(TAG_XRAY_SERVICE))
    targets = _targets(nodes, tagged, alarm.metrics)
    if not targets:
        wanted = ", ".join(tagged or _candidate_names(alarm.metrics)) or "no service name in the alarm"
        raise NothingFound(f"no service in the graph matches {wanted}")
    rows = _rows(nodes, targets)
    causes, sample = _root_causes(xray, start, end, [t["Name"] for t in targets])
    return XRayReport(
        services=tuple(t["Name"] for t in targets),
        rows=rows,
        root_causes=causes,
        sample_trace_id=sample,
        window_start=start,
        window_end=end,
    )


def stats_of(summary: Mapping[str, Any] | None, histogram: Iterable[Mapping[str, Any]] | None) -> Stats:
    """Statistics from a node's or edge's ``SummaryStatistics`` and ``ResponseTimeHistogram``."""
    summary = summary or {}
    errors = summary.get("ErrorStatistics") or {}
    faults = summary.get("FaultStatistics") or {}
    total = int(summary.get("TotalCount") or 0)
    response_time = float(summary.get("TotalResponseTime") or 0.0)
    return Stats(
        requests=total,
        ok=int(summary.get("OkCount") or 0),
        errors=int(errors.get("OtherCount") or 0),
        throttles=int(errors.get("ThrottleCount") or 0),
        faults=int(faults.get("TotalCount") or 0),
        avg_ms=response_time / total * 1000 if total else None,
        p95_ms=percentile_ms(histogram or [], 0.95),
    )


def percentile_ms(histogram: Iterable[Mapping[str, Any]], fraction: float) -> float | None:
    """The response time (ms) below which ``fraction`` of the requests in the histogram fall."""
    buckets = sorted((float(b.get("Value") or 0.0), int(b.get("Count") or 0)) for b in histogram)
    total = sum(count for _, count in buckets)
    if not total:
        return None
    rank = fraction * total
    seen = 0
    for value, count in buckets:
        seen += count
        if seen >= rank:
            return value * 1000
    return buckets[-1][0] * 1000


def _service_graph(xray: Any, start: Any, end: Any) -> list[dict[str, Any]]:
    services: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"StartTime": start, "EndTime": end}
    for _ in range(MAX_GRAPH_PAGES):
        page = xray.get_service_graph(**kwargs)
        services.extend(page.get("Services", []))
        token = page.get("NextToken")
        if not token:
            break
        kwargs["NextToken"] = token
    return services


def _candidate_names(metrics: Iterable[Any]) -> list[str]:
    names: list[str] = []
    for metric in metrics:
        function = metric.dimension("FunctionName")
        api, stage = metric.dimension("ApiName"), metric.dimension("Stage")
        if function:
            names.append(function)
        if api:
            names.append(f"{api}/{stage}" if stage else f"{api}/")
        names.extend(value for _, value in metric.dimensions)
    return list(dict.fromkeys(names))


def _targets(nodes: list[dict[str, Any]], tagged: list[str], metrics: Iterable[Any]) -> list[dict[str, Any]]:
    """The nodes that are the alarmed service, best match first."""
    if tagged:
        return [n for n in nodes if n.get("Name") in tagged]
    for name in _candidate_names(metrics):
        if name.endswith("/"):
            matches = [n for n in nodes if str(n.get("Name", "")).startswith(name)]
        else:
            matches = [n for n in nodes if n.get("Name") == name]
        if matches:
            # A Lambda function shows as a service node and a function node: the function holds the stats.
            functions = [n for n in matches if n.get("Type") == "AWS::Lambda::Function"]
            return functions or matches[:1]
    return []


def _rows(nodes: list[dict[str, Any]], targets: list[dict[str, Any]]) -> tuple[ServiceRow, ...]:
    by_ref = {n.get("ReferenceId"): n for n in nodes}
    rows: list[ServiceRow] = []
    for target in targets:
        rows.append(_row(target, "service", target.get("SummaryStatistics"), target.get("ResponseTimeHistogram")))
        for caller, edge in _callers(nodes, target):
            rows.append(_row(caller, "caller", edge.get("SummaryStatistics"), edge.get("ResponseTimeHistogram")))
        for edge in target.get("Edges") or []:
            callee = by_ref.get(edge.get("ReferenceId"))
            if callee is not None:
                stats, histogram = edge.get("SummaryStatistics"), edge.get("ResponseTimeHistogram")
                rows.append(_row(callee, "callee", stats, histogram))
    return tuple(rows[:MAX_ROWS])


def _callers(nodes: list[dict[str, Any]], target: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(caller node, its edge to ``target``). A Lambda function's own ``AWS::Lambda`` service node is looked
    through: its callers (API Gateway, a queue, another function) are the ones on-call cares about."""
    found = []
    for node in nodes:
        if node is target:
            continue
        for edge in node.get("Edges") or []:
            if edge.get("ReferenceId") != target.get("ReferenceId"):
                continue
            if node.get("Type") == "AWS::Lambda" and node.get("Name") == target.get("Name"):
                found.extend(_callers(nodes, node))
            else:
                found.append((node, edge))
    return found


def _row(node: Mapping[str, Any], relation: str, summary: Any, histogram: Any) -> ServiceRow:
    return ServiceRow(
        name=str(node.get("Name") or "?"),
        type=str(node.get("Type") or ""),
        relation=relation,
        stats=stats_of(summary, histogram),
    )


def filter_expression(service: str) -> str:
    quoted = service.replace("\\", "\\\\").replace('"', '\\"')
    return f'service("{quoted}") {{ fault OR error }}'


def _root_causes(xray: Any, start: Any, end: Any, services: list[str]) -> tuple[tuple[RootCause, ...], str | None]:
    expression = " OR ".join(filter_expression(s) for s in services)
    counts: Counter[tuple[str, str, str, str]] = Counter()
    first: str | None = None
    first_fault: str | None = None
    kwargs: dict[str, Any] = {"StartTime": start, "EndTime": end, "FilterExpression": expression}
    for _ in range(MAX_TRACE_PAGES):
        page = xray.get_trace_summaries(**kwargs)
        for summary in page.get("TraceSummaries", []):
            first = first or summary.get("Id")
            if summary.get("HasFault"):
                first_fault = first_fault or summary.get("Id")
            for kind, key in (("fault", "FaultRootCauses"), ("error", "ErrorRootCauses")):
                for cause in _causes_in(summary.get(key) or [], kind):
                    counts[cause] += 1
        token = page.get("NextToken")
        if not token:
            break
        kwargs["NextToken"] = token
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_ROOT_CAUSES]
    causes = tuple(
        RootCause(service=svc, kind=kind, exception=exc, message=msg, traces=n) for (svc, kind, exc, msg), n in top
    )
    return causes, first_fault or first


def _causes_in(root_causes: list[Mapping[str, Any]], kind: str) -> set[tuple[str, str, str, str]]:
    """Distinct (service, kind, exception, message) of one trace: a trace counts once per cause."""
    found: set[tuple[str, str, str, str]] = set()
    for cause in root_causes:
        for service in cause.get("Services") or []:
            exceptions = [e for entity in service.get("EntityPath") or [] for e in entity.get("Exceptions") or []]
            name = str(service.get("Name") or "?")
            if not exceptions:
                found.add((name, kind, "", ""))
            for exception in exceptions:
                found.add((name, kind, str(exception.get("Name") or ""), str(exception.get("Message") or "")))
    return found
