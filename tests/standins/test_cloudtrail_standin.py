"""The embedded CloudTrail stand-in (``local/cloudtrail/standin.py``) through a real boto3 CloudTrail client
pointed at the embedded front, checked against CloudTrail's documented LookupEvents (API Reference; User Guide,
"Viewing recent management events with the AWS CLI") and against a LookupEvents answer of a real account
(``tests/fixtures/changes/recorded_lookup_events_apigateway_page.json``): its records, put into the stand-in, must
come back as CloudTrail answered them. And the card's fallback (``bot/changes/lookup.py``) reads it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from bot.changes.lookup import CloudTrailLookup
from bot.delivery import Deadline
from local.aws_front import INTERNAL_AGENT
from local.cloudtrail.standin import CloudTrailStandIn, send_records
from local.stack import EmbeddedStack

if TYPE_CHECKING:
    from collections.abc import Iterator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "changes"
PAGE = json.loads((FIXTURES / "recorded_lookup_events_apigateway_page.json").read_text())
RECORDS = [json.loads(event["CloudTrailEvent"]) for event in PAGE["Events"]]
"""Six API Gateway calls of 2024-04-17 (07:27:53 to 10:40:58 UTC) in us-east-1, newest first as answered."""
LAMBDA_RECORD = json.loads((FIXTURES / "recorded_lambda_update_function_code.json").read_text())
"""A recorded UpdateFunctionCode of 2024-08-01 13:52:02 UTC, in the made-up region ap-westeast-2r."""
DAY_AFTER = datetime(2024, 4, 18, tzinfo=UTC)
IDS = [e["EventId"] for e in PAGE["Events"]]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def stack() -> Iterator[EmbeddedStack]:
    with EmbeddedStack() as running:
        yield running


def trail_at(stack: EmbeddedStack, moment: datetime) -> CloudTrailStandIn:
    """A fresh event history behind the front, its clock at ``moment``."""
    stack.aws.cloudtrail = CloudTrailStandIn(clock=moment.timestamp)
    return stack.aws.cloudtrail


def client(stack: EmbeddedStack, region: str = "us-east-1", **config: Any) -> Any:
    return boto3.client(
        "cloudtrail",
        region_name=region,
        endpoint_url=stack.aws.url,
        aws_access_key_id="embedded",
        aws_secret_access_key="embedded",
        config=Config(retries={"max_attempts": 1}, **config),
    )


def error_of(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


def recorded(stack: EmbeddedStack) -> Any:
    """The recorded page's records in the event history, the day after; a client in their region."""
    trail_at(stack, DAY_AFTER).record(RECORDS)
    return client(stack)


def test_nothing_recorded_is_no_events(stack: EmbeddedStack) -> None:
    # GIVEN an embedded world in which nothing happened
    trail_at(stack, datetime.now(UTC))
    # THEN a lookup answers no events and no token, as CloudTrail does when nothing matches
    answer = client(stack).lookup_events()
    assert answer["Events"] == [] and "NextToken" not in answer


def test_a_recorded_answer_is_answered_again(stack: EmbeddedStack) -> None:
    # GIVEN the records of a real account's LookupEvents answer
    cloudtrail = recorded(stack)
    # WHEN they are looked up by the REST API's id, as that account looked them up
    answer = cloudtrail.lookup_events(
        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "67ge356u6d"}],
        StartTime=at("2024-04-17T07:00:00Z"),
        EndTime=at("2024-04-17T11:00:00Z"),
    )
    # THEN each event comes back as CloudTrail answered it: the same fields, resources, user name, newest first
    fields = ("EventId", "EventName", "ReadOnly", "AccessKeyId", "EventSource", "Username", "Resources")
    got = [{k: e.get(k) for k in fields} for e in answer["Events"]]
    expected = [{k: e.get(k) for k in fields} for e in PAGE["Events"]]
    assert got == expected
    assert [e["EventTime"] for e in answer["Events"]] == [at(e["EventTime"]) for e in PAGE["Events"]]
    assert [json.loads(e["CloudTrailEvent"]) for e in answer["Events"]] == RECORDS


