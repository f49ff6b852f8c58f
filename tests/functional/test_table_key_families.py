"""Every key family of the incidents table as moto's DynamoDB stores it: each store writes through its own
path at one frozen moment, and the table then holds exactly these items — keys, attribute types, values and
TTLs byte for byte. Deployed tables hold items written this way, so a change in how a store builds its items
(or reads them back: each read below returns what was written) must leave them as they are. The expected items
were taken from the stores' outputs before the families were gathered in ``bot.table_keys``."""

from __future__ import annotations

import base64
import gzip
import json
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from moto import mock_aws

from bot.checks.alarm import check_key
from bot.checks.config import Check, HttpProbe
from bot.checks.state import Standing, StandingStore
from bot.delivery import Deadline
from bot.lifecycle.once import ExactlyOnce
from bot.lifecycle.store import Incident, IncidentStore
from bot.lifecycle.storm import storm_key
from bot.lifecycle.storm_store import Head, StormStore, Summary
from bot.logerrors.forwarder import Forwarder
from bot.logerrors.ledger import Ledger
from bot.slack.edge.seen_signatures import SeenSignatures
from tests.support.lifecycle import incidents_table

if TYPE_CHECKING:
    from collections.abc import Iterator

TABLE = "lookout-incidents"
NOW = 1_796_000_000.5
"""The frozen moment every store writes at (its TTLs count from ``int(NOW)``)."""
ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx"
STORM = "storm#C0123#29933333"


class LambdaContext:
    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False), mock_aws():
        yield incidents_table(TABLE)


def subscription() -> dict[str, Any]:
    """One CloudWatch Logs delivery of three lines in two kinds (gzip without a time stamp: a stable digest)."""
    lines = ["ERROR PaymentError 502", "ERROR PaymentError 503", "ERROR timeout after 3000 ms"]
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": "/aws/lambda/orders-api",
        "logStream": "s",
        "subscriptionFilters": ["f"],
        "logEvents": [
            {"id": str(i), "timestamp": 1_795_999_990_000 + i, "message": m} for i, m in enumerate(lines)
        ],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(payload).encode(), mtime=0)).decode()}}


