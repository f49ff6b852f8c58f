"""The replay memory when its shared table cannot be reached: commands keep working, and the container's own
memory still refuses a replay."""

from __future__ import annotations

from typing import Any

from bot.slack.edge.seen_signatures import SeenSignatures


def test_an_unreachable_shared_memory_falls_back_to_the_containers_own() -> None:
    class Down:
        def put_item(self, **_: Any) -> None:
            raise ConnectionError("dynamodb unreachable")

    seen = SeenSignatures("lookout-incidents", Down())
    assert seen.first_time("v0=abc") is True  # commands keep working while the table is away
    assert seen.first_time("v0=abc") is False  # and a replay to this container is still refused
