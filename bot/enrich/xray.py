"""X-Ray enricher: service-graph statistics of the alarmed service and its direct edges, plus root causes — each
where GetTraceSummaries puts it, a fault of the service itself marked with the callee whose failure came with it.

The target node is chosen in ``bot.enrich.xray_nodes`` (never a ``client`` node); names come from the
``lookout:xray-service`` tag, else the metric's dimensions. Figures X-Ray did not send stay None ("–").

Not for: rendering (``bot.slack.blocks.render``), or judging whether the numbers are bad.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from concurrent.futures import InvalidStateError
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.alarms import AlarmKind
from bot.enrich.context import TAG_XRAY_SERVICE, Context, NothingFound, split_list
from bot.enrich.model import RootCause, ServiceRow, Stats, XRayReport
from bot.enrich.xray_nodes import (
    callee_named,
    candidate_names,
    is_client,
    named_any,
    preferred_types,
    target_nodes,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from mypy_boto3_xray import XRayClient
    from mypy_boto3_xray.type_defs import (
        EdgeStatisticsTypeDef,
        EdgeTypeDef,
        ErrorRootCauseTypeDef,
        ErrorStatisticsTypeDef,
        FaultRootCauseTypeDef,
        FaultStatisticsTypeDef,
        GetServiceGraphRequestTypeDef,
        GetTraceSummariesRequestTypeDef,
        HistogramEntryTypeDef,
        ServiceStatisticsTypeDef,
        ServiceTypeDef,
        TraceSummaryTypeDef,
    )

MAX_GRAPH_PAGES = 5
MAX_TRACE_PAGES = 2
TOP_ROOT_CAUSES = 3
MAX_ROWS = 12

_Key = tuple[str, str, str, str]
"""(service, kind, exception, message) of a root cause."""


def xray_report(ctx: Context) -> XRayReport:
    """The alarmed service's X-Ray report; its rows are told to ``ctx.neighbours`` once known (() if none)."""
    try:
        return _report(ctx)
    finally:
        with contextlib.suppress(InvalidStateError):  # told already: the rows
            ctx.neighbours.set_result(())


def _report(ctx: Context) -> XRayReport:
    alarm = ctx.alarm
    end = alarm.changed_at
    start = end - timedelta(minutes=ctx.settings.xray_window_minutes)
    if alarm.kind in (AlarmKind.CHECK, AlarmKind.LOG_ERROR) and not ctx.tag(TAG_XRAY_SERVICE):
        # a check's own metric names no service: only its lookout:xray-service tag does
        raise NothingFound("no X-Ray service named for this check (tag it with lookout:xray-service)")
    xray = ctx.client("xray")
    nodes = service_graph(xray, start, end)  # while the tags are read: the graph does not depend on them
    tagged = list(dict.fromkeys(split_list(ctx.tag(TAG_XRAY_SERVICE))))
    preferred = preferred_types(alarm.metrics)
    targets = target_nodes(nodes, tagged, alarm.metrics, preferred)
    if not targets:
        wanted = ", ".join(tagged or candidate_names(alarm.metrics)) or "no service name in the alarm"
        clients = [n for n in nodes if is_client(n) and named_any(n, tagged or candidate_names(alarm.metrics))]
        why = " (only as a client node, which is a caller)" if clients else ""
        raise NothingFound(f"no service in the graph matches {wanted}{why}")
    rows = _rows(nodes, targets)
    ctx.neighbours.set_result(rows)  # what changed is asked for them while the trace summaries are read
    causes, sample = _root_causes(xray, start, end, targets, rows)
    return XRayReport(
        services=tuple(dict.fromkeys(str(t.get("Name")) for t in targets)),
        rows=rows,
        root_causes=causes,
        sample_trace_id=sample,
        window_start=start,
        window_end=end,
    )


