"""Log lines as the Lambda platform and the Python runtime print them: START, END and REPORT, a timeout and a
memory kill, ``logging`` calls and unhandled tracebacks with their frames, and the messages of botocore's
``ClientError`` and ``requests``' ``HTTPError``; an invocation's whole log. ``SOURCES.md`` names where each comes
from.

Not for: X-Ray segments (``local.scenario.incidents.xray_segments``), CloudTrail events
(``local.scenario.incidents.cloudtrail_events``) or writing to the stack (``local.scenario.incidents.seeding``).
"""

from __future__ import annotations

from local.scenario.incident import iso


def ms(at: float) -> int:
    return int(at * 1000)


def start_line(request_id: str) -> str:
    return f"START RequestId: {request_id} Version: $LATEST"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str, *, duration_ms: float, memory_mb: int, used_mb: int, billed_ms: int | None = None
) -> str:
    """The platform's REPORT line (tab-separated, as CloudWatch Logs keeps it); a timed-out invocation is billed
    its timeout (``billed_ms``)."""
    billed = billed_ms if billed_ms is not None else int(-(-duration_ms // 1))
    return (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
        f"Memory Size: {memory_mb} MB\tMax Memory Used: {used_mb} MB\t"
    )


def python_log(level: str, at: float, request_id: str, message: str) -> str:
    """A ``logging`` call in the Python runtime's default text format: ``[LEVEL]\\t<time>\\t<request id>\\t…``."""
    return f"[{level}]\t{iso(ms(at))}\t{request_id}\t{message}"


def python_unhandled(kind: str, message: str, frames: list[tuple[str, int, str, str]]) -> str:
    """An exception the handler did not catch, as the Python runtime logs it: ``[ERROR] <type>: <message>`` and
    the traceback, in one event. ``frames``: (file, line, function, code)."""
    trace = "".join(
        f'  File "{file}", line {line}, in {where}\n    {code}\n' for file, line, where, code in frames
    )
    return f"[ERROR] {kind}: {message}\nTraceback (most recent call last):\n{trace}".rstrip("\n")


def botocore_message(code: str, operation: str, message: str, retries: int | None = None) -> str:
    """botocore's ``ClientError`` text: ``An error occurred (<code>) when calling the <op> operation (reached max
    retries: N): <message>``."""
    tried = f" (reached max retries: {retries})" if retries else ""
    return f"An error occurred ({code}) when calling the {operation} operation{tried}: {message}"


def http_error(status: int, reason: str, host: str, path: str) -> str:
    """``requests``' message for a response ``raise_for_status()`` rejects."""
    kind = "Client" if status < 500 else "Server"
    return f"{status} {kind} Error: {reason} for url: https://{host}{path}"


BOTO3_ACTION = (
    "/var/runtime/boto3/resources/factory.py",
    581,
    "do_action",
    "response = action(self, *args, **kwargs)",
)
"""The frame of a boto3 resource's action (``table.get_item``) in a traceback."""
BOTOCORE_RAISE = (
    "/var/runtime/botocore/client.py",
    1023,
    "_make_api_call",
    "raise error_class(parsed_response, operation_name)",
)
"""The frame that raises botocore's ``ClientError``."""
REQUESTS_RAISE = (
    "/var/task/requests/models.py",
    1024,
    "raise_for_status",
    "raise HTTPError(http_error_msg, response=self)",
)
"""The frame that raises ``requests``' ``HTTPError`` (a vendored ``requests``)."""


def timed_out_line(at: float, request_id: str, seconds: float) -> str:
    """What the platform writes when an invocation reaches its timeout."""
    return f"{iso(ms(at))} {request_id} Task timed out after {seconds:.2f} seconds"


def killed_line(request_id: str) -> str:
    """What the platform writes when the runtime is killed for exceeding the function's memory."""
    return f"RequestId: {request_id} Error: Runtime exited with error: signal: killed\nRuntime.ExitError"


def invocation_lines(
    group: str,
    request_id: str,
    *,
    start: float,
    duration_ms: float,
    memory_mb: int,
    used_mb: int,
    body: list[tuple[float, str]] | None = None,
    billed_ms: int | None = None,
    after: list[str] | None = None,
) -> list[tuple[str, float, str]]:
    """An invocation's log: START, the code's lines (``body``: at, message), END, REPORT and what the platform
    writes after it (``after``: why a timed-out or killed invocation ended)."""
    end = start + duration_ms / 1000
    report = report_line(
        request_id, duration_ms=duration_ms, memory_mb=memory_mb, used_mb=used_mb, billed_ms=billed_ms
    )
    return [
        (group, start, start_line(request_id)),
        *((group, at, message) for at, message in body or []),
        (group, end, end_line(request_id)),
        (group, end + 0.0005, report),
        *((group, end + 0.001, message) for message in after or []),
    ]
