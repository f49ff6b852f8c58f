"""handlers/changes.py as the template deploys it (``INCIDENTS_TABLE``; moto's DynamoDB and API Gateway): a rule's
event becomes a change filed in the ledger, under the REST API's name too; a call the ledger does not keep is
counted and answered; an event it cannot read is logged whole, counted and raised — Lambda retries it and the
failure queue keeps it: nothing is lost."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from bot.changes import UnknownChange
from local.lambda_runtime import LambdaContext
from local.stack import environment
from tests.support.lifecycle import incidents_table

if TYPE_CHECKING:
    from collections.abc import Iterator

TABLE = "lookout-incidents"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "changes"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def handler() -> Iterator[Any]:
    with mock_aws():
        incidents_table(TABLE)
        env = {"INCIDENTS_TABLE": TABLE, "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "lookout"}
        with environment(env):
            yield importlib.reload(importlib.import_module("handlers.changes"))


def envelope(record: dict[str, Any], source: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "9a1b2c3d-0000-4000-8000-000000000002",
        "detail-type": "AWS API Call via CloudTrail",
        "source": source,
        "account": record["recipientAccountId"],
        "time": record["eventTime"],
        "region": record["awsRegion"],
        "resources": [],
        "detail": record,
    }


def test_a_rules_event_is_filed_and_a_repeat_is_not_filed_again(handler: Any) -> None:
    event = fixture("envelope_lambda_update_function_code.json")
    first = handler.lambda_handler(event, LambdaContext("lookout-changes"))
    again = handler.lambda_handler(event, LambdaContext("lookout-changes"))
    assert first["filed"] == ["lambda:stratus-red-team-olc-func-vayhjqkdav"] and first["duplicate"] == []
    assert again["filed"] == [] and again["duplicate"] == first["filed"]
    at = datetime(2024, 8, 1, 13, 52, 2, tzinfo=UTC)
    window = handler.LEDGER.read(first["filed"], at - timedelta(minutes=1), at)
    assert [c.id for c in window.items] == ["4672b74f-2466-4784-b3fb-5b4db904a995"]


def test_a_rest_apis_deployment_is_filed_under_its_id_and_its_name(handler: Any) -> None:
    # GIVEN a REST API (moto picks its id) and the recorded CreateDeployment of it, by that id
    api = boto3.client("apigateway", region_name="us-east-1").create_rest_api(name="orders")
    page = fixture("recorded_lookup_events_apigateway_page.json")
    record = json.loads(page["Events"][3]["CloudTrailEvent"].replace("67ge356u6d", api["id"]))
    # WHEN EventBridge delivers it
    out = handler.lambda_handler(envelope(record, "aws.apigateway"), LambdaContext("lookout-changes"))
    # THEN the alarm's ApiName finds it, as does an ApiId or the CloudTrail fallback
    assert out["filed"] == [f"apigateway:{api['id']}", "apigateway:orders"]


def test_an_http_apis_change_stays_under_its_id(handler: Any) -> None:
    record = fixture("shaped_apigatewayv2_update_stage.json")
    out = handler.lambda_handler(envelope(record, "aws.apigateway"), LambdaContext("lookout-changes"))
    assert out["filed"] == ["apigateway:a1b2c3d4e5"]


def test_a_call_the_ledger_does_not_keep_is_counted_and_answered(
    handler: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    record = fixture("docs_lambda_delete_function.json")
    out = handler.lambda_handler(envelope(record, "aws.lambda"), LambdaContext("lookout-changes"))
    assert out == {"ignored": "DeleteFunction is not a change the ledger keeps"}
    assert '"ChangeEventsIgnored"' in capsys.readouterr().out


def test_an_event_it_cannot_read_is_logged_whole_counted_and_raised(
    handler: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    event = fixture("envelope_unknown_detail_type.json")
    with pytest.raises(UnknownChange, match="no reader for aws.ec2 events"):
        handler.lambda_handler(event, LambdaContext("lookout-changes"))
    assert '"ChangeEventsRefused"' in capsys.readouterr().out
    (record,) = [r for r in caplog.records if r.getMessage() == "change event refused"]
    assert json.loads(record.event) == event  # type: ignore[attr-defined]  # whole, to replay once it is read


def test_a_rest_api_name_that_cannot_be_read_leaves_the_change_under_its_id(
    handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.stub import Stubber

    from bot.changes.apinames import RestApiNames

    client = boto3.client("apigateway", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error("get_rest_api", "AccessDeniedException", "not authorized", 403)
    monkeypatch.setattr(handler, "API_NAMES", RestApiNames(client))
    page = fixture("recorded_lookup_events_apigateway_page.json")
    record = json.loads(page["Events"][1]["CloudTrailEvent"])
    with stubber:
        out = handler.lambda_handler(envelope(record, "aws.apigateway"), LambdaContext("lookout-changes"))
    assert out["filed"] == ["apigateway:67ge356u6d"]  # the card still finds it by id, or through CloudTrail