def test_records_posted_to_the_front_are_kept_once_and_are_not_the_bots_calls(stack: EmbeddedStack) -> None:
    # GIVEN a process that knows only the stack's endpoint: it posts a CloudTrail log file, twice
    trail_at(stack, DAY_AFTER)
    calls = len(stack.aws.calls)
    assert send_records(stack.aws.url, RECORDS, agent=INTERNAL_AGENT) == 6
    assert send_records(stack.aws.url, RECORDS, agent=INTERNAL_AGENT) == 0
    # THEN each event is in the history once, and the posts are no AWS call of the bot's
    assert len(stack.aws.calls) == calls
    answer = client(stack).lookup_events(StartTime=at("2024-04-17T00:00:00Z"))
    assert [e["EventId"] for e in answer["Events"]] == IDS


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("EventId", IDS[2], [IDS[2]]),
        ("EventName", "CreateStage", [IDS[0], IDS[4]]),
        ("EventSource", "apigateway.amazonaws.com", IDS),
        ("EventSource", "lambda.amazonaws.com", []),
        ("ReadOnly", "false", IDS),  # "returns write events"
        ("ReadOnly", "true", []),
        ("Username", "dev.user@example.com", IDS),
        ("ResourceType", "AWS::ApiGateway::Deployment", [IDS[1], IDS[2], IDS[3], IDS[5]]),
        ("ResourceName", "test", [IDS[3], IDS[4]]),
        ("ResourceName", "6gejpe", [IDS[1]]),
        ("AccessKeyId", "ASIAIOSFODNN7EXAMPLE", IDS),
        ("AccessKeyId", "AKIAIOSFODNN7EXAMPLE", []),
    ],
)
def test_one_lookup_attribute_filters_by_its_key(
    stack: EmbeddedStack, key: str, value: str, expected: list[str]
) -> None:
    # GIVEN the recorded events; THEN each attribute matches the events whose recorded answer carries its value
    cloudtrail = recorded(stack)
    answer = cloudtrail.lookup_events(
        LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}], StartTime=at("2024-04-17T00:00:00Z")
    )
    assert [e["EventId"] for e in answer["Events"]] == expected


def test_events_are_looked_up_in_the_region_they_occurred_in(stack: EmbeddedStack) -> None:
    # GIVEN the us-east-1 events and, the same day, the recorded Lambda call of another region
    elsewhere = {**LAMBDA_RECORD, "eventTime": "2024-04-17T12:00:00Z"}
    trail_at(stack, DAY_AFTER).record([*RECORDS, elsewhere])
    since = at("2024-04-17T00:00:00Z")
    # THEN each region's lookup lists its own ("shows events in the Region where they occurred")
    assert [e["EventId"] for e in client(stack, "ap-westeast-2r").lookup_events(StartTime=since)["Events"]] == [
        LAMBDA_RECORD["eventID"]
    ]
    assert [e["EventId"] for e in client(stack).lookup_events(StartTime=since)["Events"]] == IDS


def test_the_time_range_is_inclusive_at_both_ends(stack: EmbeddedStack) -> None:
    cloudtrail = recorded(stack)
    moment = at(PAGE["Events"][3]["EventTime"])  # 09:42:04
    assert [e["EventId"] for e in cloudtrail.lookup_events(StartTime=moment, EndTime=moment)["Events"]] == [IDS[3]]
    window = cloudtrail.lookup_events(StartTime=moment, EndTime=at(PAGE["Events"][1]["EventTime"]))
    assert [e["EventId"] for e in window["Events"]] == IDS[1:4]


def test_a_start_after_the_end_is_an_invalid_time_range(stack: EmbeddedStack) -> None:
    cloudtrail = recorded(stack)
    start, end = at("2024-04-17T10:00:00Z"), at("2024-04-17T09:00:00Z")
    assert error_of(lambda: cloudtrail.lookup_events(StartTime=start, EndTime=end)) == (
        "InvalidTimeRangeException",
        400,
    )


