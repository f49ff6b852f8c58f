"""A scenario's declared world in its real shapes: what one invocation leaves behind (``Record``: X-Ray
segments, log lines, its part of the metrics), built from how requests reach the function (``Scenario.entry``)
and the path the invocation takes (``Scenario.ok`` or ``Scenario.failing``); and each change before the failure as
the "AWS API Call via CloudTrail" event EventBridge delivers.

The random draws (``Ids``) come in one order for every scenario — the trace when it starts at Lambda, the calls'
durations, their subsegments, the exception, the segments — so a seed always gives the same world.

Not for: the shapes themselves (``local.scenario.incidents.xray_segments``, ``local.scenario.incidents.log_lines``,
``local.scenario.incidents.cloudtrail_events``) or writing to the stack (``local.scenario.incidents.seeding``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from local.scenario.incidents import cloudtrail_events, log_lines, xray_segments
from local.scenario.incidents.model import Record
from local.scenario.incidents.paths import Api, Caller, DynamoDB, Http, Killed, Raises, TimesOut
from local.stack import ACCOUNT, REGION

if TYPE_CHECKING:
    from datetime import datetime

    from local.scenario.incidents.model import Change, Invocation, Scenario, Timeline
    from local.scenario.incidents.paths import Call, Metric, Path
    from local.scenario.incidents.seeded_ids import Ids


@dataclass(frozen=True)
class _Run:
    """One function's run along a path: when it ends, its subsegments and fault's cause, its log."""

    start: float
    end: float
    duration_ms: float
    subsegments: list[dict[str, Any]]
    cause: dict[str, Any] | None
    body: list[tuple[float, str]]
    billed_ms: int | None = None
    after: list[str] = field(default_factory=list)

    def lines(self, group: str, request_id: str, memory_mb: int, used_mb: int) -> list[tuple[str, float, str]]:
        return log_lines.invocation_lines(
            group,
            request_id,
            start=self.start,
            duration_ms=self.duration_ms,
            memory_mb=memory_mb,
            used_mb=used_mb,
            body=self.body,
            billed_ms=self.billed_ms,
            after=self.after,
        )


def invoke(scenario: Scenario, inv: Invocation, ids: Ids) -> Record:
    """What ``inv`` leaves behind: the scenario's ``failing`` path if it is one the failure hits, else ``ok``."""
    path = scenario.failing if inv.failing else scenario.ok
    entry = scenario.entry
    if isinstance(entry, Api):
        run = _run(scenario, path, inv.at, inv, ids)
        segments = xray_segments.through_api(
            ids,
            at=inv.at,
            end=run.end,
            stage=entry.stage,
            path=entry.path,
            function=scenario.function,
            failed=path.fails,
            cause=run.cause,
            subsegments=run.subsegments,
        )
    else:
        trace = ids.trace(inv.at)
        if isinstance(entry, Caller):
            return _called(scenario, entry, path, inv, trace, ids)
        run = _run(scenario, path, inv.at, inv, ids)
        segments = _lambda(ids, trace, scenario.function, path, run)
    lines = run.lines(scenario.log_group, inv.request_id, scenario.memory_mb, path.used_mb)
    return Record(segments, lines, duration_ms=run.duration_ms, error=path.fails, metrics=list(path.metrics))


def _called(scenario: Scenario, entry: Caller, path: Path, inv: Invocation, trace: str, ids: Ids) -> Record:
    """An invocation by ``entry``'s function, with the caller's own invocation, log and Lambda metrics. A throttled
    one never runs: ``path`` is then the caller's."""
    caller_id = ids.uuid()
    dims = (("FunctionName", entry.function),)
    metrics: list[Metric] = [("AWS/Lambda", "Invocations", dims, 1.0)]
    if path.throttled:
        run = _run(scenario, path, inv.at, inv, ids, request_id=caller_id)
        metrics += [("AWS/Lambda", "Errors", dims, 1.0)] if path.fails else []
        return Record(
            _lambda(ids, trace, entry.function, path, run),
            run.lines(entry.log_group, caller_id, entry.memory_mb, path.used_mb),
            duration_ms=None,
            throttled=True,
            metrics=[*metrics, *path.metrics],
        )
    call_start = inv.at + entry.invokes_after
    run = _run(scenario, path, call_start + entry.runs_after, inv, ids)
    call = xray_segments.lambda_invoke_call(
        ids, function=scenario.function, start=call_start, end=run.end + entry.returns_after
    )
    end = run.end + entry.ends_after
    caller, _ = xray_segments.lambda_segments(
        ids, trace=trace, function=entry.function, start=inv.at, end=end, subsegments=[call]
    )
    lines = [
        *run.lines(scenario.log_group, inv.request_id, scenario.memory_mb, path.used_mb),
        *log_lines.invocation_lines(
            entry.log_group,
            caller_id,
            start=inv.at,
            duration_ms=(end - inv.at) * 1000,
            memory_mb=entry.memory_mb,
            used_mb=entry.used_mb,
        ),
    ]
    return Record(
        [*caller, *_lambda(ids, trace, scenario.function, path, run, parent=call["id"])],
        lines,
        duration_ms=run.duration_ms,
        error=path.fails,
        metrics=[*metrics, *path.metrics],
    )