def stats_of(
    summary: ServiceStatisticsTypeDef | EdgeStatisticsTypeDef | None,
    histogram: Iterable[HistogramEntryTypeDef] | None,
) -> Stats:
    """Statistics from a node's or edge's ``SummaryStatistics`` and ``ResponseTimeHistogram``; a figure X-Ray
    did not send stays None (a client node has no ``SummaryStatistics``)."""
    summary = summary or {}
    errors: ErrorStatisticsTypeDef = summary.get("ErrorStatistics") or {}
    faults: FaultStatisticsTypeDef = summary.get("FaultStatistics") or {}
    total = _count(summary.get("TotalCount"))
    response_time = summary.get("TotalResponseTime")
    return Stats(
        requests=total,
        ok=_count(summary.get("OkCount")),
        errors=_count(errors.get("OtherCount")),
        throttles=_count(errors.get("ThrottleCount")),
        faults=_count(faults.get("TotalCount")),
        avg_ms=float(response_time) / total * 1000 if total and response_time is not None else None,
        p95_ms=percentile_ms(histogram or [], 0.95),
        client_errors=_count(errors.get("TotalCount")),
    )


def _count(value: float | None) -> int | None:
    return None if value is None else int(value)


def percentile_ms(histogram: Iterable[HistogramEntryTypeDef], fraction: float) -> float | None:
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


def service_graph(xray: XRayClient, start: datetime, end: datetime) -> list[ServiceTypeDef]:
    """Every node of the service graph between ``start`` and ``end``, following ``NextToken``."""
    services: list[ServiceTypeDef] = []
    kwargs: GetServiceGraphRequestTypeDef = {"StartTime": start, "EndTime": end}
    for _ in range(MAX_GRAPH_PAGES):
        page = xray.get_service_graph(**kwargs)
        services.extend(page.get("Services", []))
        token = page.get("NextToken")
        if not token:
            break
        kwargs["NextToken"] = token
    return services


def _rows(nodes: list[ServiceTypeDef], targets: list[ServiceTypeDef]) -> tuple[ServiceRow, ...]:
    by_ref = {n.get("ReferenceId"): n for n in nodes}
    rows: list[ServiceRow] = []
    for target in targets:
        rows.append(_row(target, "service", target.get("SummaryStatistics"), target.get("ResponseTimeHistogram")))
        for caller, edge in _callers(nodes, target):
            rows.append(_row(caller, "caller", edge.get("SummaryStatistics"), edge.get("ResponseTimeHistogram")))
        for edge in target.get("Edges") or []:
            stats, histogram = edge.get("SummaryStatistics"), edge.get("ResponseTimeHistogram")
            callee = by_ref.get(edge.get("ReferenceId"))
            if callee is None:  # the far end is not in this response: show the edge, say so
                unknown: ServiceTypeDef = {"Name": f"node {edge.get('ReferenceId')}", "Type": ""}
                rows.append(_row(unknown, "callee", stats, histogram, missing=True))
            else:
                rows.append(_row(callee, "callee", stats, histogram))
    return tuple(rows[:MAX_ROWS])


def _callers(nodes: list[ServiceTypeDef], target: ServiceTypeDef) -> list[tuple[ServiceTypeDef, EdgeTypeDef]]:
    """(caller node, its edge to ``target``). A Lambda function's own ``AWS::Lambda`` service node is looked
    through: its callers (API Gateway, a queue, another function) are the ones on-call cares about."""
    found: list[tuple[ServiceTypeDef, EdgeTypeDef]] = []
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


def _row(
    node: ServiceTypeDef,
    relation: str,
    summary: ServiceStatisticsTypeDef | EdgeStatisticsTypeDef | None,
    histogram: Iterable[HistogramEntryTypeDef] | None,
    missing: bool = False,
) -> ServiceRow:
    name = str(node.get("Name") or "?")
    if is_client(node):
        name = f"clients of {name}"
    return ServiceRow(
        name=name,
        type=str(node.get("Type") or ""),
        relation=relation,
        stats=stats_of(summary, histogram),
        missing=missing,
    )


def filter_expression(service: str) -> str:
    """Traces with a fault or an error on ``service``: every node of that name, as the Developer Guide's
    filter page says of a Lambda function's two nodes ("a standard service filter will find traces for
    both") — a throttle on the ``AWS::Lambda`` node is the function's problem too."""
    quoted = service.replace("\\", "\\\\").replace('"', '\\"')
    return f'service("{quoted}") {{ fault OR error }}'


