"""The change ledger as template.yaml deploys it (through the SAM translator, offline): two EventBridge rules on
the default bus that match exactly the events ``bot.changes.parse`` reads, a function that may only append to the
incidents table and read a REST API's name, a failure queue for what it could not file, watched; the ledger's
parameter switches all of it off; and the alarm function may search CloudTrail for the fallback."""

from __future__ import annotations

from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

from bot.changes.parse import API_CALL, RULE_SOURCES, SERVICE_EVENT_WILDCARDS, SERVICE_EVENTS
from tests.functional.test_template import TEMPLATE, translated


def rules(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: r["Properties"]
        for name, r in resources.items()
        if r["Type"] == "AWS::Events::Rule" and "ChangesFunction" in str(r["Properties"]["Targets"])
    }


def statements(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [s for p in resources[role]["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]


@pytest.fixture
def resources(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return translated()["Resources"]


def test_the_rules_match_exactly_what_the_ledger_reads(resources: dict[str, Any]) -> None:
    patterns = {
        name.removeprefix("ChangesFunction"): props["EventPattern"] for name, props in rules(resources).items()
    }
    assert set(patterns) == {"ApiCalls", "ServiceEvents"}
    calls = patterns["ApiCalls"]
    assert calls["detail-type"] == [API_CALL]
    matched = {}
    for branch in calls["$or"]:
        (source,) = branch["source"]
        names = tuple(n["prefix"] if isinstance(n, dict) else n for n in branch["detail"]["eventName"])
        matched[source] = (tuple(branch["detail"]["eventSource"]), names)
    assert matched == {source: ((event_source,), names) for source, (event_source, names) in RULE_SOURCES.items()}
    # the Lambda actions by prefix: CloudTrail appends the API version (UpdateFunctionCode20150331v2)
    lambda_branch = next(b for b in calls["$or"] if b["source"] == ["aws.lambda"])
    assert all(isinstance(n, dict) and set(n) == {"prefix"} for n in lambda_branch["detail"]["eventName"])
    branches = patterns["ServiceEvents"]["$or"]
    kinds = [(source, kind) for b in branches for source in b["source"] for kind in b["detail-type"]]
    assert {(source, kind) for source, kind in kinds if isinstance(kind, str)} == set(SERVICE_EVENTS)
    wildcards = {source: kind["wildcard"] for source, kind in kinds if isinstance(kind, dict)}
    assert wildcards == {source: wildcard for source, (wildcard, _) in SERVICE_EVENT_WILDCARDS.items()}


def test_the_rules_are_on_the_default_bus_and_keep_what_they_cannot_deliver(resources: dict[str, Any]) -> None:
    for props in rules(resources).values():
        assert "EventBusName" not in props  # the default bus: where CloudTrail and the services send
        assert props.get("State", "ENABLED") == "ENABLED"  # write management events; read-only ones are not sent
        (target,) = props["Targets"]
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["ChangesFailureQueue", "Arn"]}}
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 86400}
    config = resources["ChangesFunctionEventInvokeConfig"]["Properties"]
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["ChangesFailureQueue", "Arn"]
    }
    policy = resources["ChangesFailureQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert policy["Principal"] == {"Service": "events.amazonaws.com"} and policy["Action"] == "sqs:SendMessage"


def test_the_ledger_may_append_to_the_incidents_table_and_read_an_apis_name_only(
    resources: dict[str, Any],
) -> None:
    granted = {
        (action, str(s["Resource"]))
        for s in statements(resources, "ChangesFunctionRole")
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert granted == {
        ("dynamodb:UpdateItem", str({"Fn::GetAtt": ["IncidentsTable", "Arn"]})),
        (
            "apigateway:GET",
            str({"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/??????????"}),
        ),
        ("sqs:SendMessage", str({"Fn::GetAtt": ["ChangesFailureQueue", "Arn"]})),
    }
    function = resources["ChangesFunction"]["Properties"]
    assert function["Handler"] == "handlers.changes.lambda_handler"
    assert function["ReservedConcurrentExecutions"] == 5  # a deploy storm waits; alerts keep their concurrency


def test_the_alarm_function_may_search_cloudtrail(resources: dict[str, Any]) -> None:
    (lookup,) = [s for s in statements(resources, "AlarmFunctionRole") if s["Action"] == "cloudtrail:LookupEvents"]
    assert lookup["Resource"] == "*"  # LookupEvents supports no resource-level permissions


def test_the_ledger_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated(ChangeLedger="off")
    ledger = [
        name for name in out["Resources"] if name.startswith("ChangesFunction") or name.startswith("ChangesFail")
    ]
    assert len(ledger) >= 8  # the function, its role, alias, version, two rules and permissions, queue, alarms
    for name in ledger:  # each exists only while the parameter is on
        assert out["Resources"][name].get("Condition") == "ChangeLedgerOn", name
    assert out["Conditions"]["ChangeLedgerOn"] == {"Fn::Equals": [{"Ref": "ChangeLedger"}, "on"]}
    parameter = yaml_parse(TEMPLATE.read_text())["Parameters"]["ChangeLedger"]
    assert parameter["Default"] == "on" and parameter["AllowedValues"] == ["on", "off"]
