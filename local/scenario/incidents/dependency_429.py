"""4 · Throttling by a dependency: the maps API ``api.maps.example`` answers 429 Too Many Requests to
``search-api``'s geocoding calls, and the function raises ``requests``' ``HTTPError`` (unhandled).

Must name: the dependency that throttles and the 429.
"""

from __future__ import annotations

from local.scenario.incidents import log_lines
from local.scenario.incidents.model import Alarm, Expect, Scenario
from local.scenario.incidents.paths import Api, Http, Log, Path, Raises

FUNCTION = "search-api"
HOST = "api.maps.example"
PATH = "/v1/geocode?q=Rue+de+Rivoli+Paris"
FRAMES = (
    ("/var/task/app.py", 63, "lambda_handler", "point = geocode(query)"),
    ("/var/task/maps.py", 27, "geocode", "response.raise_for_status()"),
    log_lines.REQUESTS_RAISE,
)

SCENARIO = Scenario(
    key="dependency-429",
    title="Throttling by a dependency (429)",
    cause=f"{HOST} throttles {FUNCTION}: 429 Too Many Requests on most geocoding calls",
    function=FUNCTION,
    memory_mb=512,
    timeout_s=15,
    entry=Api(stage="search-api/prod", path="/prod/search"),
    ok=Path(
        used_mb=100,
        starts=0.01,
        calls=(Http(HOST, "GET", PATH, took=(0.05, 0.15)),),
        then=0.004,
        logs=(Log("12 results"),),
    ),
    failing=Path(
        used_mb=101,
        starts=0.01,
        calls=(Http(HOST, "GET", PATH, took=(0.01, 0.03), status=429),),
        then=0.004,
        ends=Raises("HTTPError", log_lines.http_error(429, "Too Many Requests", HOST, PATH), FRAMES),
    ),
    failing_share=0.6,
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the throttling dependency {HOST}", r"api\.maps\.example"),
        Expect("the throttling: 429", r"\b429\b|Too Many Requests|throttl"),
    ),
)
