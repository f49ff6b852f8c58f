"""The fallback without the ledger, on botocore's Stubber for CloudTrail's LookupEvents (moto does not filter
LookupEvents by resource): calls paced half a second apart (2 a second per account and region), at most a few
pages, none the deadline leaves no time for, a throttle that outlived botocore's retries ending the search with
what it found; and ``ChangeFinder``, which asks the ledger first and CloudTrail only for the part of the window the
ledger does not cover. What could not be searched is said, never passed off as "nothing changed"."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from bot.aws import new_client
from bot.changes import Change
from bot.changes.finder import ChangeFinder
from bot.changes.ledger import ChangeLedger
from bot.changes.lookup import CloudTrailLookup
from bot.changes.parse import parse_record
from bot.delivery import Deadline
from tests.support.lifecycle import Unreachable, incidents_table

if TYPE_CHECKING:
    from collections.abc import Iterator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "changes"
API = "apigateway:67ge356u6d"
FUNCTION = "lambda:stratus-red-team-olc-func-vayhjqkdav"
BREACH = datetime(2024, 8, 1, 14, 30, tzinfo=UTC)
"""Half an hour after the recorded UpdateFunctionCode (13:52:02)."""


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def lookup_event(record: dict[str, Any], resource_name: str) -> dict[str, Any]:
    """One event of a LookupEvents answer around a CloudTrail record (CloudTrail API Reference, ``Event``)."""
    return {
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": "false",
        "EventTime": datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00")),
        "EventSource": record["eventSource"],
        "Username": record["userIdentity"].get("userName", ""),
        "Resources": [{"ResourceType": "AWS::Lambda::Function", "ResourceName": resource_name}],
        "CloudTrailEvent": json.dumps(record),
    }


def recorded_api_page() -> dict[str, Any]:
    page = fixture("recorded_lookup_events_apigateway_page.json")
    for event in page["Events"]:
        event["EventTime"] = datetime.fromisoformat(event["EventTime"].replace("Z", "+00:00"))
    page.pop("NextToken", None)
    return page


class FakeTime:
    """A monotonic clock that only ``sleep`` moves; every sleep is kept."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def cloudtrail() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("cloudtrail", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expect(stubber: Stubber, name: str, response: dict[str, Any], token: str | None = None, **times: Any) -> None:
    params = {
        "LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": name}],
        "StartTime": times.get("start", ANY),
        "EndTime": times.get("end", ANY),
        "MaxResults": 50,
    }
    if token:
        params["NextToken"] = token
    stubber.add_response("lookup_events", response, params)


def test_the_lookup_client_retries_throttles_the_standard_way() -> None:
    # the client the alarm path builds (bot.aws): botocore's standard mode retries ThrottlingException with backoff
    client = new_client("cloudtrail", "us-east-1")
    assert client.meta.config.retries["mode"] == "standard"


def test_a_recorded_answer_yields_the_apis_deployments_and_skips_the_rest(cloudtrail: tuple[Any, Stubber]) -> None:
    client, stubber = cloudtrail
    since = datetime(2024, 4, 17, 7, tzinfo=UTC)
    expect(stubber, "67ge356u6d", recorded_api_page(), start=since, end=since + timedelta(hours=4))
    found = CloudTrailLookup(client).find([API], since, since + timedelta(hours=4), Deadline.after(30))
    assert [c.id for c in found.items] == [
        "ff797b29-8a94-4729-8d9e-4421b4a3f6e7",  # 10:40:57
        "d18426d2-2830-4854-83a3-f9458b9ed2b4",  # 10:39:31
        "0eaeb784-b095-4d4d-9f84-65a01192bd01",  # 09:42:04
        "b7bd7bd6-afd9-4c0d-9f4b-a68a58a6b08d",  # 07:27:53
    ]
    assert found.complete and found.calls == 1 and found.notes == ()


def test_calls_are_paced_and_pages_followed(cloudtrail: tuple[Any, Stubber]) -> None:
    client, stubber = cloudtrail
    code = fixture("recorded_lambda_update_function_code.json")
    permission = fixture("recorded_lambda_add_permission.json")  # another event on a resource: not a change
    name = FUNCTION.partition(":")[2]
    expect(stubber, name, {"Events": [lookup_event(permission, name)], "NextToken": "page-2"})
    expect(stubber, name, {"Events": [lookup_event(code, name)]}, token="page-2")
    time = FakeTime()
    lookup = CloudTrailLookup(client, clock=time.clock, sleep=time.sleep)
    found = lookup.find([FUNCTION], BREACH - timedelta(hours=1), BREACH, Deadline.after(30))
    assert [c.action for c in found.items] == ["UpdateFunctionCode"]
    assert time.slept == [0.5]  # the second call waited for its slot: 2 calls a second
    assert found.complete and found.calls == 2


