"""The change ledger's readers on real event shapes (``tests/fixtures/changes``, ``SOURCES.md`` there): each event
becomes the change it records — the resource as the alarm and X-Ray name it, what changed (old → new where the
event says), who, when, where, a console link — with the expected values read from the event as its service
documents it, not from the code. Events the rule would not match, or that are malformed, are refused with a
message that names what is wrong; failed calls and calls the ledger does not keep are ignored, never filed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.changes import Change, Diff, Ignored, UnknownChange
from bot.changes.parse import parse_event, parse_lookup_event, parse_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "changes"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def change_of(name: str) -> Change:
    event = fixture(name)
    parsed = parse_event(event) if "detail-type" in event else parse_record(event)
    assert isinstance(parsed, Change), parsed
    return parsed


def diffs(change: Change) -> dict[str, tuple[str | None, str | None]]:
    return {d.name: (d.old, d.new) for d in change.diffs}


def test_a_recorded_code_update_names_the_function_its_new_code_and_who() -> None:
    # GIVEN Stratus Red Team's recorded UpdateFunctionCode20150331v2 (publish: true)
    change = change_of("recorded_lambda_update_function_code.json")
    # THEN the version suffix is gone, the function is its FunctionName dimension, the answer's sha and version
    assert change.action == "UpdateFunctionCode" and change.service == "lambda"
    assert change.resource == "stratus-red-team-olc-func-vayhjqkdav"
    assert change.resources == ("lambda:stratus-red-team-olc-func-vayhjqkdav",)
    assert diffs(change) == {
        "code sha256": (None, "Pt1c8vVaBygmNtAeSyjlpdy7r8nHRqJAAL++HEGlQkc="),
        "published version": (None, "1"),
    }
    assert change.who == "arn:aws:iam::266106314375:user/christophe" and change.principal == "user/christophe"
    assert change.at == datetime(2024, 8, 1, 13, 52, 2, tzinfo=UTC)
    assert change.id == "4672b74f-2466-4784-b3fb-5b4db904a995"
    assert (change.region, change.account) == ("ap-westeast-2r", "266106314375")
    assert change.link == ""  # the recording's region was anonymized to one that does not exist: no invented link
    assert dict(change.settings)["memory"] == "128" and dict(change.settings)["timeout"] == "3"


def test_a_recorded_configuration_update_names_what_the_request_set() -> None:
    change = change_of("recorded_lambda_update_function_configuration.json")
    assert change.action == "UpdateFunctionConfiguration"
    assert change.resources == ("lambda:stratus-red-team-lambda-layer-simpleLambda",)
    # the request set the layers (and an empty environment, which CloudTrail shows without values: not a change)
    assert diffs(change) == {"layers": (None, "stratus-red-team-lambda-layer-my-lambda-extension:1")}
    assert dict(change.settings)["timeout"] == "20" and dict(change.settings)["runtime"] == "python3.10"


def test_the_same_record_in_eventbridges_envelope_is_the_same_change() -> None:
    wrapped = change_of("envelope_lambda_update_function_code.json")
    assert wrapped == change_of("recorded_lambda_update_function_code.json")


def test_a_published_version_an_alias_and_reserved_concurrency() -> None:
    version = change_of("shaped_lambda_publish_version.json")
    assert (version.action, version.resource) == ("PublishVersion", "my-function")
    assert diffs(version)["version"] == (None, "3")
    assert version.principal == "deploy-role/gha-run-42"
    assert version.issuer == "arn:aws:iam::123456789012:role/deploy-role"
    assert version.link == "https://console.aws.amazon.com/lambda/home?region=us-west-2#/functions/my-function"

    alias = change_of("shaped_lambda_update_alias.json")
    assert (alias.action, alias.resource, alias.resources) == (
        "UpdateAlias",
        "my-function:LIVE",
        ("lambda:my-function",),
    )
    assert diffs(alias) == {"alias LIVE": (None, "3")}
    assert alias.settings == (("alias LIVE", "3"),)  # the ledger names the old version from the last one it saw

    concurrency = change_of("shaped_lambda_put_function_concurrency.json")
    assert concurrency.action == "PutFunctionConcurrency"
    assert diffs(concurrency) == {"reserved concurrency": (None, "1")}
    assert concurrency.summary == "PutFunctionConcurrency checkout-function: reserved concurrency 1"


def test_dynamodb_says_old_and_new_capacity_in_the_event() -> None:
    # GIVEN the DynamoDB Developer Guide's UpdateTable record: the answer describes the table before the update
    change = change_of("docs_dynamodb_update_table.json")
    assert (change.resource, change.resources) == ("Music", ("dynamodb:Music",))
    assert diffs(change) == {"read capacity": ("10", "25"), "write capacity": ("10", "25")}
    assert change.summary == "UpdateTable Music: read capacity 10 → 25, write capacity 10 → 25"
    assert change.principal == "users/bob" and change.issuer == "arn:aws:iam::444455556666:role/admin-role"
    assert change.link == "https://console.aws.amazon.com/dynamodbv2/home?region=us-west-2#table?name=Music"


def test_recorded_api_gateway_deployments_from_a_lookup_events_answer() -> None:
    # GIVEN a recorded LookupEvents page: four CreateDeployment and two CreateStage events of one REST API
    page = fixture("recorded_lookup_events_apigateway_page.json")
    parsed = [parse_lookup_event(event) for event in page["Events"]]
    kept = [c for c in parsed if isinstance(c, Change)]
    assert [type(p).__name__ for p in parsed] == ["Ignored", "Change", "Change", "Change", "Ignored", "Change"]
    # THEN each deployment is the API's (CloudTrail's id), its stage when the request named one
    assert {c.resources for c in kept} == {("apigateway:67ge356u6d",)}
    assert [(c.resource, diffs(c)) for c in kept] == [
        ("67ge356u6d", {"deployment": (None, "6gejpe")}),
        ("67ge356u6d", {"deployment": (None, "3f9ic5")}),
        ("67ge356u6d/test", {"stage test deployment": (None, "udvyux")}),
        ("67ge356u6d", {"deployment": (None, "cz3mkw")}),
    ]
    assert kept[2].id == "0eaeb784-b095-4d4d-9f84-65a01192bd01"  # the record's eventID is LookupEvents' EventId
    assert kept[2].principal.startswith("AWSReservedSSO_Synectiks-dev-API-developers_4972de7308bc000a/")


def test_a_stage_update_keeps_stage_variables_by_name_only() -> None:
    change = change_of("shaped_apigateway_update_stage.json")
    assert (change.action, change.resource) == ("UpdateStage", "1234123412/dev")
    assert diffs(change) == {
        "stage dev deployment": (None, "5ubd17"),
        "full request/response logging": (None, "true"),
        "stage variable dbPassword replace (value not kept)": (None, None),
    }
    assert "hunter2" not in json.dumps([d.__dict__ for d in change.diffs])
    assert change.settings == (("stage dev deployment", "5ubd17"),)


def test_an_http_api_stage_update() -> None:
    change = change_of("shaped_apigatewayv2_update_stage.json")
    assert change.resources == ("apigateway:a1b2c3d4e5",)
    assert (
        change.link == "https://console.aws.amazon.com/apigateway/main/api-detail?api=a1b2c3d4e5&region=us-east-1"
    )
    assert list(diffs(change)) == ["route settings"]


def test_an_ecs_service_update_says_which_task_definition_it_replaced() -> None:
    change = change_of("shaped_ecs_update_service.json")
    assert (change.resource, change.resources) == ("default/my-http-service", ("ecs:my-http-service",))
    assert diffs(change) == {"task definition": ("amazon-ecs-sample:1", "amazon-ecs-sample:2")}


@pytest.mark.parametrize(
    ("name", "action", "reason"),
    [
        ("docs_ecs_deployment_failed.json", "SERVICE_DEPLOYMENT_FAILED", "task failed to start."),
        ("docs_ecs_deployment_rollback_in_progress.json", "SERVICE_DEPLOYMENT_IN_PROGRESS", "rolling back to"),
    ],
)
def test_ecs_deployment_state_changes(name: str, action: str, reason: str) -> None:
    change = change_of(name)
    assert (change.action, change.resource, change.resources) == (
        action,
        "default/servicetest",
        ("ecs:servicetest",),
    )
    assert diffs(change)["deployment"] == (None, "ecs-svc/123") and reason in str(diffs(change)["reason"][1])
    assert change.via == "ecs.amazonaws.com" and change.who == ""
    assert change.at == datetime(2020, 5, 23, 12, 31, 14, tzinfo=UTC)


def test_a_parameter_write_keeps_no_value_and_says_the_version_it_replaced() -> None:
    change = change_of("recorded_ssm_put_parameter.json")
    assert change.resources == ("ssm:/forensic-drill/mandate04-23228",)  # no account in the record: no feed key
    assert diffs(change) == {"version": (None, "1"), "type": (None, "String"), "tier": (None, "Standard")}
    assert "HIDDEN" not in json.dumps([d.__dict__ for d in change.diffs])
    # AND a later version names the one before it (Parameter Store increments by one)
    record = fixture("recorded_ssm_put_parameter.json")
    record["responseElements"]["version"] = 4
    record["requestParameters"]["value"] = "s3cr3t-from-a-test"
    later = parse_event(envelope(record, "aws.ssm"))
    assert isinstance(later, Change) and diffs(later)["version"] == ("3", "4")
    assert later.resources == ("ssm:/forensic-drill/mandate04-23228", "account:511825856493")
    assert "s3cr3t" not in repr(later)


def test_appconfig_deployments_from_cloudtrail_and_from_the_extension() -> None:
    started = change_of("shaped_appconfig_start_deployment.json")
    assert started.resources == ("appconfig:339ohji", "account:123456789012")
    assert diffs(started)["configuration Example-Configuration-Profile version in 54j1r29"] == (None, "1")

    done = change_of("docs_appconfig_on_deployment_complete.json")
    assert (done.action, done.resource) == ("On Deployment Complete", "MyApp/MyEnv")
    assert done.resources == ("appconfig:ba8toh7", "appconfig:MyApp", "account:111122223333")
    assert diffs(done) == {
        "configuration MyConfigProfile version in MyEnv": (None, "1"),
        "deployment": (None, "1"),
    }


def test_a_stack_status_change() -> None:
    change = change_of("docs_cloudformation_stack_status_change.json")
    assert (change.action, change.resource) == ("CREATE_COMPLETE", "teststack")
    assert change.resources == ("cloudformation:teststack", "account:111122223333")
    assert diffs(change) == {"status": (None, "CREATE_COMPLETE")}
    assert change.id == "6a7e8feb-b491-4cf7-a9f1-bf3703467718"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("docs_lambda_delete_function.json", "DeleteFunction is not a change the ledger keeps"),
        ("recorded_lambda_add_permission.json", "AddPermission20150331v2 is not a change the ledger keeps"),
    ],
)
def test_lambda_calls_the_ledger_does_not_keep_are_ignored(name: str, reason: str) -> None:
    assert parse_record(fixture(name)) == Ignored(reason)


def test_a_failed_call_changed_nothing() -> None:
    record = fixture("recorded_lambda_update_function_code.json")
    record["errorCode"] = "AccessDeniedException"
    assert parse_record(record) == Ignored("UpdateFunctionCode failed (AccessDeniedException): nothing changed")


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "an EventBridge event is a JSON object, not list"),
        ({"source": "aws.lambda"}, "not an EventBridge event: it lacks source, detail-type or a detail object"),
        (
            fixture("envelope_unknown_detail_type.json"),
            "no reader for aws.ec2 events of detail-type 'EC2 Instance State-change Notification'",
        ),
        (
            {
                **fixture("envelope_lambda_update_function_code.json"),
                "detail": {"eventSource": "lambda.amazonaws.com"},
            },
            "the CloudTrail record has no eventID, eventName, eventTime",
        ),
        (
            {
                **fixture("docs_cloudformation_stack_status_change.json"),
                "detail": {"status-details": {"status": "UPDATE_COMPLETE"}},
            },
            "lacks detail.stack-id",
        ),
        ({**fixture("docs_ecs_deployment_failed.json"), "resources": []}, "names no service in resources"),
        ({**fixture("docs_ecs_deployment_failed.json"), "time": "yesterday"}, "'yesterday' is not a time"),
    ],
)
def test_what_the_ledger_cannot_read_is_refused_with_a_reason(event: Any, message: str) -> None:
    with pytest.raises(UnknownChange, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        parse_event(event)


def test_a_record_of_a_service_the_ledger_does_not_read_is_refused() -> None:
    record = {**fixture("docs_lambda_delete_function.json"), "eventSource": "s3.amazonaws.com"}
    with pytest.raises(UnknownChange, match=r"no reader for CloudTrail events of s3\.amazonaws\.com"):
        parse_record(record)


def test_a_lookup_event_that_is_not_json_is_refused() -> None:
    with pytest.raises(UnknownChange, match="is not JSON"):
        parse_lookup_event({"EventId": "e-1", "CloudTrailEvent": "{not json"})


def test_secrets_in_outside_text_are_redacted_before_they_are_kept() -> None:
    # GIVEN a configuration update whose description carries a credential
    record = fixture("recorded_lambda_update_function_configuration.json")
    record["requestParameters"]["description"] = "rotated password=hunter2 for the db"
    change = parse_record(record)
    assert isinstance(change, Change)
    assert diffs(change)["description"] == (None, "rotated password=[REDACTED] for the db")


def test_a_diff_describes_itself() -> None:
    assert Diff("memory", "1024", "512").describe() == "memory 512 → 1024"
    assert Diff("memory", "1024").describe() == "memory 1024"
    assert (
        Diff("environment variables (values not logged)", None).describe()
        == "environment variables (values not logged)"
    )


def envelope(record: dict[str, Any], source: str) -> dict[str, Any]:
    """EventBridge's envelope of an "AWS API Call via CloudTrail" event (EventBridge User Guide)."""
    return {
        "version": "0",
        "id": "0d0a8f4e-0000-4000-8000-000000000001",
        "detail-type": "AWS API Call via CloudTrail",
        "source": source,
        "account": "511825856493",
        "time": record["eventTime"],
        "region": record["awsRegion"],
        "resources": [],
        "detail": record,
    }
