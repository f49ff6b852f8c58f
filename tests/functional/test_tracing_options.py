"""The template's tracing options as a function receives them: ``EnableTracing`` and ``Tracer`` → the Globals'
variables (``LOOKOUT_TRACING``, ``LOOKOUT_TRACER``, Powertools' switch) and the functions' tracing mode → the
backend Lookout builds from them; the permission X-Ray needs for either; and, in a fresh interpreter, which
tracing SDK each option imports (off: none)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

from bot.config import Settings
from bot.observability import Telemetry
from bot.tracing import DEFAULT, WORDS
from tests.functional.test_template import TEMPLATE, translated
from tests.support.cfn import resolve

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = [
    # EnableTracing, Tracer → the variables, the functions' tracing mode, the backend Lookout builds
    ("false", "xray-sdk", {"LOOKOUT_TRACING": "false", "POWERTOOLS_TRACE_DISABLED": "true"}, "PassThrough", "off"),
    (
        "false",
        "opentelemetry",
        {"LOOKOUT_TRACING": "false", "POWERTOOLS_TRACE_DISABLED": "true"},
        "PassThrough",
        "off",
    ),
    ("true", "xray-sdk", {"LOOKOUT_TRACING": "true", "POWERTOOLS_TRACE_DISABLED": "false"}, "Active", "xray-sdk"),
    (
        "true",
        "opentelemetry",
        {"LOOKOUT_TRACING": "true", "POWERTOOLS_TRACE_DISABLED": "true"},
        "Active",
        "opentelemetry",
    ),
]


def template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(TEMPLATE.read_text())
    return parsed


@pytest.mark.parametrize(("enable", "tracer", "variables", "mode", "backend"), OPTIONS)
def test_the_parameters_reach_the_functions_as_the_backend_they_name(
    monkeypatch: pytest.MonkeyPatch, enable: str, tracer: str, variables: dict[str, str], mode: str, backend: str
) -> None:
    # GIVEN the stack's parameters
    parameters = {"EnableTracing": enable, "Tracer": tracer, "AWS::StackName": "lookout"}
    globals_ = template()["Globals"]["Function"]

    # WHEN CloudFormation resolves the Globals every function gets (their tracing variables)
    variables_ = globals_["Environment"]["Variables"]
    env = {k: resolve(v, template(), parameters) for k, v in variables_.items() if "TRAC" in k}

    # THEN the variables say it, the functions' tracing is Active whenever Lookout traces (X-Ray receives the
    # segments of either backend only then), and the settings built from them pick the backend named
    assert {k: env[k] for k in variables} == variables
    assert env["LOOKOUT_TRACER"] == tracer
    assert resolve(globals_["Tracing"], template(), parameters) == mode
    for name, value in env.items():  # a function's environment, as its handler module reads it at init
        monkeypatch.setenv(name, value)
    assert Telemetry(Settings.from_env()).tracing_backend == backend


def test_the_template_offers_the_backends_the_code_knows_and_defaults_as_the_code_does() -> None:
    parameters = template()["Parameters"]
    assert parameters["EnableTracing"]["Default"] == "false"
    assert parameters["Tracer"]["Default"] == DEFAULT
    assert set(parameters["Tracer"]["AllowedValues"]) == set(WORDS.values())


@pytest.mark.parametrize("tracer", ["xray-sdk", "opentelemetry"])
def test_every_function_may_send_traces_to_x_ray_with_either_backend(
    monkeypatch: pytest.MonkeyPatch, tracer: str
) -> None:
    # GIVEN tracing on: the X-Ray SDK's segments (PutTraceSegments, through Lambda's daemon) and the OTLP
    # endpoint's spans are both authorized as xray:PutTraceSegments — in AWSXrayWriteOnlyAccess, which SAM gives
    # a function whose tracing it sets
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    resources = translated(EnableTracing="true", Tracer=tracer)["Resources"]
    functions = {name: r for name, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    assert functions
    for name, function in functions.items():
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        arns = resources[role]["Properties"].get("ManagedPolicyArns", [])
        assert "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess" in arns, name


PROBE = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
import handlers.alarm
class Context:
    function_name = "lookout-alarm"; memory_limit_in_mb = 1024; aws_request_id = "probe"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lookout-alarm"
telemetry = handlers.alarm.TELEMETRY
def work(event, context):
    with telemetry.span("## slack"):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(telemetry.in_thread("## enrich", lambda: event)).result()
telemetry.wrap_handler(work)({}, Context())
loaded = {
    "xray": "aws_xray_sdk" in sys.modules,
    "opentelemetry": any(m == "opentelemetry" or m.startswith("opentelemetry.") for m in sys.modules),
}
print(json.dumps({"backend": telemetry.tracing_backend, "loaded": loaded}))
"""


@pytest.mark.parametrize(
    ("tracing", "tracer", "backend", "loaded"),
    [
        ("false", "opentelemetry", "off", set()),
        ("false", "xray-sdk", "off", set()),
        ("true", "xray-sdk", "xray-sdk", {"xray"}),
        ("true", "opentelemetry", "opentelemetry", {"opentelemetry"}),
    ],
)
def test_each_option_imports_its_own_sdk_and_off_imports_none(
    tracing: str, tracer: str, backend: str, loaded: set[str]
) -> None:
    # GIVEN a fresh interpreter with the option's variables, the alarm handler imported (its init) and its
    # telemetry's spans used
    env = {
        **os.environ,
        "LOOKOUT_TRACING": tracing,
        "LOOKOUT_TRACER": tracer,
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr

    # THEN the backend is the one named, and of the tracing SDKs only its own is loaded
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["backend"] == backend
    assert {name for name, present in found["loaded"].items() if present} == loaded
