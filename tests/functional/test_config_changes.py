"""The app's own configuration changes in the change ledger (issue #31 item 2: "a tenant's mapping edited counts
as a change too"): the AWS Lambda Developer Guide's DynamoDB stream event (INSERT, MODIFY, REMOVE of item 101;
tests/fixtures/streams/SOURCES.md) read as changes to the table, filed by the normalizer's handler, and found by
the card's search for the table — what the alarm's X-Ray neighbour or dimension names."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from bot.analytics.config_changes import config_changes
from bot.analytics.mapping import SettingsForm
from bot.changes.finder import ChangeFinder
from bot.changes.ledger import ChangeLedger
from bot.delivery import Deadline
from tests.support.lifecycle import incidents_table

if TYPE_CHECKING:
    from collections.abc import Iterator

RECORDS = json.loads(
    (
        Path(__file__).resolve().parents[1]
        / "fixtures"
        / "streams"
        / "dynamodb_lambda_guide_no_creation_time.json"
    ).read_text()
)["Records"]
FORM = SettingsForm(partition_key="Id")  # the guide's table: key Id, one setting, Message
TABLE = "lookout-incidents"


def test_the_guides_insert_modify_and_remove_are_three_changes_to_the_table() -> None:
    added, changed, removed = config_changes(RECORDS, FORM, account="123456789012")
    assert [c.action for c in (added, changed, removed)] == ["SettingsAdded", "SettingsChanged", "SettingsRemoved"]
    assert {c.resource for c in (added, changed, removed)} == {"ExampleTableWithStream (101)"}
    assert changed.resources == ("dynamodb:ExampleTableWithStream", "account:123456789012")
    assert changed.region == "us-west-2" and changed.who == "" and changed.service == "dynamodb"
    assert changed.what == "settings changed (Message New item! → This item has changed)"
    assert [(d.name, d.old, d.new) for d in removed.diffs] == [("Message", "This item has changed", None)]
    assert len({c.id for c in (added, changed, removed)}) == 3  # each record its own change


def test_a_write_that_changed_no_setting_and_a_record_that_cannot_be_read_are_no_changes() -> None:
    same = json.loads(json.dumps(RECORDS[1]))
    same["dynamodb"]["NewImage"] = same["dynamodb"]["OldImage"]  # written again, unchanged
    broken = {"eventName": "MODIFY", "dynamodb": {}}
    assert config_changes([same, broken], FORM, account="123456789012") == []


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        yield incidents_table(TABLE)


def test_the_card_finds_a_tenants_settings_change_under_the_table(dynamodb: Any) -> None:
    ledger = ChangeLedger(dynamodb, TABLE)
    changes = config_changes(RECORDS[:2], FORM, account="123456789012")
    for change in changes:
        ledger.record(change)
    latest = max(c.at for c in changes)
    found = ChangeFinder(ledger, None).before(
        ["dynamodb:ExampleTableWithStream"], latest + timedelta(minutes=1), deadline=Deadline.after(5)
    )
    # (the guide's records carry no creation time: both are filed at the batch's arrival, so in no set order)
    assert sorted(c.action for c in found.items) == ["SettingsAdded", "SettingsChanged"]