def _root_causes(
    xray: XRayClient, start: datetime, end: datetime, targets: list[ServiceTypeDef], rows: tuple[ServiceRow, ...]
) -> tuple[tuple[RootCause, ...], str | None]:
    """The most frequent root causes of the traces with a fault or an error on the targets, and a sample trace.

    A fault of the targets themselves is marked ``inherited_from`` the callee whose own root cause came with
    it in most of its traces (``_trace_causes``)."""
    own = frozenset(str(t.get("Name")) for t in targets)
    callees = tuple(
        (row.name, row.type, bool(row.stats.faults or row.stats.throttles or row.stats.errors))
        for row in rows
        if row.relation == "callee"
    )
    expression = " OR ".join(dict.fromkeys(filter_expression(str(t.get("Name"))) for t in targets))
    counts: Counter[_Key] = Counter()
    inherited: dict[_Key, Counter[str]] = {}
    first: str | None = None
    first_fault: str | None = None
    kwargs: GetTraceSummariesRequestTypeDef = {"StartTime": start, "EndTime": end, "FilterExpression": expression}
    for _ in range(MAX_TRACE_PAGES):
        page = xray.get_trace_summaries(**kwargs)
        for summary in page.get("TraceSummaries", []):
            first = first or summary.get("Id")
            if summary.get("HasFault"):
                first_fault = first_fault or summary.get("Id")
            found = _trace_causes(summary, own, callees)
            failed = _failed_callee(found)
            for key in {key for key, _ in found}:
                counts[key] += 1
                svc, kind = key[0], key[1]
                if failed and kind == "fault" and svc in own:
                    inherited.setdefault(key, Counter())[failed] += 1
        token = page.get("NextToken")
        if not token:
            break
        kwargs["NextToken"] = token
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_ROOT_CAUSES]
    causes = tuple(
        RootCause(
            service=svc,
            kind=kind,
            exception=exc,
            message=msg,
            traces=n,
            inherited_from=_most_of(inherited.get((svc, kind, exc, msg)), n),
        )
        for (svc, kind, exc, msg), n in top
    )
    return causes, first_fault or first


def _trace_causes(
    summary: TraceSummaryTypeDef, own: frozenset[str], callees: tuple[tuple[str, str, bool], ...]
) -> list[tuple[_Key, str]]:
    """The root causes of one trace summary, each with the callee it lies in ("" when it is not one).

    X-Ray lists a cause's ``Services`` from the trace's entry point to the service the cause lies in: the last
    one, whose ``EntityPath`` runs from its segment down to the failing (sub)segment and holds the exceptions.
    A cause lies in a callee when that service is not the alarmed one but was reached through it, or when it is
    the alarmed one and its failing entity is a ``Remote`` subsegment — a call out, named after what it calls
    (a host, or an AWS service: "DynamoDB" is the graph's table node, ``xray_nodes.callee_named``)."""
    found: list[tuple[_Key, str]] = []
    causes: tuple[tuple[str, Sequence[FaultRootCauseTypeDef | ErrorRootCauseTypeDef]], ...] = (
        ("fault", summary.get("FaultRootCauses") or []),
        ("error", summary.get("ErrorRootCauses") or []),
    )
    for kind, listed in causes:
        for cause in listed:
            services = cause.get("Services") or []
            if not services:
                continue
            root = services[-1]
            path = root.get("EntityPath") or []
            name = str(root.get("Name") or "?")
            through = {str(s.get("Name")) for s in services[:-1]} | {str(e.get("Name")) for e in path[:-1]}
            callee, entities = "", path
            if name in own and path and path[-1].get("Remote"):
                name = callee = callee_named(str(path[-1].get("Name") or "?"), callees)
                entities = path[-1:]  # what the callee answered, not what the caller raised about it
            elif name not in own and through & own:
                callee = name
            exceptions = [e for entity in entities for e in entity.get("Exceptions") or []]
            keys = {(name, kind, str(e.get("Name") or ""), str(e.get("Message") or "")) for e in exceptions}
            found.extend((key, callee) for key in keys or {(name, kind, "", "")})
    return found


def _failed_callee(found: list[tuple[_Key, str]]) -> str:
    """The callee a failure of this trace lies in: one with a fault first, then by name."""
    failed = sorted((key[1] != "fault", callee) for key, callee in found if callee)
    return failed[0][1] if failed else ""


def _most_of(callees: Counter[str] | None, traces: int) -> str:
    """The callee named in more than half of ``traces``, else ""."""
    if not callees:
        return ""
    callee, count = max(callees.items(), key=lambda item: (item[1], item[0]))
    return callee if 2 * count > traces else ""
