"""Scheduled checks declared in ``infra/checks.yaml``, validated at load with errors that name file and field.

::

    checks:
      - name: orders-api-health
        http:
          url: https://api.example.com/health
          method: GET                       # default GET
          expect_status: [200]              # default [200]
          body_contains: '"status":"ok"'    # or json: {expression: status, equals: ok} (JMESPath)
          headers_secret: lookout/checks/orders-api   # a Secrets Manager secret: {"Header": "value", …}
          timeout: 5s                       # default 5s, at most 30s
          max_latency: 2s                   # slower is a failure
          retries: 1                        # attempts again at once before the run counts as failed
        every: 1m                           # how often (whole minutes); default 1m
        fail_after: 2                       # consecutive failed runs before the incident opens; default 2
        regions: [us-east-1, eu-west-1]     # probe only from these deployments; default: every deployment
        tags: {lookout:channel: "#orders-oncall"}   # routing and enrichment, as an alarm's tags
      - name: orders-api-xray
        xray:
          service: orders-api               # the X-Ray node's name (its type chosen as for alarms)
          window: 5m
          min_requests: 20                  # fewer requests: not judged (passing, with a note)
          max_fault_rate: 5%                # any of: max_error_rate, max_fault_rate, max_throttle_rate,
          max_p95: 1500ms                   #         max_p95, max_average
        every: 5m

No header value ever lives in the file: ``headers_secret`` names a secret, read at run time. The file is validated
by its model (``bot.config.model.ChecksFile``: unknown keys refused, limits named; a ``ConfigError`` names the file
and the field); this module makes the checks' values of it.
Not for: running checks (``bot.checks.http``, ``bot.checks.xray``) or their state (``bot.checks.state``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config.model import load_checks_file

if TYPE_CHECKING:
    from pathlib import Path

    from bot.config.model import CheckSpec, HttpCheck, XRayCheck


@dataclass(frozen=True)
class HttpProbe:
    url: str
    method: str = "GET"
    expect_status: tuple[int, ...] = (200,)
    body_contains: str | None = None
    json_expression: str | None = None
    json_equals: object = None
    """The JSON value the expression must find (any JSON value, ``null`` included)."""
    headers_secret: str | None = None
    timeout_s: float = 5.0
    max_latency_ms: float | None = None
    retries: int = 0


@dataclass(frozen=True)
class XRayProbe:
    service: str
    window_s: int = 300
    min_requests: int = 1
    max_error_rate: float | None = None
    max_fault_rate: float | None = None
    max_throttle_rate: float | None = None
    max_p95_ms: float | None = None
    max_average_ms: float | None = None


@dataclass(frozen=True)
class Check:
    name: str
    probe: HttpProbe | XRayProbe
    every_min: int = 1
    fail_after: int = 2
    regions: tuple[str, ...] = ()
    description: str = ""
    tags: tuple[tuple[str, str], ...] = field(default=())

    def due(self, minute: int) -> bool:
        """Whether the check runs in this minute (minutes since the epoch)."""
        return minute % self.every_min == 0

    def runs_in(self, region: str) -> bool:
        return not self.regions or region in self.regions


def load_checks(path: Path) -> tuple[Check, ...]:
    """The checks of ``path``; none when the file does not exist. ``ConfigError`` names the file and the field."""
    if not path.exists():
        return ()
    return tuple(_check(spec) for spec in load_checks_file(path).checks)


def _check(spec: CheckSpec) -> Check:
    probe = _http(spec.http) if spec.http is not None else _xray(spec.xray)
    return Check(
        spec.name,
        probe,
        every_min=int(spec.every.total_seconds()) // 60,
        fail_after=spec.fail_after,
        regions=spec.region_list,
        description=spec.description,
        tags=tuple((str(k), str(v)) for k, v in spec.tags.items()),
    )


def _http(spec: HttpCheck) -> HttpProbe:
    return HttpProbe(
        url=spec.url,
        method=spec.method.upper(),
        expect_status=spec.statuses,
        body_contains=spec.body_contains,
        json_expression=None if spec.json is None else spec.json.expression,
        json_equals=None if spec.json is None else spec.json.equals,
        headers_secret=spec.headers_secret,
        timeout_s=spec.timeout.total_seconds(),
        max_latency_ms=_plain(spec.max_latency),
        retries=spec.retries,
    )


def _xray(spec: XRayCheck | None) -> XRayProbe:
    assert spec is not None  # the model holds exactly one of http and xray
    return XRayProbe(
        service=spec.service,
        window_s=int(spec.window.total_seconds()),
        min_requests=spec.min_requests,
        max_error_rate=_plain(spec.max_error_rate),
        max_fault_rate=_plain(spec.max_fault_rate),
        max_throttle_rate=_plain(spec.max_throttle_rate),
        max_p95_ms=_plain(spec.max_p95),
        max_average_ms=_plain(spec.max_average),
    )


def _plain(value: float | None) -> float | None:
    """The model's ``Rate`` and ``Milliseconds`` as plain floats."""
    return None if value is None else float(value)
