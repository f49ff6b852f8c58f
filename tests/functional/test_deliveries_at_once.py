"""One event's deliveries side by side: different alarms are claimed, decided and posted at once (a burst of
new log-error kinds is one post's time, not one per kind), while one alarm's own state changes keep the order
they came in; and a burst's new kinds take their places in the group's minute in two calls, not one a kind,
never more than the minute's share however deliveries race."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from bot.alerting import DELIVERIES_AT_ONCE, AlertService
from bot.config import Settings
from bot.delivery import Deadline, Posted
from bot.events import parse_event
from bot.logerrors.kinds import Kind
from bot.logerrors.ledger import Ledger
from bot.observability import Telemetry
from tests.support.lifecycle import incidents_table, sns_event

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from bot.delivery import Delivery

WAIT_S = 10.0
"""How long a post waits for its neighbour before the test calls the deliveries sequential (only a failing run
waits this long)."""


class Courier:
    """Records posts in the order they happen; ``before_post`` runs first (to hold one until another happened)."""

    def __init__(self, before_post: Callable[[str, str], object]) -> None:
        self.before_post = before_post
        self.order: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def post(
        self, alert: Any, card: Any, channel: str, deadline: Deadline, *, search_first: bool = False
    ) -> Posted:
        name, state = alert.alarm.name, alert.alarm.state.value
        self.before_post(name, state)
        with self._lock:
            self.order.append((name, state))
        return Posted(channel, f"{len(self.order)}.0")


def service(courier: Courier) -> AlertService:
    settings = Settings(slack_channel="#alerts")
    return AlertService(settings, enricher=None, courier=courier, telemetry=Telemetry.for_cli(settings))  # type: ignore[arg-type]


def deliveries(*changes: tuple[str, str, float]) -> list[Delivery]:
    out: list[Delivery] = []
    for name, state, minute in changes:
        out.extend(parse_event(sns_event(name, state, minute, old="OK" if state == "ALARM" else "ALARM")))
    return out


def test_different_alarms_are_posted_side_by_side() -> None:
    # GIVEN an event with two alarms, each post waiting until the other one's has started
    both = threading.Barrier(2, timeout=WAIT_S)
    courier = Courier(lambda name, state: both.wait())
    # WHEN they are delivered
    outcomes = service(courier).deliver_all(
        deliveries(("api", "ALARM", 0), ("db", "ALARM", 0)), Deadline.after(30)
    )
    # THEN both were posted: one after the other, the first would have waited for the second in vain
    assert [o.error for o in outcomes] == [None, None]
    assert sorted(courier.order) == [("api", "ALARM"), ("db", "ALARM")]


def test_one_alarms_state_changes_keep_their_order_and_outcomes_keep_the_events() -> None:
    # GIVEN api's ALARM and then its OK in one event, beside db's ALARM; api's ALARM post is held until db's posts
    db_posted = threading.Event()

    def hold(name: str, state: str) -> None:
        if name == "db":
            db_posted.set()
        elif state == "ALARM":
            assert db_posted.wait(WAIT_S), "db's delivery never ran beside api's"

    courier = Courier(hold)
    event = deliveries(("api", "ALARM", 0), ("db", "ALARM", 0), ("api", "OK", 1))
    outcomes = service(courier).deliver_all(event, Deadline.after(30))
    # THEN api's OK was posted after its ALARM, though the ALARM waited and the OK was free to go
    assert not [o for o in outcomes if o.error]
    assert courier.order.index(("api", "ALARM")) < courier.order.index(("api", "OK"))
    # AND the outcomes are in the event's order, whatever order the posts happened in
    assert [o.title for o in outcomes] == ["api", "db", "api"]


def test_a_burst_never_has_more_deliveries_in_flight_than_allowed() -> None:
    # GIVEN 3 × DELIVERIES_AT_ONCE different alarms, each post counting how many are in flight
    in_flight, most, lock = [0], [0], threading.Lock()
    gate = threading.Barrier(DELIVERIES_AT_ONCE, timeout=WAIT_S)

    def count(name: str, state: str) -> None:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        gate.wait()  # a full set in flight at once, each time
        with lock:
            in_flight[0] -= 1

    courier = Courier(count)
    burst = deliveries(*[(f"alarm-{i}", "ALARM", 0) for i in range(3 * DELIVERIES_AT_ONCE)])
    outcomes = service(courier).deliver_all(burst, Deadline.after(60))
    assert not [o for o in outcomes if o.error] and len(courier.order) == 3 * DELIVERIES_AT_ONCE
    assert most[0] == DELIVERIES_AT_ONCE


# --- a burst's new kinds in the group's minute -----------------------------------------------------------

TABLE = "incidents"
SHARE = 20


class Counting:
    """A DynamoDB client that counts its calls; ``between`` runs after the first GetItem (a racing delivery)."""

    def __init__(self, client: Any, between: Callable[[], object] | None = None) -> None:
        self.client, self.between, self.calls = client, between, 0
        self.exceptions = client.exceptions

    def get_item(self, **kwargs: Any) -> Any:
        self.calls += 1
        found = self.client.get_item(**kwargs)
        if self.between is not None:
            between, self.between = self.between, None
            between()
        return found

    def update_item(self, **kwargs: Any) -> Any:
        self.calls += 1
        return self.client.update_item(**kwargs)


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        yield incidents_table(TABLE)


def kinds(names: range, group: str = "/aws/lambda/shop") -> list[Kind]:
    return [Kind(group, f"ERROR kind {i}", 1, 1_795_700_000_000, 1_795_700_000_000, "x", "s") for i in names]


def ledger(client: Any) -> Ledger:
    return Ledger(client, TABLE, new_per_minute=SHARE, clock=lambda: 1_795_700_000.0)


def test_five_hundred_new_kinds_take_the_minutes_places_in_two_calls(dynamodb: Any) -> None:
    counting = Counting(dynamodb)
    placed = ledger(counting).places(kinds(range(500)))
    # THEN the first SHARE kinds have a place, the other 480 are held, and it cost a read and a write
    assert [k for k, ok in placed.items() if ok] == [k.key for k in kinds(range(SHARE))]
    assert sum(not ok for ok in placed.values()) == 500 - SHARE
    assert counting.calls == 2


def test_kinds_another_delivery_placed_keep_their_place_and_the_share_holds(dynamodb: Any) -> None:
    # GIVEN another delivery that placed kinds 0–4 and 100–104 this minute (ten places taken)
    other = ledger(dynamodb)
    for kind in kinds(range(5)) + kinds(range(100, 105)):
        assert other.new_kind_allowed(kind)
    # WHEN a delivery with kinds 0–59 asks for places
    placed = ledger(dynamodb).places(kinds(range(60)))
    # THEN 0–4 keep theirs, and ten more (5–14) fill the share of twenty; 15–59 are held
    assert {k for k, ok in placed.items() if ok} == {k.key for k in kinds(range(15))}
    # AND the minute holds exactly twenty kinds
    assert _minute_size(dynamodb) == SHARE


def test_a_delivery_racing_between_the_read_and_the_write_never_overfills_the_minute(dynamodb: Any) -> None:
    # GIVEN a delivery that reads an empty minute, then another that takes 15 places before it writes
    other = ledger(dynamodb)
    racing = Counting(dynamodb, between=lambda: [other.new_kind_allowed(k) for k in kinds(range(200, 215))])
    placed = ledger(racing).places(kinds(range(40)))
    # THEN its own write is refused and it takes the five places left, one by one: never more than the share
    assert {k for k, ok in placed.items() if ok} == {k.key for k in kinds(range(5))}
    assert _minute_size(dynamodb) == SHARE


def _minute_size(dynamodb: Any) -> int:
    items = dynamodb.scan(TableName=TABLE)["Items"]
    (minute,) = [i for i in items if "kinds" in i]
    return len(minute["kinds"]["SS"])