def test_at_most_a_few_pages(cloudtrail: tuple[Any, Stubber]) -> None:
    client, stubber = cloudtrail
    name = FUNCTION.partition(":")[2]
    expect(stubber, name, {"Events": [], "NextToken": "p2"})
    expect(stubber, name, {"Events": [], "NextToken": "p3"}, token="p2")
    time = FakeTime()
    lookup = CloudTrailLookup(client, max_calls=2, clock=time.clock, sleep=time.sleep)
    found = lookup.find([FUNCTION, "dynamodb:Music"], BREACH - timedelta(hours=1), BREACH, Deadline.after(30))
    assert not found.complete and found.calls == 2
    assert found.notes == (f"page limit reached: not searched {FUNCTION} (from its next page) and dynamodb:Music",)


def test_no_call_the_deadline_leaves_no_time_for(cloudtrail: tuple[Any, Stubber]) -> None:
    client, _ = cloudtrail  # no response stubbed: a call would fail the test
    found = CloudTrailLookup(client).find([FUNCTION], BREACH - timedelta(hours=1), BREACH, Deadline.after(1.0))
    assert not found.complete and found.calls == 0
    assert found.notes == (f"out of time: not searched {FUNCTION}",)


def test_the_pacing_wait_counts_against_the_deadline(cloudtrail: tuple[Any, Stubber]) -> None:
    client, stubber = cloudtrail
    expect(stubber, "Music", {"Events": []})
    time = FakeTime()
    left = 1.9  # enough for a call now (1.5 s), not for a second one after waiting its half second
    lookup = CloudTrailLookup(client, clock=time.clock, sleep=time.sleep)
    found = lookup.find(["dynamodb:Music", FUNCTION], BREACH, BREACH, Deadline(lambda: left - (time.now - 1000)))
    assert found.calls == 1 and not found.complete and found.notes == (f"out of time: not searched {FUNCTION}",)


def test_a_throttle_that_outlived_the_retries_ends_the_search_with_what_was_found(
    cloudtrail: tuple[Any, Stubber],
) -> None:
    client, stubber = cloudtrail
    code = fixture("recorded_lambda_update_function_code.json")
    name = FUNCTION.partition(":")[2]
    expect(stubber, name, {"Events": [lookup_event(code, name)]})
    stubber.add_client_error("lookup_events", "ThrottlingException", "Rate exceeded", 400)
    time = FakeTime()
    lookup = CloudTrailLookup(client, clock=time.clock, sleep=time.sleep)
    found = lookup.find([FUNCTION, "dynamodb:Music"], BREACH - timedelta(hours=1), BREACH, Deadline.after(30))
    assert [c.action for c in found.items] == ["UpdateFunctionCode"] and not found.complete
    assert found.notes == ("CloudTrail answered ThrottlingException: not searched dynamodb:Music",)


def test_resources_cloudtrail_cannot_be_searched_by_are_said(cloudtrail: tuple[Any, Stubber]) -> None:
    client, _ = cloudtrail
    found = CloudTrailLookup(client).find(["apigateway:orders"], BREACH, BREACH, Deadline.after(30))
    assert found.notes == ("not searched in CloudTrail: API orders by name (CloudTrail names APIs by id)",)
    assert not found.complete


# --- the finder: the ledger first, CloudTrail for what it does not cover ------------------------------------


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        yield incidents_table("lookout-incidents")


def code_change(minutes_before: float, event_id: str = "") -> Change:
    change = parse_record(fixture("recorded_lambda_update_function_code.json"))
    assert isinstance(change, Change)
    return replace(change, at=BREACH - timedelta(minutes=minutes_before), id=event_id or change.id)


def ledger_since(dynamodb: Any, started: datetime) -> ChangeLedger:
    return ChangeLedger(dynamodb, "lookout-incidents", clock=lambda: started.timestamp())


