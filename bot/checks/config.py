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
          timeout: 5s                       # default 5s
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

No header value ever lives in the file: ``headers_secret`` names a secret, read at run time.
Not for: running checks (``bot.checks.http``, ``bot.checks.xray``) or their state (``bot.checks.state``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.queries.params import ParameterError, parse_duration

if TYPE_CHECKING:
    from pathlib import Path

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
XRAY_LIMITS = ("max_error_rate", "max_fault_rate", "max_throttle_rate", "max_p95", "max_average")


class CheckConfigError(ValueError):
    """The checks file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class HttpProbe:
    url: str
    method: str = "GET"
    expect_status: tuple[int, ...] = (200,)
    body_contains: str | None = None
    json_expression: str | None = None
    json_equals: Any = None
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
    """The checks of ``path``; none when the file does not exist."""
    import yaml

    if not path.exists():
        return ()
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise CheckConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("checks", []), list):
        raise CheckConfigError(f"{path}: expected checks: [ … ] at the top level")
    checks = [_check(spec, f"{path}: checks[{i}]") for i, spec in enumerate(raw.get("checks") or [])]
    seen: set[str] = set()
    for check in checks:
        if check.name in seen:
            raise CheckConfigError(f"{path}: check {check.name} is defined twice")
        seen.add(check.name)
    return tuple(checks)


def _check(spec: Any, where: str) -> Check:
    if not isinstance(spec, dict):
        raise CheckConfigError(f"{where}: expected a mapping with name and http or xray")
    name = str(spec.get("name", ""))
    if not _NAME.fullmatch(name):
        raise CheckConfigError(f"{where}.name: {name!r} is not a valid name (lower case, digits, -)")
    where = f"{where.rsplit(':', 1)[0]}: check {name}"
    kinds = [k for k in ("http", "xray") if k in spec]
    if len(kinds) != 1:
        raise CheckConfigError(f"{where}: give exactly one of http or xray")
    probe = _http(spec["http"], f"{where}.http") if kinds[0] == "http" else _xray(spec["xray"], f"{where}.xray")
    every = _seconds(spec.get("every", "1m"), f"{where}.every")
    if every % 60 or every > 24 * 3600:
        raise CheckConfigError(f"{where}.every: whole minutes up to 24h, got {spec.get('every')!r}")
    fail_after = _int(spec.get("fail_after", 2), f"{where}.fail_after", 1, 100)
    regions = tuple(str(r) for r in _list(spec.get("regions") or [], f"{where}.regions"))
    for region in regions:
        if not _REGION.fullmatch(region):
            raise CheckConfigError(f"{where}.regions: {region!r} is not a region code")
    tags = spec.get("tags") or {}
    if not isinstance(tags, dict):
        raise CheckConfigError(f"{where}.tags: expected a mapping of tag keys to values")
    return Check(
        name,
        probe,
        every_min=every // 60,
        fail_after=fail_after,
        regions=regions,
        description=str(spec.get("description") or ""),
        tags=tuple((str(k), str(v)) for k, v in tags.items()),
    )


def _http(spec: Any, where: str) -> HttpProbe:
    if not isinstance(spec, dict):
        raise CheckConfigError(f"{where}: expected a mapping with url")
    allowed = {"url", "method", "expect_status", "body_contains", "json", "headers_secret", "headers"}
    allowed |= {"timeout", "max_latency", "retries"}
    if "headers" in spec:
        raise CheckConfigError(f"{where}.headers: header values never go in the file; use headers_secret")
    unknown = set(spec) - allowed
    if unknown:
        raise CheckConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    url = str(spec.get("url", ""))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CheckConfigError(f"{where}.url: an http(s) URL, got {url!r}")
    method = str(spec.get("method", "GET")).upper()
    if method not in _METHODS:
        raise CheckConfigError(f"{where}.method: one of {', '.join(_METHODS)}, got {method!r}")
    statuses = tuple(
        _int(s, f"{where}.expect_status", 100, 599) for s in _list(spec.get("expect_status", [200]), where)
    )
    json_spec = spec.get("json")
    expression, equals = None, None
    if json_spec is not None:
        if not isinstance(json_spec, dict) or "expression" not in json_spec or "equals" not in json_spec:
            raise CheckConfigError(f"{where}.json: expected {{expression: <JMESPath>, equals: <value>}}")
        import jmespath
        from jmespath.exceptions import ParseError

        try:
            jmespath.compile(str(json_spec["expression"]))
        except ParseError as error:
            raise CheckConfigError(f"{where}.json.expression: not JMESPath: {error}") from None
        expression, equals = str(json_spec["expression"]), json_spec["equals"]
    timeout = _seconds(spec.get("timeout", "5s"), f"{where}.timeout")
    latency = spec.get("max_latency")
    return HttpProbe(
        url=url,
        method=method,
        expect_status=statuses,
        body_contains=None if spec.get("body_contains") is None else str(spec["body_contains"]),
        json_expression=expression,
        json_equals=equals,
        headers_secret=None if spec.get("headers_secret") is None else str(spec["headers_secret"]),
        timeout_s=float(min(timeout, 30)),
        max_latency_ms=None if latency is None else _milliseconds(latency, f"{where}.max_latency"),
        retries=_int(spec.get("retries", 0), f"{where}.retries", 0, 5),
    )


def _xray(spec: Any, where: str) -> XRayProbe:
    if not isinstance(spec, dict) or not spec.get("service"):
        raise CheckConfigError(f"{where}: expected a mapping with service")
    unknown = set(spec) - {"service", "window", "min_requests", *XRAY_LIMITS}
    if unknown:
        raise CheckConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if not any(spec.get(limit) is not None for limit in XRAY_LIMITS):
        raise CheckConfigError(f"{where}: give at least one of {', '.join(XRAY_LIMITS)}")
    window = _seconds(spec.get("window", "5m"), f"{where}.window")
    if not 60 <= window <= 6 * 3600:
        raise CheckConfigError(f"{where}.window: from 1m to 6h (GetServiceGraph's range), got {spec['window']!r}")

    def rate(key: str) -> float | None:
        return None if spec.get(key) is None else _fraction(spec[key], f"{where}.{key}")

    def ms(key: str) -> float | None:
        return None if spec.get(key) is None else _milliseconds(spec[key], f"{where}.{key}")

    return XRayProbe(
        service=str(spec["service"]),
        window_s=window,
        min_requests=_int(spec.get("min_requests", 1), f"{where}.min_requests", 1, 10**9),
        max_error_rate=rate("max_error_rate"),
        max_fault_rate=rate("max_fault_rate"),
        max_throttle_rate=rate("max_throttle_rate"),
        max_p95_ms=ms("max_p95"),
        max_average_ms=ms("max_average"),
    )


def _seconds(value: Any, where: str) -> int:
    try:
        return int(parse_duration(str(value)).total_seconds())
    except ParameterError as error:
        raise CheckConfigError(f"{where}: {error}") from None


def _milliseconds(value: Any, where: str) -> float:
    text = str(value).strip().lower()
    if text.endswith("ms") and text[:-2].strip().replace(".", "", 1).isdigit():
        return float(text[:-2])
    return float(_seconds(text, where) * 1000)


def _fraction(value: Any, where: str) -> float:
    text = str(value).strip()
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise CheckConfigError(f"{where}: a rate such as 5% or 0.05, got {value!r}") from None
    if not 0 <= number <= 1:
        raise CheckConfigError(f"{where}: a rate between 0% and 100%, got {value!r}")
    return number


def _int(value: Any, where: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise CheckConfigError(f"{where}: a whole number from {low} to {high}, got {value!r}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str | int):
        return [value]
    raise CheckConfigError(f"{where}: expected a list")