def write_every_family(dynamodb: Any) -> dict[str, Any]:
    """Each store's writes (and the reads that return them), through its own public path; what each read
    returned."""
    read: dict[str, Any] = {}
    incidents = IncidentStore(TABLE, dynamodb)
    first = incidents.put(
        Incident(
            alarm_arn=ARN,
            channel="C0123",
            ts="1795999999.000100",
            history=(("ALARM", 1_795_999_999.5),),
            storm=STORM,
            storm_seq=2,
            counted=STORM,
        )
    )
    read["incident"] = incidents.get(ARN)
    assert read["incident"] == first
    incidents.put(first)

    storms = StormStore(TABLE, dynamodb)
    key = storm_key("C0123", int(NOW // 60))
    read["ranks"] = [storms.open(key, "C0123", joined="storm#C0123#29933332"), storms.count(key, "C0123")]
    read["ranks"].append(storms.count(key, "C0123"))
    storms.join(key, "storm#C0123#29933331")
    read["written"] = [storms.put_entry(key, 1, {"id": "a|ALARM|1", "state": "ALARM"}), storms.give_up(key, 2)]
    read["leased"] = storms.take_lease(key, "req-1", 30.0)
    storms.record(key, "req-1", 30.0, flushing=[1, 2], announce=["<@U1>"], summary_ts="1795999999.000200", shown=0)
    read["flushing"] = storms.head(key)
    summary = Summary(through=2, alarms=1, firing=1, severity="critical", mentions=["<@U1>"], top=[{"name": "a"}])
    storms.save_summary(key, summary)
    storms.record(key, "req-1", 30.0, shown=2, flushing=None)
    read["released"] = storms.release(key, "req-1", if_shown=2)
    read["head"], read["summary"] = storms.head(key), storms.summary(key)
    read["entries"], read["entry"] = storms.entries(key, 1, 3), storms.entry(key, 1)

    standings = StandingStore(dynamodb, TABLE)
    check = check_key(Check("api-health", HttpProbe("https://example.com/health")), "eu-west-1")
    failing = Standing(True, 2, "2026-11-26T10:00:00+00:00", 1, False, "HTTP 503", ("GET / → 503", "body: down"))
    read["standing written"] = standings.write(check, Standing(), failing)
    read["standing"] = standings.read(check)

    ledger = Ledger(dynamodb, TABLE, new_per_minute=1, note_every_s=0)
    forwarder = Forwarder(ledger, "C0999", "us-east-1", "123456789012", "aws", "?ERROR")
    _, report = forwarder.deliveries(subscription())  # one kind announced, one held
    for new in report.new_keys:
        ledger.mark_announced(new)
    _, again = forwarder.deliveries(subscription())  # Lambda's retry: a repeat note, nothing counted twice
    read["announced"], read["announced again"] = report.announced, again.announced

    read["signature"] = SeenSignatures(TABLE, dynamodb).first_time("v0=5f2b", "req-9")
    once = ExactlyOnce(TABLE, dynamodb)
    read["once"] = once.run(
        "digest#2026-W48", lambda: {"ts": "1.2"}, lambda_context=LambdaContext(), deadline=DEADLINE
    )
    return read


DEADLINE = Deadline.after(60)
DATA = {  # the incident's record, as ``IncidentStore`` serialises it
    "alarm_arn": ARN,
    "channel": "C0123",
    "ts": "1795999999.000100",
    "state": "ALARM",
    "status": "open",
    "opened_at": 0.0,
    "changed_at": 0.0,
    "last_notified_at": 0.0,
    "notify_count": 0,
    "history": [["ALARM", 1795999999.5]],
    "acked_by": "",
    "silenced_until": 0.0,
    "silenced_by": "",
    "storm": STORM,
    "storm_seq": 2,
    "logs": "",
    "service": "",
    "noted_at": 0.0,
    "counted": STORM,
    "escalate_after_s": 0,
    "escalate_page_s": 0,
    "escalate_to": "",
    "escalated": 0,
    "name": "",
    "reason": "",
}
KIND = "logerr#4b855265b73d0adac91d203b"
HELD = "logerr#ca3a7dd0b4bff78fc8c7c36a"
EXPECTED: dict[str, dict[str, Any]] = {
    f"incident#{ARN}": {
        "data": {"S": json.dumps(DATA)},
        "version": {"N": "2"},
        "expiration": {"N": "1798592000"},  # 30 days
    },
    STORM: {
        "announce": {"S": '["<@U1>"]'},
        "channel": {"S": "C0123"},
        "count": {"N": "2"},
        "expiration": {"N": "1796172800"},  # 2 days
        "joined": {"S": "storm#C0123#29933332"},
        "lease_until": {"N": "0"},
        "openings": {"N": "1"},
        "shown": {"N": "2"},
        "summary_ts": {"S": "1795999999.000200"},
    },
    f"{STORM}#1": {"entry": {"S": '{"id": "a|ALARM|1", "state": "ALARM"}'}, "expiration": {"N": "1796172800"}},
    f"{STORM}#2": {"tombstone": {"BOOL": True}, "expiration": {"N": "1796172800"}},
    f"{STORM}#summary": {
        "data": {
            "S": '{"through": 2, "alarms": 1, "firing": 1, "severity": "critical", "mentions": ["<@U1>"], '
            '"top": [{"name": "a"}]}'
        },
        "expiration": {"N": "1796172800"},
    },
    "check#eu-west-1#api-health": {  # no TTL: a check's standing lasts as long as the check
        "announced": {"BOOL": False},
        "evidence": {"L": [{"S": "GET / → 503"}, {"S": "body: down"}]},
        "failing": {"BOOL": True},
        "failures": {"N": "2"},
        "since": {"S": "2026-11-26T10:00:00+00:00"},
        "summary": {"S": "HTTP 503"},
        "version": {"N": "1"},
    },
    KIND: {
        "announced_at": {"N": "1796000000.500"},
        "count": {"N": "2"},
        "expiration": {"N": "1798592000"},  # 30 days
        "first_ms": {"N": "1795999990000"},
        "kind_name": {"S": "ERROR PaymentError <n>"},
        "last_ms": {"N": "1795999990001"},
        "log_group": {"S": "/aws/lambda/orders-api"},
    },
    HELD: {
        "count": {"N": "1"},
        "expiration": {"N": "1798592000"},
        "first_ms": {"N": "1795999990002"},
        "kind_name": {"S": "ERROR timeout after <n> ms"},
        "last_ms": {"N": "1795999990002"},
        "log_group": {"S": "/aws/lambda/orders-api"},
    },
    "logerr-batch#logs#BATCH": {"kinds": {"SS": [KIND, HELD]}, "expiration": {"N": "1796025200"}},  # 7 hours
    "logerr-new#40435d2df8e63931d7afb426#29933333": {  # 1 hour
        "kinds": {"SS": [KIND]},
        "held": {"SS": [HELD]},
        "held_beyond": {"N": "0"},
        "held_lines": {"N": "2"},
        "expiration": {"N": "1796003600"},
    },
    "logerr-notes#C0999#29933333": {"count": {"N": "1"}, "expiration": {"N": "1796003600"}},  # 1 hour
    "signature#v0=5f2b": {"holder": {"S": "req-9"}, "expiration": {"N": "1796001860"}},  # 31 minutes
    "lookout#once#2e21cfd43d8a53bb030aac20080d0b25": {  # Powertools: key_prefix#md5({"key": …})
        "status": {"S": "COMPLETED"},
        "result": {"S": '{"ts": "1.2"}'},
        "expiration": {"N": "1796086400"},  # 24 hours
        "in_progress_expiration": {"N": "1796000030500"},  # the invocation's remaining time, in ms
    },
}


def stored(dynamodb: Any) -> dict[str, dict[str, Any]]:
    items = dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    found = {item.pop("pk")["S"]: item for item in items}
    for item in found.values():  # a string set is unordered
        for value in item.values():
            if "SS" in value:
                value["SS"].sort()
    batch = next(key for key in found if key.startswith("logerr-batch#logs#"))
    assert len(batch) == len("logerr-batch#logs#") + 32
    found["logerr-batch#logs#BATCH"] = found.pop(batch)
    return found


def test_every_family_stores_its_items_as_deployed_tables_hold_them(dynamodb: Any) -> None:
    # GIVEN every store writing through its own path at one moment
    write_every_family(dynamodb)
    # THEN the table holds exactly these items: keys, attribute types, values, TTLs
    found = stored(dynamodb)
    assert sorted(found) == sorted(EXPECTED)
    for key, item in EXPECTED.items():
        assert found[key] == item, key


def test_every_store_reads_back_what_it_wrote(dynamodb: Any) -> None:
    read = write_every_family(dynamodb)
    assert read["incident"].history == (("ALARM", 1_795_999_999.5),) and read["incident"].version == 1
    assert read["ranks"] == [1, 1, 2] and read["written"] == [True, True] and read["released"] is True
    leased: Head = read["leased"]
    assert (leased.lease_owner, leased.lease_until, leased.openings, leased.count) == ("req-1", NOW + 30.0, 1, 2)
    assert isinstance(leased.lease_until, float) and isinstance(leased.count, int)
    assert read["flushing"].flushing == (1, 2) and read["flushing"].announce == ("<@U1>",)
    assert read["head"] == Head(
        key=STORM,
        channel="C0123",
        openings=1,
        count=2,
        shown=2,
        summary_ts="1795999999.000200",
        joined="storm#C0123#29933332",
        announce=("<@U1>",),
    )
    assert read["summary"] == Summary(2, 1, 1, "critical", ["<@U1>"], [{"name": "a"}])
    assert read["entries"] == {1: {"id": "a|ALARM|1", "state": "ALARM"}, 2: {"tombstone": True}}
    assert read["entry"] == {"id": "a|ALARM|1", "state": "ALARM"}
    assert read["standing written"] is True
    assert read["standing"] == Standing(
        True, 2, "2026-11-26T10:00:00+00:00", 1, False, "HTTP 503", ("GET / → 503", "body: down")
    )
    assert isinstance(read["standing"].failures, int) and isinstance(read["standing"].version, int)
    assert read["announced"] == [
        "orders-api: ERROR PaymentError <n>",
        "orders-api: 1 more new error kind this minute",
    ]
    assert read["announced again"] == read["announced"]  # the repeat's note, and the held kind still held
    assert read["signature"] is True
    assert read["once"] == ({"ts": "1.2"}, True)