def test_a_ledger_recording_since_before_the_window_answers_alone(
    dynamodb: Any, cloudtrail: tuple[Any, Stubber]
) -> None:
    client, _ = cloudtrail  # no response stubbed: a LookupEvents call would fail the test
    ledger = ledger_since(dynamodb, BREACH - timedelta(days=1))
    ledger.record(code_change(4, "e-4"))
    ledger.record(code_change(50, "e-50"))
    changes = ChangeFinder(ledger, CloudTrailLookup(client)).before(
        [FUNCTION], BREACH, deadline=Deadline.after(30)
    )
    assert [c.id for c in changes.items] == ["e-4", "e-50"] and changes.source == "ledger" and changes.complete
    assert changes.nearest_before(BREACH).id == "e-4"  # type: ignore[union-attr]
    assert changes.describe_window() == "13:30–14:30 UTC"


def test_a_young_ledger_leaves_the_start_of_the_window_to_cloudtrail(
    dynamodb: Any, cloudtrail: tuple[Any, Stubber]
) -> None:
    client, stubber = cloudtrail
    started = BREACH - timedelta(minutes=20)
    ledger = ledger_since(dynamodb, started)
    ledger.record(code_change(4, "e-4"))
    name = FUNCTION.partition(":")[2]
    # THEN CloudTrail is asked only for the window's start, up to when the ledger began
    start = BREACH - timedelta(hours=1)
    expect(
        stubber,
        name,
        {"Events": [lookup_event(fixture("recorded_lambda_update_function_code.json"), name)]},
        start=start,
        end=datetime.fromtimestamp(int(started.timestamp()), UTC),
    )
    changes = ChangeFinder(ledger, CloudTrailLookup(client)).before(
        [FUNCTION], BREACH, deadline=Deadline.after(30)
    )
    assert [c.id for c in changes.items] == ["e-4", "4672b74f-2466-4784-b3fb-5b4db904a995"]
    assert changes.source == "ledger+cloudtrail" and changes.complete


def test_without_a_ledger_cloudtrail_answers(cloudtrail: tuple[Any, Stubber]) -> None:
    client, stubber = cloudtrail
    name = FUNCTION.partition(":")[2]
    expect(stubber, name, {"Events": []})
    changes = ChangeFinder(None, CloudTrailLookup(client)).before([FUNCTION], BREACH, deadline=Deadline.after(30))
    assert changes.items == () and changes.source == "cloudtrail" and changes.complete


def test_an_unreachable_ledger_is_said_and_cloudtrail_answers(cloudtrail: tuple[Any, Stubber]) -> None:
    client, stubber = cloudtrail
    expect(stubber, FUNCTION.partition(":")[2], {"Events": []})
    ledger = ChangeLedger(Unreachable(), "lookout-incidents")
    changes = ChangeFinder(ledger, CloudTrailLookup(client)).before(
        [FUNCTION], BREACH, deadline=Deadline.after(30)
    )
    assert changes.source == "cloudtrail" and changes.notes == (
        "change ledger unavailable: EndpointConnectionError",
    )


def test_neither_says_it_could_not_look() -> None:
    changes = ChangeFinder(None, None).before([FUNCTION], BREACH, deadline=Deadline.after(30))
    assert changes.source == "none" and not changes.complete and changes.items == ()
    assert changes.notes == ("no change ledger for this window and no CloudTrail lookup",)


def test_cloudtrail_is_searched_for_the_first_resources_only(cloudtrail: tuple[Any, Stubber]) -> None:
    client, stubber = cloudtrail
    wanted = [FUNCTION, "dynamodb:Music", "ecs:web", "lambda:other"]
    time = FakeTime()
    for key in wanted[:3]:
        expect(stubber, key.partition(":")[2], {"Events": []})
    lookup = CloudTrailLookup(client, clock=time.clock, sleep=time.sleep)
    changes = ChangeFinder(None, lookup).before(wanted, BREACH, deadline=Deadline.after(30))
    assert not changes.complete and changes.notes == ("CloudTrail searched for the first 3 of 4 resources",)


def test_resources_cloudtrail_cannot_search_take_no_place_among_the_searched(
    cloudtrail: tuple[Any, Stubber],
) -> None:
    client, stubber = cloudtrail
    wanted = ["account:123456789012", "apigateway:orders", FUNCTION]
    expect(stubber, FUNCTION.partition(":")[2], {"Events": []})
    changes = ChangeFinder(None, CloudTrailLookup(client)).before(wanted, BREACH, deadline=Deadline.after(30))
    assert changes.notes == (
        "not searched in CloudTrail: the account's stack, parameter and AppConfig changes (only the change ledger"
        " keeps them); API orders by name (CloudTrail names APIs by id)",
    )
    assert not changes.complete
