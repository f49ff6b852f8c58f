"""SNS alarm messages name their region in words, and the words changed over the years: the pre-2017
"EU - Ireland" and "US - N. Virginia", "US (Virginia)", today's "Europe (Ireland)". Every one maps to its code
through botocore's bundled endpoint data, so the region is the message's — an envelope of another region
(an SQS queue, a forwarding topic) never overrides it.

The labels are as recorded in public SNS deliveries (tests/fixtures/events/README.md names where each was
found); the expected codes are the regions AWS names so in its endpoint data and the General Reference."""

from __future__ import annotations

import json

import pytest
from botocore.loaders import create_loader

from bot.alarms import Alarm
from bot.events import parse_event
from bot.regions import region_from_display_name
from tests.support.fixtures import load_event

RECORDED = {
    "EU - Ireland": "eu-west-1",  # terraform-aws-notify-slack functions/events/cloudwatch_alarm.json, 2017
    "US (Virginia)": "us-east-1",  # terraform-aws-notify-slack functions/messages/cloudwatch_alarm.json, 2019
    "US West - Oregon": "us-west-2",  # a recorded message of 2017-01-31 (rancher-CPU-Utilization)
    "US East - N. Virginia": "us-east-1",  # recorded messages of 2016-12 and 2017-04
    "US - N. Virginia": "us-east-1",  # recorded messages of 2015-05 to 2016-03
    "Asia Pacific - Tokyo": "ap-northeast-1",  # a recorded message of 2017-07-14
    "Asia Pacific - Singapore": "ap-southeast-1",  # 2017-06-15
    "Asia Pacific - Seoul": "ap-northeast-2",  # 2017-06-09
    "Asia Pacific - Sydney": "ap-southeast-2",  # 2017-01-11
    "US East (Northern Virginia)": "us-east-1",  # the General Reference's spelling of the time
    "EU (Ireland)": "eu-west-1",  # SNS messages until botocore's descriptions became "Europe (…)"
    "US East (N. Virginia)": "us-east-1",
    "South America (São Paulo)": "sa-east-1",
    "AWS GovCloud (US)": "us-gov-west-1",
}


@pytest.mark.parametrize(("label", "code"), sorted(RECORDED.items()))
def test_a_recorded_region_label_maps_to_its_code(label: str, code: str) -> None:
    assert region_from_display_name(label) == code


def test_every_name_botocore_knows_maps_to_its_own_code() -> None:
    from bot.regions import display_names

    served = {"aws", "aws-cn", "aws-us-gov"}
    loader = create_loader()
    for document, key in (("partitions", "id"), ("endpoints", "partition")):
        names = {
            info["description"]: code
            for partition in loader.load_data(document)["partitions"]
            if partition[key] in served
            for code, info in partition["regions"].items()
            if not code.endswith("-global")  # the partition's global endpoint, not a region
        }
        assert names.items() <= display_names().items(), document
        assert all(region_from_display_name(name) == code for name, code in names.items())


def test_placeholders_and_look_alikes_name_no_region() -> None:
    for label in ("EXAMPLE", "REGION", "", "US", "US ISOB East (Ohio)", "Europe"):
        assert region_from_display_name(label) is None, label
    from bot.regions import names_a_place

    assert not names_a_place("EXAMPLE") and not names_a_place("REGION") and names_a_place("Atlantis (Lost City)")


def the_alarm(event: dict[str, object]) -> Alarm:
    (delivery,) = parse_event(event)
    assert isinstance(delivery.item, Alarm)
    return delivery.item


def test_the_message_region_wins_over_the_envelope() -> None:
    # GIVEN the 2017 message that names "EU - Ireland", queued in an SQS queue of us-east-1
    message = load_event("direct_notify_slack_alarm_eu_ireland.json")
    record = {
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "body": json.dumps(message),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:lookout-alarm-failures",
        "awsRegion": "us-east-1",
    }
    # THEN the alarm is in eu-west-1, and its console links go there
    assert the_alarm({"Records": [record]}).region == "eu-west-1"
    assert the_alarm(message).region == "eu-west-1"  # delivered as is: no envelope at all


def test_a_region_the_message_names_but_we_cannot_read_is_unknown_not_the_envelopes() -> None:
    message = {**load_event("direct_notify_slack_alarm_eu_ireland.json"), "Region": "Atlantis (Lost City)"}
    record = {"body": json.dumps(message), "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:q"}
    assert the_alarm({"Records": [record]}).region == ""
    placeholder = {**message, "Region": "EXAMPLE"}  # a placeholder names nothing: the envelope's is used
    record = {"body": json.dumps(placeholder), "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:q"}
    assert the_alarm({"Records": [record]}).region == "us-east-1"


def test_the_recorded_us_virginia_message_is_us_east_1() -> None:
    alarm = the_alarm(load_event("sns_notify_slack_alarm_us_virginia.json"))
    assert (alarm.region, alarm.account, alarm.name) == ("us-east-1", "735598076380", "DBMigrationRequired")


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        # each partition's own regions, as the AWS General Reference lists them ("AWS partitions")
        ("us-east-1", "aws"),
        ("ap-southeast-7", "aws"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-east-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
        # a region newer than the bundled data: placed by its partition's pattern
        ("cn-south-7", "aws-cn"),
        ("us-gov-central-3", "aws-us-gov"),
        ("eu-central-9", "aws"),
    ],
)
def test_every_partition_is_known_from_botocores_endpoint_data(region: str, partition: str) -> None:
    from bot.regions import partition_of

    assert partition_of(region) == partition
