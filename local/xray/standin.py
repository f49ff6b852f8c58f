"""X-Ray stand-in: keeps segments from PutTraceSegments and answers GetServiceGraph / GetTraceSummaries
from them, in the documented response shapes (moto's service graph is a fixed dummy).

Nodes are services (segment name + origin) and inferred downstream nodes (subsegments with namespace
``aws`` or ``remote``); edges come from parent links between segments and from those subsegments.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from local.xray.filter import compile_filter

ACCOUNT = "123456789012"


@dataclass
class Call:
    """One request seen by a node or an edge."""

    start: float
    end: float
    outcome: str  # ok | error | throttle | fault

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass
class Node:
    name: str
    type: str
    calls: list[Call] = field(default_factory=list)
    edges: dict[tuple[str, str], list[Call]] = field(default_factory=lambda: defaultdict(list))
    root: bool = False


def outcome_of(entity: dict[str, Any]) -> str:
    status = int(((entity.get("http") or {}).get("response") or {}).get("status") or 0)
    if entity.get("fault") or status >= 500:
        return "fault"
    if entity.get("throttle") or status == 429:
        return "throttle"
    if entity.get("error") or 400 <= status < 500:
        return "error"
    return "ok"


def inferred_key(sub: dict[str, Any]) -> tuple[str, str] | None:
    """The downstream node a subsegment calls, or None for local work."""
    namespace = sub.get("namespace")
    if namespace == "remote":
        return str(sub.get("name")), "remote"
    if namespace == "aws":
        table = (sub.get("aws") or {}).get("table_name")
        if table:
            return str(table), "AWS::DynamoDB::Table"
        return str(sub.get("name")), f"AWS::{sub.get('name')}"
    return None


def statistics(calls: list[Call]) -> dict[str, Any]:
    counts = Counter(call.outcome for call in calls)
    return {
        "OkCount": counts["ok"],
        "ErrorStatistics": {
            "ThrottleCount": counts["throttle"],
            "OtherCount": counts["error"],
            "TotalCount": counts["throttle"] + counts["error"],
        },
        "FaultStatistics": {"OtherCount": counts["fault"], "TotalCount": counts["fault"]},
        "TotalCount": len(calls),
        "TotalResponseTime": round(sum(call.seconds for call in calls), 6),
    }


def histogram(calls: list[Call]) -> list[dict[str, Any]]:
    buckets = Counter(round(call.seconds, 3) for call in calls)
    return [{"Value": value, "Count": count} for value, count in sorted(buckets.items())]


class XRayStandIn:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._segments: dict[str, list[dict[str, Any]]] = defaultdict(list)  # trace id → segments

    # --- PutTraceSegments -----------------------------------------------------------------------

    def put_trace_segments(self, documents: list[str]) -> dict[str, Any]:
        unprocessed = []
        with self._lock:
            for document in documents:
                try:
                    segment = json.loads(document)
                    self._segments[segment["trace_id"]].append(segment)
                except (ValueError, KeyError, TypeError) as exc:
                    unprocessed.append({"Id": "unknown", "ErrorCode": "InvalidSegment", "Message": str(exc)})
        return {"UnprocessedTraceSegments": unprocessed}

    # --- GetServiceGraph ------------------------------------------------------------------------

    def service_graph(self, start: float, end: float) -> dict[str, Any]:
        nodes = self._nodes(start, end)
        ids = {key: index for index, key in enumerate(sorted(nodes))}
        services = []
        for key, node in sorted(nodes.items()):
            entry: dict[str, Any] = {
                "ReferenceId": ids[key],
                "Name": node.name,
                "Names": [node.name],
                "Root": node.root,
                "AccountId": ACCOUNT,
                "Type": node.type,
                "State": "active",
                "StartTime": start,
                "EndTime": end,
                "Edges": [
                    {
                        "ReferenceId": ids[target],
                        "StartTime": start,
                        "EndTime": end,
                        "SummaryStatistics": statistics(calls),
                        "ResponseTimeHistogram": histogram(calls),
                        "Aliases": [],
                    }
                    for target, calls in sorted(node.edges.items())
                ],
            }
            if node.type != "client":
                entry["SummaryStatistics"] = statistics(node.calls)
                entry["DurationHistogram"] = histogram(node.calls)
                entry["ResponseTimeHistogram"] = histogram(node.calls)
            services.append(entry)
        return {"StartTime": start, "EndTime": end, "Services": services, "ContainsOldGroupVersions": False}

    def _nodes(self, start: float, end: float) -> dict[tuple[str, str], Node]:
        nodes: dict[tuple[str, str], Node] = {}

        def node(key: tuple[str, str]) -> Node:
            return nodes.setdefault(key, Node(name=key[0], type=key[1]))

        with self._lock:
            traces = [list(segments) for segments in self._segments.values()]
        for segments in traces:
            if not in_window(segments, start, end):
                continue
            owners = _owners(segments)
            for segment in segments:
                key = _service_key(segment)
                call = Call(
                    segment["start_time"], segment.get("end_time", segment["start_time"]), outcome_of(segment)
                )
                node(key).calls.append(call)
                parent = owners.get(segment.get("parent_id", ""))
                if parent is None:  # X-Ray names the client node after the root service it calls
                    node(key).root = True
                    node((key[0], "client")).edges[key].append(call)
                else:
                    node(_service_key(parent)).edges[key].append(call)
                linked = {s.get("parent_id") for s in segments}
                for sub in _top_calls(segment):
                    target = inferred_key(sub)
                    if target is None or sub.get("id") in linked:
                        continue
                    sub_call = Call(sub["start_time"], sub.get("end_time", sub["start_time"]), outcome_of(sub))
                    node(target).calls.append(sub_call)
                    node(key).edges[target].append(sub_call)
        return nodes

    # --- GetTraceSummaries ----------------------------------------------------------------------

    def trace_summaries(self, start: float, end: float, expression: str | None) -> list[dict[str, Any]]:
        matches = compile_filter(expression)
        with self._lock:
            traces = [list(segments) for segments in self._segments.values()]
        summaries = []
        for segments in traces:
            view = TraceFacts(segments)
            if view.root is None or not in_window(segments, start, end):
                continue
            if matches(view):
                summaries.append(view.summary())
        summaries.sort(key=lambda s: s["StartTime"], reverse=True)
        return summaries


def in_window(segments: list[dict[str, Any]], start: float, end: float) -> bool:
    """One rule for both APIs, as X-Ray applies it: a trace is in [start, end) when it started there (its
    earliest segment's start). A trace is counted whole or not at all, so the graph's fault counts and the
    summaries' root causes always add up."""
    first = min((float(s.get("start_time", 0)) for s in segments), default=None)
    return first is not None and start <= first < end


def _service_key(segment: dict[str, Any]) -> tuple[str, str]:
    return str(segment.get("name")), str(segment.get("origin") or "")


def _owners(segments: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Segment or subsegment id → the segment that holds it."""
    owners: dict[str, dict[str, Any]] = {}
    for segment in segments:
        owners[segment.get("id", "")] = segment
        for sub in _walk(segment.get("subsegments") or []):
            owners[sub.get("id", "")] = segment
    return owners


def _walk(subsegments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for sub in subsegments:
        found.append(sub)
        found.extend(_walk(sub.get("subsegments") or []))
    return found


def _top_calls(segment: dict[str, Any]) -> list[dict[str, Any]]:
    """Subsegments that call something downstream (not those nested inside such a call)."""
    calls = []
    for sub in segment.get("subsegments") or []:
        if inferred_key(sub) is not None:
            calls.append(sub)
        else:
            calls.extend(_top_calls(sub))
    return calls


class TraceFacts:
    """One trace as the filter language and GetTraceSummaries see it."""

    def __init__(self, segments: list[dict[str, Any]]) -> None:
        self.segments = segments
        owners = _owners(segments)
        roots = [s for s in segments if s.get("parent_id", "") not in owners]
        self.root = min(roots, key=lambda s: s.get("start_time", 0)) if roots else None
        self._flags: dict[str | None, set[str]] = defaultdict(set)
        self._nodes: dict[str, tuple[str, str]] = {}
        linked = {s.get("parent_id") for s in segments}
        for segment in segments:
            key = _service_key(segment)
            self._note(key, outcome_of(segment))
            for sub in _top_calls(segment):
                target = inferred_key(sub)
                if target and sub.get("id") not in linked:
                    self._note(target, outcome_of(sub))

    def _note(self, key: tuple[str, str], outcome: str) -> None:
        self._nodes[key[0]] = key
        flag = "error" if outcome == "throttle" else outcome
        self._flags[key[0]].add(flag)
        self._flags[None].add(flag)
        if outcome == "throttle":
            self._flags[key[0]].add("throttle")
            self._flags[None].add("throttle")

    def flags(self, service: str | None) -> set[str]:
        found = set(self._flags.get(service, set()))
        if found - {"ok"}:
            found.discard("ok")
        return found

    def touches(self, service: str) -> bool:
        return service in self._nodes

    def number(self, key: str) -> float:
        if key == "responsetime" and self.root:
            return float(self.root.get("end_time", 0) - self.root.get("start_time", 0))
        starts = [s.get("start_time", 0) for s in self.segments]
        ends = [s.get("end_time", 0) for s in self.segments]
        return float(max(ends) - min(starts)) if starts else 0.0

    def summary(self) -> dict[str, Any]:
        assert self.root is not None
        root = self.root
        flags = self.flags(None)
        http = root.get("http") or {}
        return {
            "Id": root["trace_id"],
            "StartTime": root["start_time"],
            "Duration": round(self.number("duration"), 6),
            "ResponseTime": round(self.number("responsetime"), 6),
            "HasFault": "fault" in flags,
            "HasError": "error" in flags,
            "HasThrottle": "throttle" in flags,
            "IsPartial": False,
            "Http": {
                "HttpURL": (http.get("request") or {}).get("url", ""),
                "HttpStatus": int((http.get("response") or {}).get("status") or 0),
                "HttpMethod": (http.get("request") or {}).get("method", ""),
            },
            "Annotations": {},
            "Users": [],
            "ServiceIds": [
                {"Name": name, "Names": [name], "AccountId": ACCOUNT, "Type": kind}
                for name, kind in sorted(self._nodes.values())
            ],
            "EntryPoint": {
                "Name": root.get("name"),
                "Names": [root.get("name")],
                "AccountId": ACCOUNT,
                "Type": root.get("origin", ""),
            },
            "FaultRootCauses": self._root_causes({"fault"}),
            "ErrorRootCauses": self._root_causes({"error", "throttle"}),
            "Revision": 1,
        }

    def _root_causes(self, outcomes: set[str]) -> list[dict[str, Any]]:
        """The deepest failing entities: a failing (sub)segment none of whose children fail the same way.

        A subsegment that called a downstream segment fails as that segment does; the downstream segment
        then reports the cause, so the caller's path is not repeated.
        """
        downstream = {s.get("parent_id"): outcome_of(s) for s in self.segments if s.get("parent_id")}
        causes = []
        for segment in self.segments:
            for path in _failing_leaves(segment, [], outcomes, downstream):
                leaf = path[-1]
                if downstream.get(leaf.get("id")) in outcomes:
                    continue  # a downstream segment failed the same way and reports the cause
                target = inferred_key(leaf) if leaf is not segment else None
                exceptions = [
                    {"Name": str(e.get("type") or "Error"), "Message": str(e.get("message") or "")}
                    for e in (leaf.get("cause") or {}).get("exceptions") or []
                ]
                name, kind = target or _service_key(segment)
                entity_path = [
                    {
                        "Name": str(e.get("name")),
                        "Exceptions": exceptions if e is leaf else [],
                        "Remote": e.get("namespace") == "remote",
                    }
                    for e in path
                ]
                service = {
                    "Name": name,
                    "Names": [name],
                    "Type": kind,
                    "AccountId": ACCOUNT,
                    "Inferred": target is not None,
                    "EntityPath": entity_path,
                }
                causes.append({"Services": [service], "ClientImpacting": True})
        return causes


def _failing_leaves(
    entity: dict[str, Any], path: list[dict[str, Any]], outcomes: set[str], downstream: dict[Any, str]
) -> list[list[dict[str, Any]]]:
    """Paths to every failing entity none of whose children fail the same way."""
    path = [*path, entity]
    subs = entity.get("subsegments") or []
    deeper = [leaf for sub in subs for leaf in _failing_leaves(sub, path, outcomes, downstream)]
    if deeper:
        return deeper
    outcome = downstream.get(entity.get("id")) if len(path) > 1 else None
    return [path] if (outcome or outcome_of(entity)) in outcomes else []