def _run(scenario: Scenario, path: Path, start: float, inv: Invocation, ids: Ids, *, request_id: str = "") -> _Run:
    """The path from ``start``: its calls one after the other, each ending ``took`` after the one before (the first
    after ``starts``), then ``then`` to its end — unless the platform stops it (``TimesOut``, ``Killed``)."""
    request_id = request_id or inv.request_id
    ends, mark = path.ends, start + path.starts
    spans: list[tuple[float, float]] = []
    billed_ms: int | None = None
    after: list[str] = []
    if isinstance(ends, TimesOut | Killed):
        if isinstance(ends, TimesOut):
            ran = scenario.timeout_s + ids.uniform(*ends.over)
            billed_ms, after = scenario.timeout_s * 1000, [log_lines.timed_out_line(start + ran, request_id, ran)]
        else:
            ran = ids.uniform(*ends.ran)
            after = [log_lines.killed_line(request_id)]
        end, duration_ms = start + ran, ran * 1000
    else:
        for call in path.calls:
            spans.append((mark + call.gap, mark + ids.uniform(*call.took)))
            mark = spans[-1][1]
        end = mark + (ids.uniform(*path.then) if isinstance(path.then, tuple) else path.then)
        duration_ms = (end - start) * 1000
    subsegments = [_subsegment(call, *span, ids) for call, span in zip(path.calls, spans, strict=True)]
    body = []
    for log in path.logs:
        at = {"start": start + 0.01, "called": mark, "end": end - 0.001}[log.when]
        message = log.message(inv.n) if callable(log.message) else log.message
        body.append((at, log_lines.python_log(log.level, at, request_id, message)))
    cause = None
    if isinstance(ends, Raises):
        exception = xray_segments.exception(ids, ends.kind, ends.message)
        cause = {"working_directory": "/var/task", "exceptions": [exception]}
        body.append((end - 0.001, log_lines.python_unhandled(ends.kind, ends.message, list(ends.frames))))
    return _Run(start, end, duration_ms, subsegments, cause, body, billed_ms, after)


def _subsegment(call: Call, start: float, end: float, ids: Ids) -> dict[str, Any]:
    if isinstance(call, DynamoDB):
        return xray_segments.dynamodb_call(
            ids,
            table=call.table,
            operation=call.operation,
            start=start,
            end=end,
            status=call.status,
            error=call.error,
            throttled=call.throttled,
            retries=call.retries,
        )
    if isinstance(call, Http):
        return xray_segments.remote_call(
            ids, host=call.host, method=call.method, path=call.path, start=start, end=end, status=call.status
        )
    return xray_segments.lambda_invoke_call(
        ids, function=call.function, start=start, end=end, status=call.status, error=call.error
    )


def _lambda(
    ids: Ids, trace: str, function: str, path: Path, run: _Run, parent: str | None = None
) -> list[dict[str, Any]]:
    """Lambda's segments for the run (the service's only when the platform stopped it)."""
    segments, _ = xray_segments.lambda_segments(
        ids,
        trace=trace,
        function=function,
        start=run.start,
        end=run.end,
        parent=parent,
        flags={"fault": True} if path.fails else None,
        cause=run.cause,
        subsegments=run.subsegments,
        ran=not isinstance(path.ends, TimesOut | Killed),
    )
    return segments


# --- Changes ---------------------------------------------------------------------------------------------


def change_events(scenario: Scenario, timeline: Timeline, ids: Ids) -> list[dict[str, Any]]:
    """The scenario's changes as EventBridge delivers CloudTrail's records of them, in time order."""
    return [
        change_event(scenario, change, timeline.before_failure(change.minutes), ids) for change in scenario.changes
    ]


def change_event(scenario: Scenario, change: Change, at: datetime, ids: Ids) -> dict[str, Any]:
    """One Lambda API call on the scenario's function, with the request and answer CloudTrail records: a
    ``FunctionConfiguration`` for the code and configuration updates (never the environment's variables)."""
    function = scenario.function
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"
    request: dict[str, Any]
    response: dict[str, Any]
    if change.call == "PutFunctionConcurrency":
        event_name = "PutFunctionConcurrency20171031"
        request = {"functionName": function, "reservedConcurrentExecutions": change.reserved}
        response = {"reservedConcurrentExecutions": change.reserved}
    else:
        event_name = f"{change.call}20150331v2"
        if change.call == "UpdateFunctionCode":  # new code from S3
            qualified = {
                "arnPrefix": {"account": ACCOUNT, "partition": "aws", "region": REGION},
                "functionQualifier": {},
                "relativeId": {"functionName": function},
            }
            request = {"dryRun": False, "fullyQualifiedArn": qualified, "functionName": arn, "publish": False}
        else:  # the environment was set: CloudTrail records that, never its variables
            request = {"functionName": arn, "environment": {}}
        response = cloudtrail_events.function_configuration(
            function,
            memory_mb=scenario.memory_mb,
            timeout_s=scenario.timeout_s,
            runtime=scenario.runtime,
            code_sha256=change.code_sha256,
            last_modified=at,
        )
    return cloudtrail_events.api_call_event(
        ids,
        at=at,
        source="aws.lambda",
        event_source="lambda.amazonaws.com",
        event_name=event_name,
        identity=cloudtrail_events.assumed_role(change.by, change.session)
        if change.session
        else cloudtrail_events.iam_user(change.by),
        request=request,
        response=response,
        user_agent=change.user_agent,
    )
