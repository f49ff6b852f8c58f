"""What an alarm's evidence points at, as values: its log lines folded into kinds (as ``/errors`` folds them:
``bot.queries.folding``; Lambda's out-of-memory lines named as such), the neighbour or the service X-Ray's root
causes blame (a callee whose throttle or failure the service's own fault came with), the decisive signs (a
status or an error name with its count) and a change shortly before the breach — what the card's first line says.

Nothing is inferred beyond what was found: without log lines or X-Ray figures there is no cause, only the
alarm's own resource. Not for: wording or Slack (``bot.slack.blocks.headline``), finding the evidence (the
enrichers), or recording changes (the change ledger fills ``RecentChange`` in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bot.alarms import AlarmKind
from bot.enrich.context import TAG_LOG_GROUPS, split_list
from bot.queries.folding import kind_of, kind_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from bot.alarms import Alarm, MetricRef
    from bot.enrich.model import Enrichment, LogLine, RootCause, XRayReport

MAX_SIGNS = 3
LABEL_CHARS = 60

_STATUS = re.compile(r"(?<![\w.:/#$-])([45]\d\d)(?![\w.:%/$-])(?!\s?(?:ms|s|sec|secs|seconds|bytes|[kKMG]i?B)\b)")
"""An HTTP status standing alone ("returned 502", "429 Too Many Requests"): not part of a time, an id, a
decimal, a path or a measure ("450 ms")."""
_ERROR_NAME = re.compile(
    r"\b((?:[A-Za-z_]\w*\.)*[A-Z]\w*?(?:Error|Exception|Fault|Throttled|Throttling|Timeout|Failure|Denied))\b"
    r"|\b(Task timed out)\b"
)
"""An exception or error type ("PaymentError", "botocore.errorfactory.ThrottlingException"), or Lambda's own
"Task timed out"."""
OUT_OF_MEMORY = "out of memory"
NAMED = (OUT_OF_MEMORY, "Task timed out")
"""Labels that name what happened in Lookout's or Lambda's own words: shown as names, not quoted as log text."""
_OUT_OF_MEMORY = re.compile(r"\bRuntime\.OutOfMemory\b")
_KILLED = re.compile(r"\bRuntime exited with error: signal: killed\b")
_EXITED_EARLY = re.compile(r"\bProcess exited before completing request\b")
_REQUEST_ID = re.compile(r"\bRequestId: (?P<id>[\w-]+)")
_REPORT = re.compile(
    r"\bREPORT RequestId: (?P<id>[\w-]+).*?\bMemory Size: (?P<size>\d+) MB\s+Max Memory Used: (?P<used>\d+) MB",
    re.S,
)
"""Lambda's REPORT line: ``REPORT RequestId: … Duration: … ms Billed Duration: … ms Memory Size: 256 MB Max Memory
Used: 256 MB`` (tab-separated; Init Duration and Status fields may follow)."""
_PLACEHOLDER = re.compile(r"<(?:url|email|q|v|time|uuid|trace|id|n)>")
_LEADING_NOISE = re.compile(r"^(?:(?:…|\[?(?:ERROR|WARN|WARNING|FATAL|CRITICAL|error|fatal)\]?:?)\s*)+")

RESOURCE_DIMENSIONS = (
    "FunctionName",
    "ApiName",
    "ApiId",
    "TableName",
    "QueueName",
    "TopicName",
    "StateMachineArn",
    "ServiceName",
    "ClusterName",
    "LoadBalancer",
    "TargetGroup",
    "DBInstanceIdentifier",
    "DBClusterIdentifier",
    "CacheClusterId",
    "BucketName",
    "AutoScalingGroupName",
    "InstanceId",
    "DomainName",
    "Check",
)
"""Dimensions that name the resource a metric is about, best first (an API's ``Stage`` goes with its name)."""


@dataclass(frozen=True)
class LogKind:
    """Log lines of one kind (``bot.queries.folding``: secrets redacted, then what varies made alike)."""

    kind: str
    """The folded text that decides the kind."""
    label: str
    """A short name: an HTTP status ("502", or "5xx" when the kind holds several), an error name, or the
    kind's head with what varies shown as "…" (redacted text, not yet escaped)."""
    count: int
    newest: LogLine
    first_seen: datetime


@dataclass(frozen=True)
class Sign:
    """One decisive sign: "502" seen 21 times (log lines, traces or requests, per ``Evidence.source``)."""

    label: str
    count: int


@dataclass(frozen=True)
class RecentChange:
    """The most recent change before the breach, as the card's first line names it ("— deployed 4 min before
    by alice"). Plain values, so that whatever records changes can fill them in."""

    resource: str
    what: str
    """What happened, as a verb phrase: "deployed", "configuration changed", "concurrency set to 5"."""
    who: str = ""
    minutes_before: float = 0.0
    """Minutes between the change and the first breaching datapoint (negative: after it)."""


@dataclass(frozen=True)
class Evidence:
    """What the card's first line is made of."""

    resource: str
    """What the alarm is about: its X-Ray service, else the resource its metric names, else its name."""
    culprit: str = ""
    """A neighbour X-Ray blames (a callee with the root-cause traces or the faults); "" for the resource itself."""
    source: Literal["logs", "traces", "graph", ""] = ""
    """Where the signs come from: folded log lines, X-Ray root-cause traces, or the service graph's counts."""
    signs: tuple[Sign, ...] = ()
    since: datetime | None = None
    """The oldest log line among the signs (``source`` "logs")."""
    partial: bool = False
    """The log search did not finish or was cut short: the counts are of the lines it found."""
    window_minutes: int = 0
    """The X-Ray window (``source`` "traces" or "graph")."""
    change: RecentChange | None = None

    @property
    def found(self) -> bool:
        return bool(self.signs)


def fold_lines(lines: Iterable[LogLine]) -> tuple[LogKind, ...]:
    """``lines`` folded into kinds: count, newest and first line each; most frequent first, then newest."""
    members: dict[str, list[tuple[LogLine, str]]] = {}
    for line in lines:
        text = kind_text(line.message)  # the line's one redaction, as the forwarder's fold does
        members.setdefault(kind_of(text), []).append((line, text))
    at_limit = _memory_at_limit(text for found in members.values() for _, text in found)
    kinds = [
        LogKind(
            kind=kind,
            label=_label(kind, [text for _, text in found], at_limit),
            count=len(found),
            newest=max((line for line, _ in found), key=lambda line: line.timestamp),
            first_seen=min(line.timestamp for line, _ in found),
        )
        for kind, found in members.items()
    ]
    return tuple(sorted(kinds, key=lambda k: (-k.count, -k.newest.timestamp.timestamp(), k.kind)))


def evidence_for(alarm: Alarm, enrichment: Enrichment, change: RecentChange | None = None) -> Evidence:
    """The evidence of ``alarm``'s enrichment; with none found, the alarm's resource only (and ``change``)."""
    xray, logs = enrichment.xray.value, enrichment.logs.value
    resource = xray.services[0] if xray and xray.services else resource_of(alarm)
    culprit, xray_source, xray_signs = _blamed(xray) if xray else ("", "", ())
    window = int((xray.window_end - xray.window_start).total_seconds() // 60) if xray else 0
    if logs and logs.lines:
        signs, since = decisive(fold_lines(logs.lines))
        partial = bool(logs.cut or logs.unfinished)
        return Evidence(resource, culprit, "logs", signs, since, partial, window, change)
    if xray_signs:
        return Evidence(resource, culprit, xray_source, xray_signs, window_minutes=window, change=change)
    return Evidence(resource, change=change)


def decisive(kinds: Sequence[LogKind]) -> tuple[tuple[Sign, ...], datetime | None]:
    """The kinds that decide, by label: the most frequent, and the next ones while each has more than half its
    count (at most ``MAX_SIGNS``); and their oldest line."""
    merged: dict[str, tuple[int, datetime, datetime]] = {}  # label → count, newest, first seen
    for kind in kinds:
        count, newest, first = merged.get(kind.label, (0, kind.newest.timestamp, kind.first_seen))
        merged[kind.label] = (
            count + kind.count,
            max(newest, kind.newest.timestamp),
            min(first, kind.first_seen),
        )
    ranked = sorted(merged.items(), key=lambda item: (-item[1][0], -item[1][1].timestamp(), item[0]))
    if not ranked:
        return (), None
    top = ranked[0][1][0]
    chosen = [item for item in ranked if 2 * item[1][0] > top][:MAX_SIGNS]
    return tuple(Sign(label, count) for label, (count, _, _) in chosen), min(first for _, (_, _, first) in chosen)


def resource_of(alarm: Alarm) -> str:
    """The resource an alarm is about, from what the alarm itself says (no lookup)."""
    if alarm.kind is AlarmKind.LOG_ERROR:
        groups = split_list(dict(alarm.tags or ()).get(TAG_LOG_GROUPS))
        if groups:
            return groups[0].removeprefix("/aws/lambda/")
    if alarm.kind in (AlarmKind.COMPOSITE, AlarmKind.CHECK, AlarmKind.LOG_ERROR):
        return alarm.name
    primary = alarm.primary
    metrics = [primary.metric] if primary and primary.metric else []
    return _named_by([*metrics, *alarm.metrics]) or alarm.name


def _named_by(metrics: Sequence[MetricRef]) -> str:
    for key in RESOURCE_DIMENSIONS:
        for metric in metrics:
            value = metric.dimension(key)
            if value:
                stage = metric.dimension("Stage") if key == "ApiName" else None
                return f"{value}/{stage}" if stage else value
    return next((value for metric in metrics for _, value in metric.dimensions if value), "")


def _blamed(report: XRayReport) -> tuple[str, Literal["traces", "graph", ""], tuple[Sign, ...]]:
    """The service X-Ray's evidence blames ("" for the alarmed one), where that evidence is, and its signs:
    the root causes of the most traces — the callee a fault of the service itself is inherited from, when that
    callee was throttled or failed (``_inherited``) — else the callee (or the service) with the most faults and
    throttles."""
    own = set(report.services)
    if report.root_causes:
        top = max(report.root_causes, key=lambda c: (c.traces, c.kind == "fault", c.service not in own))
        blamed = _inherited(top, report) or top.service
        causes = [c for c in report.root_causes if c.service == blamed][:MAX_SIGNS]
        culprit = "" if blamed in own else blamed
        throttled = _edge_failures(report, blamed)[1]
        return culprit, "traces", tuple(Sign(_cause_label(c, throttled), c.traces) for c in causes)
    failing = [
        row
        for row in report.rows
        if row.relation in ("callee", "service") and not row.missing and (row.stats.faults or row.stats.throttles)
    ]
    if not failing:
        return "", "", ()
    row = max(failing, key=lambda r: (r.relation == "callee", (r.stats.faults or 0) + (r.stats.throttles or 0)))
    signs = [Sign("5xx", row.stats.faults or 0), Sign("429", row.stats.throttles or 0)]
    signs = sorted((s for s in signs if s.count), key=lambda s: -s.count)
    culprit = "" if row.relation == "service" or row.name in own else row.name
    return culprit, "graph", tuple(signs)


def _inherited(cause: RootCause, report: XRayReport) -> str:
    """The callee to blame for ``cause``, a fault of the alarmed service, or "": the callee it is inherited from
    (``RootCause.inherited_from``) when that callee was throttled or failed — its own root cause is a fault, or
    the service graph counts throttles or faults on the edge to it. A callee that only answered with an error (a
    4xx other than a throttle: a request it refused, such as a table that does not exist) leaves the fault with
    the caller that sent it."""
    callee = cause.inherited_from
    if not callee or cause.kind != "fault" or cause.service not in report.services:
        return ""
    faulted = any(c.service == callee and c.kind == "fault" for c in report.root_causes)
    return callee if faulted or any(_edge_failures(report, callee)) else ""


def _edge_failures(report: XRayReport, callee: str) -> tuple[bool, bool]:
    """Whether the service graph counts faults, and throttles, on the edge to ``callee``."""
    rows = [r for r in report.rows if r.relation == "callee" and r.name == callee and not r.missing]
    return any(r.stats.faults for r in rows), any(r.stats.throttles for r in rows)


def _cause_label(cause: RootCause, throttled: bool = False) -> str:
    """The cause's exception; without one, "429" for an error of a callee the graph counts throttles on (as
    the graph's own signs say it), else its kind."""
    if cause.exception:
        return cause.exception[:LABEL_CHARS]
    return "429" if throttled and cause.kind == "error" else cause.kind


def _label(kind: str, texts: Sequence[str], at_limit: Mapping[str, bool] | None = None) -> str:
    """What the kind is called: "out of memory" when Lambda's lines say so (``_out_of_memory``), else an HTTP
    status when every line of the kind has one (one code, else its class), else an error name, else its head."""
    if _out_of_memory(texts, at_limit or {}):
        return OUT_OF_MEMORY
    statuses = [found.group(1) if (found := _STATUS.search(text)) else "" for text in texts]
    if all(statuses):
        codes = set(statuses)
        if len(codes) == 1:
            return codes.pop()
        classes = {code[0] for code in codes}
        return f"{classes.pop()}xx" if len(classes) == 1 else "4xx/5xx"
    named = _ERROR_NAME.search(texts[-1])
    if named:
        return (named.group(1) or named.group(2))[:LABEL_CHARS]
    head = _LEADING_NOISE.sub("", _PLACEHOLDER.sub("…", kind)).strip() or kind
    return head if len(head) <= LABEL_CHARS else head[: LABEL_CHARS - 1] + "…"


def _memory_at_limit(texts: Iterable[str]) -> dict[str, bool]:
    """Request id → whether its REPORT line among ``texts`` shows Max Memory Used at (or over) Memory Size."""
    found: dict[str, bool] = {}
    for text in texts:
        report = _REPORT.search(text)
        if report:
            found[report["id"]] = int(report["used"]) >= int(report["size"])
    return found


def _out_of_memory(texts: Sequence[str], at_limit: Mapping[str, bool]) -> bool:
    """Whether the lines of a kind say that Lambda stopped the function for running out of memory, in the
    platform's own words (``tests/unit/test_card_evidence.py`` names where each is documented):

    - "Runtime exited with error: signal: killed": the sandbox's SIGKILL when the function exceeds its memory (a
      timeout says "Task timed out", an exit of the code "exit status N"; the same ``Runtime.ExitError`` follows
      all three, so the error type alone says nothing of memory);
    - the error type Lambda reports for such an invocation, ``Runtime.OutOfMemory``;
    - REPORT lines whose Max Memory Used reached their Memory Size (the two are equal when the memory ran out);
    - the older "Process exited before completing request", when the same request's REPORT line is at its limit
      (alone it also follows a crash)."""
    if any(_KILLED.search(text) or _OUT_OF_MEMORY.search(text) for text in texts):
        return True
    reports = [_REPORT.search(text) for text in texts]
    if reports and all(reports):
        return all(int(r["used"]) >= int(r["size"]) for r in reports if r)
    for text in texts:
        request = _REQUEST_ID.search(text)
        if _EXITED_EARLY.search(text) and request and at_limit.get(request["id"]):
            return True
    return False
