"""4 · Throttling by a dependency: the maps API ``api.maps.example`` answers 429 Too Many Requests to
``search-api``'s geocoding calls, and the function raises ``requests``' ``HTTPError`` (unhandled).

Must name: the dependency that throttles and the 429.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from local.scenario.incidents import shapes
from local.scenario.incidents.dependency_5xx import http_error
from local.scenario.incidents.model import Alarm, Expect, Record, Scenario

if TYPE_CHECKING:
    from local.scenario.incidents.model import Invocation
    from local.scenario.incidents.shapes import Ids

FUNCTION = "search-api"
STAGE = "search-api/prod"
HOST = "api.maps.example"
PATH = "/v1/geocode?q=Rue+de+Rivoli+Paris"
MEMORY_MB, TIMEOUT_S = 512, 15
FRAMES = [
    ("/var/task/app.py", 63, "lambda_handler", "point = geocode(query)"),
    ("/var/task/maps.py", 27, "geocode", "response.raise_for_status()"),
    ("/var/task/requests/models.py", 1024, "raise_for_status", "raise HTTPError(http_error_msg, response=self)"),
]


def invoke(inv: Invocation, ids: Ids) -> Record:
    group = f"/aws/lambda/{FUNCTION}"
    at = inv.at
    call_start = at + 0.01
    status = 429 if inv.failing else 200
    call_end = call_start + (ids.uniform(0.01, 0.03) if inv.failing else ids.uniform(0.05, 0.15))
    call = shapes.remote_call(
        ids, host=HOST, method="GET", path=PATH, start=call_start, end=call_end, status=status
    )
    end = call_end + 0.004
    duration = (end - at) * 1000
    if inv.failing:
        message = http_error(429, "Too Many Requests", HOST, PATH)
        cause = {"working_directory": "/var/task", "exceptions": [shapes.exception(ids, "HTTPError", message)]}
        segments = shapes.through_api(
            ids,
            at=at,
            end=end,
            stage=STAGE,
            path="/prod/search",
            function=FUNCTION,
            failed=True,
            cause=cause,
            subsegments=[call],
        )
        body = [(end - 0.001, shapes.python_unhandled("HTTPError", message, FRAMES))]
        return Record(
            segments,
            shapes.invocation_lines(
                group, inv.request_id, start=at, duration_ms=duration, memory_mb=MEMORY_MB, used_mb=101, body=body
            ),
            duration_ms=duration,
            error=True,
        )
    segments = shapes.through_api(
        ids, at=at, end=end, stage=STAGE, path="/prod/search", function=FUNCTION, failed=False, subsegments=[call]
    )
    body = [(end - 0.001, shapes.python_log("INFO", end - 0.001, inv.request_id, "12 results"))]
    return Record(
        segments,
        shapes.invocation_lines(
            group, inv.request_id, start=at, duration_ms=duration, memory_mb=MEMORY_MB, used_mb=100, body=body
        ),
        duration_ms=duration,
    )


SCENARIO = Scenario(
    key="dependency-429",
    title="Throttling by a dependency (429)",
    cause=f"{HOST} throttles {FUNCTION}: 429 Too Many Requests on most geocoding calls",
    function=FUNCTION,
    invoke=invoke,
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the throttling dependency {HOST}", r"api\.maps\.example"),
        Expect("the throttling: 429", r"\b429\b|Too Many Requests|throttl"),
    ),
    memory_mb=MEMORY_MB,
    timeout_s=TIMEOUT_S,
    failing_share=0.6,
)
