"""The tracing switch: ``LOOKOUT_TRACING`` turns tracing on, ``LOOKOUT_TRACER`` picks the backend (the template's
``EnableTracing`` and ``Tracer``); a package built without the OpenTelemetry SDK traces nothing rather than
failing its alerts. What each option imports, in a fresh interpreter: tests/functional/test_tracing_options.py."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from bot.config import ConfigError, Settings
from bot.observability import Telemetry
from bot.tracing import backend_for


class Context:
    function_name = "lookout-alarm"
    memory_limit_in_mb = 1024
    aws_request_id = "6f7e1a7c-2a4b-4c39-9b1e-5d1d2c3b4a59"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lookout-alarm"


@pytest.mark.parametrize(
    ("enabled", "choice", "expected"),
    [
        (False, None, "off"),
        (False, "opentelemetry", "off"),
        (False, "xray-sdk", "off"),
        (True, None, "xray-sdk"),
        (True, "", "xray-sdk"),
        (True, "xray-sdk", "xray-sdk"),
        (True, " XRay ", "xray-sdk"),
        (True, "opentelemetry", "opentelemetry"),
        (True, "otel", "opentelemetry"),
    ],
)
def test_the_switch_and_the_choice_pick_the_backend(enabled: bool, choice: str | None, expected: str) -> None:
    assert backend_for(enabled, choice) == expected


@pytest.mark.parametrize("enabled", [True, False])
def test_a_tracer_that_is_neither_backend_is_a_configuration_error_even_while_off(enabled: bool) -> None:
    with pytest.raises(ConfigError, match=r"LOOKOUT_TRACER='jaeger': use xray-sdk or opentelemetry"):
        backend_for(enabled, "jaeger")


def test_telemetry_takes_the_tracer_the_environment_names() -> None:
    environment = {"LOOKOUT_TRACING": "true", "LOOKOUT_TRACER": "opentelemetry"}
    assert Telemetry(Settings.from_env(environment)).tracing_backend == "opentelemetry"
    assert Telemetry(Settings.from_env({**environment, "LOOKOUT_TRACING": "false"})).tracing_backend == "off"
    assert Telemetry(Settings(tracing=True), tracer="xray-sdk").tracing_backend == "xray-sdk"  # named wins


def test_the_cli_traces_nothing_whatever_the_switch_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOKOUT_TRACER", "opentelemetry")
    telemetry = Telemetry.for_cli(Settings(tracing=True))
    assert telemetry.tracing_backend == "off"
    assert telemetry.tracer is None


def test_a_package_without_the_opentelemetry_sdk_traces_nothing_and_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a package built without the otel extra: the OpenTelemetry SDK cannot be imported
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    monkeypatch.delitem(sys.modules, "bot.tracing.otel", raising=False)
    telemetry = Telemetry(Settings(tracing=True), tracer="opentelemetry")

    # WHEN the handler is wrapped and does its work
    def handler(event: dict[str, Any], context: Any) -> int:
        with telemetry.span("## slack"):
            return int(telemetry.in_thread("## enrich", lambda n: n * 2)(event["n"]))

    # THEN the work is done, untraced, and the log says what is missing
    assert telemetry.wrap_handler(handler)({"n": 21}, Context()) == 42
    assert telemetry.traces.backend == "off"
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "tracing off: LOOKOUT_TRACER=opentelemetry needs opentelemetry in the package (pip install 'lookout[otel]')"
    ]
