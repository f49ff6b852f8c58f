"""3 · A failing dependency: the partner's rates service ``rates.partner.example`` answers 503, and
``quotes-api`` raises ``requests``' ``HTTPError`` (unhandled) on most requests.

Must name: the dependency that fails and its status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from local.scenario.incidents import shapes
from local.scenario.incidents.model import Alarm, Expect, Record, Scenario

if TYPE_CHECKING:
    from local.scenario.incidents.model import Invocation
    from local.scenario.incidents.shapes import Ids

FUNCTION = "quotes-api"
STAGE = "quotes-api/prod"
HOST = "rates.partner.example"
PATH = "/v2/rates?base=EUR"
MEMORY_MB, TIMEOUT_S = 512, 15
FRAMES = [
    ("/var/task/app.py", 48, "lambda_handler", "rates = fetch_rates(currency)"),
    ("/var/task/rates.py", 19, "fetch_rates", "response.raise_for_status()"),
    ("/var/task/requests/models.py", 1024, "raise_for_status", "raise HTTPError(http_error_msg, response=self)"),
]


def http_error(status: int, reason: str, host: str, path: str) -> str:
    """``requests``' message for a response ``raise_for_status()`` rejects."""
    kind = "Client" if status < 500 else "Server"
    return f"{status} {kind} Error: {reason} for url: https://{host}{path}"


def invoke(inv: Invocation, ids: Ids) -> Record:
    group = f"/aws/lambda/{FUNCTION}"
    at = inv.at
    call_start = at + 0.012
    if inv.failing:
        call_end = call_start + ids.uniform(0.05, 0.4)
        call = shapes.remote_call(
            ids, host=HOST, method="GET", path=PATH, start=call_start, end=call_end, status=503
        )
        end = call_end + 0.004
        message = http_error(503, "Service Unavailable", HOST, PATH)
        cause = {"working_directory": "/var/task", "exceptions": [shapes.exception(ids, "HTTPError", message)]}
        segments = shapes.through_api(
            ids,
            at=at,
            end=end,
            stage=STAGE,
            path="/prod/quote",
            function=FUNCTION,
            failed=True,
            cause=cause,
            subsegments=[call],
        )
        body = [(end - 0.001, shapes.python_unhandled("HTTPError", message, FRAMES))]
        duration = (end - at) * 1000
        return Record(
            segments,
            shapes.invocation_lines(
                group, inv.request_id, start=at, duration_ms=duration, memory_mb=MEMORY_MB, used_mb=96, body=body
            ),
            duration_ms=duration,
            error=True,
        )
    call_end = call_start + ids.uniform(0.04, 0.12)
    call = shapes.remote_call(ids, host=HOST, method="GET", path=PATH, start=call_start, end=call_end, status=200)
    end = call_end + 0.005
    segments = shapes.through_api(
        ids, at=at, end=end, stage=STAGE, path="/prod/quote", function=FUNCTION, failed=False, subsegments=[call]
    )
    body = [(end - 0.001, shapes.python_log("INFO", end - 0.001, inv.request_id, "quote priced in EUR"))]
    duration = (end - at) * 1000
    return Record(
        segments,
        shapes.invocation_lines(
            group, inv.request_id, start=at, duration_ms=duration, memory_mb=MEMORY_MB, used_mb=95, body=body
        ),
        duration_ms=duration,
    )


SCENARIO = Scenario(
    key="dependency-5xx",
    title="A failing dependency (5xx)",
    cause=f"{HOST} answers 503 Service Unavailable; {FUNCTION} fails the requests that need it",
    function=FUNCTION,
    invoke=invoke,
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the failing dependency {HOST}", r"rates\.partner\.example"),
        Expect("its status: 503", r"\b503\b|\b5xx\b"),
    ),
    memory_mb=MEMORY_MB,
    timeout_s=TIMEOUT_S,
    failing_share=0.8,
)
