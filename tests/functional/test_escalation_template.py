"""template.yaml's escalation: the parameters (off by default), the topic and its output, and the settings and
permissions of the functions that index an opening (alarm, checks) and take the steps (the checks function's
minute tick)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from samtranslator.yaml_helper import yaml_parse

from tests.functional.test_template import TEMPLATE, statements, translated

if TYPE_CHECKING:
    import pytest

SETTINGS = {"LOOKOUT_ESCALATE_AFTER", "LOOKOUT_ESCALATE_PAGE_AFTER", "LOOKOUT_ESCALATE_TO"}


def test_escalation_is_off_by_default_and_its_parameters_refuse_what_the_code_refuses() -> None:
    parameters = yaml_parse(TEMPLATE.read_text())["Parameters"]
    assert parameters["EscalateAfter"]["Default"] == "never"
    assert "EnableChecks" in parameters["EscalateAfter"]["Description"]  # the minute tick takes the steps
    for name, good, bad in (
        ("EscalateAfter", ["never", "15m", "1h"], ["", "15", "soon"]),
        ("EscalatePageAfter", ["", "10m"], ["never", "10"]),
        (
            "EscalateTo",
            ["", "S0PAYLEADS", "S0PAYLEADS,U0BOSS001", "S0PAYLEADS U0BOSS001"],
            ["@leads", "<!channel>"],
        ),
    ):
        pattern = parameters[name]["AllowedPattern"]
        assert all(re.fullmatch(pattern, value) for value in good), name
        assert not any(re.fullmatch(pattern, value) for value in bad), name


def test_the_checks_function_pages_only_the_escalation_topic_and_both_openers_know_the_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated(EscalateAfter="15m", EscalateTo="S0PAYLEADS")
    resources = out["Resources"]
    assert resources["EscalationTopic"]["Type"] == "AWS::SNS::Topic"
    assert out["Outputs"]["EscalationTopicArn"]["Value"] == {"Ref": "EscalationTopic"}
    checks = resources["ChecksFunction"]["Properties"]["Environment"]["Variables"]
    assert checks["ESCALATION_TOPIC_ARN"] == {"Ref": "EscalationTopic"} and checks.keys() >= SETTINGS
    alarms = resources["AlarmFunction"]["Properties"]["Environment"]["Variables"]
    assert alarms.keys() >= SETTINGS and "ESCALATION_TOPIC_ARN" not in alarms  # it indexes, never pages
    granted = statements(out, "ChecksFunctionRole")
    publish = [s for s in granted if "sns:Publish" in json.dumps(s["Action"])]
    assert publish == [
        {
            "Sid": "EscalationPages",
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": {"Ref": "EscalationTopic"},
        }
    ]
    table = next(s for s in granted if s.get("Sid") == "IncidentsAndStandings")
    assert "dynamodb:BatchGetItem" in table["Action"]  # the index's minutes in one call
    assert not any("sns:Publish" in json.dumps(s["Action"]) for s in statements(out, "AlarmFunctionRole"))
