"""3 · A failing dependency: the partner's rates service ``rates.partner.example`` answers 503, and
``quotes-api`` raises ``requests``' ``HTTPError`` (unhandled) on most requests.

Must name: the dependency that fails and its status.
"""

from __future__ import annotations

from local.scenario.incidents import log_lines
from local.scenario.incidents.model import Alarm, Expect, Scenario
from local.scenario.incidents.paths import Api, Http, Log, Path, Raises

FUNCTION = "quotes-api"
HOST = "rates.partner.example"
PATH = "/v2/rates?base=EUR"
FRAMES = (
    ("/var/task/app.py", 48, "lambda_handler", "rates = fetch_rates(currency)"),
    ("/var/task/rates.py", 19, "fetch_rates", "response.raise_for_status()"),
    log_lines.REQUESTS_RAISE,
)

SCENARIO = Scenario(
    key="dependency-5xx",
    title="A failing dependency (5xx)",
    cause=f"{HOST} answers 503 Service Unavailable; {FUNCTION} fails the requests that need it",
    function=FUNCTION,
    memory_mb=512,
    timeout_s=15,
    entry=Api(stage="quotes-api/prod", path="/prod/quote"),
    ok=Path(
        used_mb=95,
        starts=0.012,
        calls=(Http(HOST, "GET", PATH, took=(0.04, 0.12)),),
        then=0.005,
        logs=(Log("quote priced in EUR"),),
    ),
    failing=Path(
        used_mb=96,
        starts=0.012,
        calls=(Http(HOST, "GET", PATH, took=(0.05, 0.4), status=503),),
        then=0.004,
        ends=Raises("HTTPError", log_lines.http_error(503, "Service Unavailable", HOST, PATH), FRAMES),
    ),
    failing_share=0.8,
    alarm=Alarm("Errors", f"{FUNCTION} Lambda errors"),
    expects=(
        Expect(f"the failing dependency {HOST}", r"rates\.partner\.example"),
        Expect("its status: 503", r"\b503\b|\b5xx\b"),
    ),
)
