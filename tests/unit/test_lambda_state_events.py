"""Lambda's own function state events on the change ledger (``bot.changes.sources.lambda_states``). AWS documents
that they exist and what rules match on (the function ARN with its version, the ``detail-type``, the state) but no
example could be had here, and public code names them two ways: so the reader is held to what the documentation
says and to both namings (``tests/fixtures/changes/SOURCES.md``: the ``shaped_lambda_function_state_*`` events,
their field names unverified). Expected values are read from the events, not from the code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.changes import Change, UnknownChange
from bot.changes.parse import parse_event

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "changes"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def read(event: dict[str, Any]) -> Change:
    change = parse_event(event)
    assert isinstance(change, Change), change
    return change


def test_a_failed_update_is_filed_under_its_function_with_what_the_event_says() -> None:
    change = read(fixture("shaped_lambda_function_state_update_failed.json"))
    assert (change.service, change.resource, change.resources) == (
        "lambda",
        "orders-api:$LATEST",
        ("lambda:orders-api",),
    )
    assert [(d.name, d.new) for d in change.diffs] == [
        ("state", "Active"),
        ("last update status", "Failed"),
        ("last update status reason", "The subnet ID 'subnet-0a1b2c3d' does not exist"),
        ("last update status reason code", "InvalidSubnet"),
    ]  # runtime is not a state: not shown
    assert change.at == datetime(2026, 10, 2, 11, 52, 7, tzinfo=UTC)
    assert (change.id, change.region, change.account) == (
        "3f1c2a94-5d0e-4b7e-9a51-0c7e2b8d9f10",
        "us-east-1",
        "123456789012",
    )
    assert change.what == "state changed (state Active, last update status Failed)"
    assert change.link == "https://console.aws.amazon.com/lambda/home?region=us-east-1#/functions/orders-api"


def test_the_other_naming_with_the_arn_only_in_the_detail_reads_the_same_way() -> None:
    change = read(fixture("shaped_lambda_function_state_version_active.json"))
    assert (change.resource, change.resources) == ("orders-api:42", ("lambda:orders-api",))
    assert [(d.name, d.new) for d in change.diffs] == [("state", "Active")]  # an empty reason says nothing


def test_an_event_that_names_no_function_is_refused_not_guessed() -> None:
    event = fixture("shaped_lambda_function_state_version_active.json")
    event["detail"] = {"FunctionName": "orders-api", "State": "Active"}  # a name, but no ARN to be sure of
    with pytest.raises(UnknownChange, match="names no Lambda function ARN"):
        parse_event(event)


def test_lambdas_events_that_are_not_state_changes_have_no_reader() -> None:
    event = {
        **fixture("shaped_lambda_function_state_version_active.json"),
        "detail-type": "Durable Execution Status Change",
    }
    with pytest.raises(UnknownChange, match="no reader for aws.lambda events"):
        parse_event(event)