def test_only_the_last_90_days_are_kept(stack: EmbeddedStack) -> None:
    # GIVEN the recorded events, 91 days after the newest of them
    trail = trail_at(stack, at(PAGE["Events"][0]["EventTime"]) + timedelta(days=91))
    trail.record(RECORDS)
    # THEN no lookup finds them, whatever start it asks for; 90 days after the oldest, the newer ones remain
    assert client(stack).lookup_events()["Events"] == []
    assert client(stack).lookup_events(StartTime=at("2024-01-01T00:00:00Z"))["Events"] == []
    trail.clock = (at(PAGE["Events"][3]["EventTime"]) + timedelta(days=90)).timestamp
    assert [e["EventId"] for e in client(stack).lookup_events()["Events"]] == IDS[:4]


def many(count: int) -> list[dict[str, Any]]:
    """``count`` CreateDeployment records in the recorded shape, a minute apart from 2024-04-17 00:00 UTC."""
    start = at("2024-04-17T00:00:00Z")
    return [
        {
            **RECORDS[1],
            "eventID": str(uuid.UUID(int=n + 1)),
            "eventTime": (start + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for n in range(count)
    ]


def test_pages_of_50_by_default_newest_first_until_no_token(stack: EmbeddedStack) -> None:
    # GIVEN 120 events
    trail_at(stack, DAY_AFTER).record(many(120))
    newest_first = [str(uuid.UUID(int=n + 1)) for n in reversed(range(120))]
    cloudtrail = client(stack)
    # WHEN they are read page by page with the token each page returns
    pages, token = [], None
    while True:
        page = cloudtrail.lookup_events(
            StartTime=at("2024-04-16T00:00:00Z"), **({"NextToken": token} if token else {})
        )
        pages.append([e["EventId"] for e in page["Events"]])
        token = page.get("NextToken")
        if not token:
            break
    # THEN 50, 50 and 20 of them, newest first, each once; botocore's paginator reads the same
    assert [len(p) for p in pages] == [50, 50, 20]
    assert [i for p in pages for i in p] == newest_first
    paginated = cloudtrail.get_paginator("lookup_events").paginate(StartTime=at("2024-04-16T00:00:00Z"))
    assert [e["EventId"] for p in paginated for e in p["Events"]] == newest_first


def test_max_results_sets_the_page_size(stack: EmbeddedStack) -> None:
    cloudtrail = recorded(stack)
    first = cloudtrail.lookup_events(MaxResults=4, StartTime=at("2024-04-17T00:00:00Z"))
    rest = cloudtrail.lookup_events(
        MaxResults=4, StartTime=at("2024-04-17T00:00:00Z"), NextToken=first["NextToken"]
    )
    assert [e["EventId"] for e in first["Events"]] == IDS[:4]
    assert [e["EventId"] for e in rest["Events"]] == IDS[4:] and "NextToken" not in rest


@pytest.mark.parametrize("size", [0, 51, 1000])
def test_max_results_outside_1_to_50_is_invalid(stack: EmbeddedStack, size: int) -> None:
    # botocore itself refuses 0 (the model's minimum): sent unchecked, as another SDK might
    cloudtrail = client(stack, parameter_validation=False)
    trail_at(stack, DAY_AFTER)
    assert error_of(lambda: cloudtrail.lookup_events(MaxResults=size)) == ("InvalidMaxResultsException", 400)


@pytest.mark.parametrize(
    "attributes",
    [
        [
            {"AttributeKey": "EventName", "AttributeValue": "CreateStage"},
            {"AttributeKey": "Username", "AttributeValue": "dev.user@example.com"},
        ],
        [{"AttributeKey": "StageName", "AttributeValue": "test"}],
        [{"AttributeKey": "ReadOnly", "AttributeValue": "maybe"}],
        [{"AttributeKey": "ResourceName", "AttributeValue": "a" * 2001}],
        [{"AttributeKey": "ResourceName", "AttributeValue": "a_" * 667}],  # 1,334 characters counting 2,001
    ],
    ids=["two attributes", "unknown key", "ReadOnly neither true nor false", "2001 characters", "_ counts twice"],
)
def test_invalid_lookup_attributes(stack: EmbeddedStack, attributes: list[dict[str, str]]) -> None:
    cloudtrail = recorded(stack)
    assert error_of(lambda: cloudtrail.lookup_events(LookupAttributes=attributes)) == (
        "InvalidLookupAttributesException",
        400,
    )


def test_a_value_of_2000_characters_is_valid(stack: EmbeddedStack) -> None:
    cloudtrail = recorded(stack)
    attributes = [{"AttributeKey": "ResourceName", "AttributeValue": "a_" * 666 + "aa"}]  # 1,334 counting 2,000
    assert cloudtrail.lookup_events(LookupAttributes=attributes)["Events"] == []


def test_a_token_with_other_parameters_or_made_up_is_invalid(stack: EmbeddedStack) -> None:
    cloudtrail = recorded(stack)
    since = at("2024-04-17T00:00:00Z")
    token = cloudtrail.lookup_events(MaxResults=2, StartTime=since)["NextToken"]
    other = [{"AttributeKey": "EventName", "AttributeValue": "CreateStage"}]
    assert error_of(
        lambda: cloudtrail.lookup_events(StartTime=since, LookupAttributes=other, NextToken=token)
    ) == ("InvalidNextTokenException", 400)
    assert error_of(lambda: cloudtrail.lookup_events(StartTime=since, NextToken="not-a-token")) == (
        "InvalidNextTokenException",
        400,
    )


def test_insights_events_are_none_and_another_category_is_invalid(stack: EmbeddedStack) -> None:
    cloudtrail = recorded(stack)
    since = at("2024-04-17T00:00:00Z")
    assert cloudtrail.lookup_events(StartTime=since, EventCategory="insight")["Events"] == []
    assert error_of(lambda: cloudtrail.lookup_events(StartTime=since, EventCategory="data")) == (
        "InvalidEventCategoryException",
        400,
    )


def test_data_events_are_not_in_the_event_history(stack: EmbeddedStack) -> None:
    # "Looks up management events": a data event (managementEvent false) is never listed
    trail = trail_at(stack, DAY_AFTER)
    assert trail.record([{**RECORDS[0], "eventID": str(uuid.UUID(int=7)), "managementEvent": False}]) == 0
    assert client(stack).lookup_events(StartTime=at("2024-04-17T00:00:00Z"))["Events"] == []


def test_the_cards_fallback_finds_the_deploy(stack: EmbeddedStack) -> None:
    # GIVEN the recorded UpdateFunctionCode in CloudTrail's history, half an hour later
    trail_at(stack, at("2024-08-01T14:22:00Z")).record([LAMBDA_RECORD])
    lookup = CloudTrailLookup(client(stack, "ap-westeast-2r"))
    # WHEN the card's fallback searches the function's hour before the alarm
    function = LAMBDA_RECORD["responseElements"]["functionName"]
    found = lookup.find(
        [f"lambda:{function}"], at("2024-08-01T13:22:00Z"), at("2024-08-01T14:22:00Z"), Deadline.after(30)
    )
    # THEN it finds the deploy, by whom, and searched the whole window in one call
    assert [c.id for c in found.items] == [LAMBDA_RECORD["eventID"]]
    assert (
        found.items[0].action == "UpdateFunctionCode"
        and found.items[0].who == LAMBDA_RECORD["userIdentity"]["arn"]
    )
    assert found.complete and found.calls == 1 and found.notes == ()


def test_the_cards_fallback_finds_nothing_in_a_quiet_world(stack: EmbeddedStack) -> None:
    trail_at(stack, datetime.now(UTC))
    lookup = CloudTrailLookup(client(stack))
    now = datetime.now(UTC)
    found = lookup.find(["lambda:orders-api"], now - timedelta(hours=1), now, Deadline.after(30))
    assert found.items == () and found.complete and found.notes == ()
