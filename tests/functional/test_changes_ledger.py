"""The change ledger on moto's DynamoDB (an incidents-shaped table, as the template creates it): changes filed by
the hour under each of their resources, once however often EventBridge delivers them, bounded per hour; read back
for a window newest first with since when the ledger has been recording; and the old value of a setting the event
names only anew (Lambda's memory, an alias's version) taken from the last change the ledger recorded."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from bot import table_keys
from bot.changes import Change
from bot.changes.ledger import ChangeLedger
from bot.changes.parse import parse_record
from tests.support.lifecycle import incidents_table

if TYPE_CHECKING:
    from collections.abc import Iterator

TABLE = "lookout-incidents"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "changes"
AT = datetime(2024, 7, 30, 21, 57, 20, tzinfo=UTC)
"""The recorded UpdateFunctionConfiguration's eventTime."""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now.timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        yield incidents_table(TABLE)


def configuration(memory: int, *, at: datetime = AT, event_id: str = "e-1") -> Change:
    """The recorded UpdateFunctionConfiguration, as if it had set ``memory``."""
    record = json.loads((FIXTURES / "recorded_lambda_update_function_configuration.json").read_text())
    record["requestParameters"]["memorySize"] = memory
    record["responseElements"]["memorySize"] = memory
    record["eventTime"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    record["eventID"] = event_id
    change = parse_record(record)
    assert isinstance(change, Change)
    return change


def item(dynamodb: Any, pk: str) -> dict[str, Any]:
    return table_keys.attributes(dynamodb.get_item(TableName=TABLE, Key=table_keys.key(pk)).get("Item", {}))


def test_a_change_is_filed_under_its_resource_by_the_hour_and_read_back(dynamodb: Any) -> None:
    clock = Clock(AT + timedelta(minutes=1))
    ledger = ChangeLedger(dynamodb, TABLE, clock=clock)
    change = configuration(512)
    # WHEN the ledger records it
    recorded = ledger.record(change)
    # THEN it is in its hour's item, which lives two days past that hour
    hour = int(AT.timestamp()) // 3600
    assert recorded.filed == ("lambda:stratus-red-team-lambda-layer-simpleLambda",)
    stored = item(dynamodb, f"change#lambda:stratus-red-team-lambda-layer-simpleLambda#{hour}")
    assert stored["ids"] == {"e-1"} and len(stored["changes"]) == 1
    assert stored["expiration"] == (hour + 1) * 3600 + 2 * 86400
    # AND a window around it reads it back whole, and says since when the ledger records
    window = ledger.read([change.resources[0]], AT - timedelta(hours=1), AT + timedelta(minutes=5))
    assert window.items == (recorded.change,)
    assert window.recording_since == datetime.fromtimestamp(int(clock.now), UTC)
    assert window.covers(AT + timedelta(minutes=2)) and not window.covers(AT)  # it started a minute after


def test_a_change_delivered_twice_is_kept_once(dynamodb: Any) -> None:
    ledger = ChangeLedger(dynamodb, TABLE, clock=Clock(AT))
    first = ledger.record(configuration(512))
    again = ledger.record(configuration(512))  # EventBridge's at-least-once, or Lambda's retry
    assert first.filed and again.duplicate == first.filed and not again.filed
    window = ledger.read(first.filed, AT - timedelta(hours=1), AT)
    assert [c.id for c in window.items] == ["e-1"]


def test_an_hour_keeps_at_most_its_share_and_counts_the_rest(dynamodb: Any) -> None:
    ledger = ChangeLedger(dynamodb, TABLE, per_hour=3, clock=Clock(AT))
    outcomes = [
        ledger.record(configuration(128 + i, event_id=f"e-{i}", at=AT + timedelta(seconds=i))) for i in range(5)
    ]
    assert [bool(o.filed) for o in outcomes] == [True, True, True, False, False]
    assert [bool(o.full) for o in outcomes] == [False, False, False, True, True]
    window = ledger.read(outcomes[0].filed, AT - timedelta(minutes=1), AT + timedelta(minutes=1))
    assert [c.id for c in window.items] == ["e-2", "e-1", "e-0"]  # newest first
    assert window.dropped == 2


def test_the_old_value_is_the_one_the_ledger_last_recorded(dynamodb: Any) -> None:
    ledger = ChangeLedger(dynamodb, TABLE, clock=Clock(AT + timedelta(hours=1)))
    ledger.record(configuration(512, event_id="e-1"))
    # WHEN the next change sets 1024 (the event says only the new value)
    later = ledger.record(configuration(1024, at=AT + timedelta(minutes=30), event_id="e-2")).change
    # THEN the change names the old one, from the ledger
    memory = next(d for d in later.diffs if d.name == "memory")
    assert (memory.old, memory.new, memory.from_ledger) == ("512", "1024", True)
    assert memory.describe() == "memory 512 → 1024"
    # AND what the table holds reads back the same
    window = ledger.read(later.resources, AT, AT + timedelta(hours=1))
    assert window.items[0].diffs == later.diffs


def test_a_late_event_names_no_old_value_and_leaves_the_last_settings_alone(dynamodb: Any) -> None:
    ledger = ChangeLedger(dynamodb, TABLE, clock=Clock(AT + timedelta(hours=1)))
    ledger.record(configuration(1024, at=AT + timedelta(minutes=30), event_id="e-2"))
    late = ledger.record(configuration(512, event_id="e-1")).change  # delivered after a newer one
    assert next(d for d in late.diffs if d.name == "memory").old is None
    state = item(dynamodb, "change-state#lambda:stratus-red-team-lambda-layer-simpleLambda")
    assert state["s:memory"] == "1024"


def test_an_alias_moved_again_names_the_version_it_left(dynamodb: Any) -> None:
    record = json.loads((FIXTURES / "shaped_lambda_update_alias.json").read_text())
    ledger = ChangeLedger(dynamodb, TABLE, clock=Clock(datetime(2026, 10, 2, 12, tzinfo=UTC)))
    first = parse_record(record)
    record.update(eventID="e-next", eventTime="2026-10-02T11:50:00Z")
    record["requestParameters"]["functionVersion"] = record["responseElements"]["functionVersion"] = "4"
    second = parse_record(record)
    assert isinstance(first, Change) and isinstance(second, Change)
    ledger.record(first)
    moved = ledger.record(second).change
    assert [d.describe() for d in moved.diffs] == ["alias LIVE 3 → 4"]


def test_a_window_reads_every_resource_and_each_change_once(dynamodb: Any) -> None:
    ledger = ChangeLedger(dynamodb, TABLE, clock=Clock(AT))
    function = configuration(512)
    feed = replace(function, id="e-feed", resources=("cloudformation:app", "account:712967571683"))
    before = replace(function, id="e-old", at=AT - timedelta(hours=3))  # outside the window
    for change in (function, feed, before):
        ledger.record(change)
    window = ledger.read(
        ["lambda:stratus-red-team-lambda-layer-simpleLambda", "account:712967571683", "cloudformation:app"],
        AT - timedelta(hours=1),
        AT,
    )
    assert sorted(c.id for c in window.items) == ["e-1", "e-feed"]


def test_without_a_live_marker_the_ledger_covers_nothing(dynamodb: Any) -> None:
    clock = Clock(AT)
    ledger = ChangeLedger(dynamodb, TABLE, clock=clock)
    # GIVEN no change ever recorded: not deployed
    assert ledger.read(["lambda:x"], AT - timedelta(hours=1), AT).recording_since is None
    ledger.record(configuration(512))
    # WHEN no change came for longer than the marker lives (DynamoDB's TTL may not have deleted it yet)
    clock.now += 3 * 86400
    assert ledger.read(["lambda:x"], AT, AT + timedelta(hours=1)).recording_since is None
    # THEN the next change starts the record again, from then
    ChangeLedger(dynamodb, TABLE, clock=clock).record(configuration(640, event_id="e-2"))
    since = ledger.read(["lambda:x"], AT, AT + timedelta(hours=1)).recording_since
    assert since == datetime.fromtimestamp(int(clock.now), UTC)


def test_the_marker_is_refreshed_at_most_every_ten_minutes(dynamodb: Any) -> None:
    class Counting:
        def __init__(self, client: Any) -> None:
            self.client, self.calls = client, list[str]()

        def __getattr__(self, name: str) -> Any:
            if name == "update_item":

                def update_item(**kwargs: Any) -> Any:
                    self.calls.append(kwargs["Key"]["pk"]["S"])
                    return self.client.update_item(**kwargs)

                return update_item
            return getattr(self.client, name)

    counting = Counting(dynamodb)
    ledger = ChangeLedger(counting, TABLE, clock=Clock(AT))
    for i in range(3):
        ledger.record(configuration(512 + i, event_id=f"e-{i}", at=AT + timedelta(seconds=i)))
    assert counting.calls.count("change#ledger") == 1
