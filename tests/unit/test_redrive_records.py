"""`lookout replay` reads the alert back out of each queue record: the on-failure destination's record or a
raw event; anything else is unreadable."""

from __future__ import annotations

from bot.redrive import event_of
from tests.support.redrive import failure_record


def test_event_of() -> None:
    assert event_of(failure_record({"a": 1})) == {"a": 1}
    assert event_of('{"Records": []}') == {"Records": []}
    assert event_of("[1]") is None and event_of("x") is None
