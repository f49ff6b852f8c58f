"""Exactly-once claims (``bot.lifecycle.claims``) on a moto table: the states Powertools Idempotency had."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from moto import mock_aws

from bot.lifecycle.claims import COMPLETED, IN_PROGRESS, Claims, ClaimTaken
from tests.support import incidents_table

if TYPE_CHECKING:
    from collections.abc import Iterator

TABLE = "claims"


@pytest.fixture
def claims() -> Iterator[Claims]:
    with mock_aws():
        client = incidents_table(TABLE)
        yield Claims(TABLE, lambda: client, keep_s=3600)


def records(claims: Claims) -> list[dict[str, Any]]:
    return claims.client.scan(TableName=TABLE)["Items"]  # type: ignore[no-any-return]


def test_done_once_then_duplicates_are_turned_away(claims: Claims) -> None:
    assert claims.run("alarm|ALARM|t1", lambda: {"ts": "1"}, remaining_s=30) == {"ts": "1"}
    with pytest.raises(ClaimTaken) as taken:
        claims.run("alarm|ALARM|t1", lambda: pytest.fail("ran twice"), remaining_s=30)
    assert taken.value.status == COMPLETED
    assert claims.run("alarm|OK|t2", lambda: {"ts": "2"}, remaining_s=30) == {"ts": "2"}  # another change


def test_a_failure_releases_the_claim_for_the_retry(claims: Claims) -> None:
    def slack_down() -> dict[str, str]:
        raise RuntimeError("slack is down")

    with pytest.raises(RuntimeError):
        claims.run("k", slack_down, remaining_s=30)
    assert records(claims) == []
    assert claims.run("k", lambda: {"ts": "1"}, remaining_s=30) == {"ts": "1"}


def test_work_in_progress_turns_away_a_concurrent_delivery(claims: Claims) -> None:
    def concurrent_duplicate() -> dict[str, str]:
        with pytest.raises(ClaimTaken) as taken:
            claims.run("k", lambda: pytest.fail("ran twice"), remaining_s=30)
        assert taken.value.status == IN_PROGRESS
        return {"ts": "1"}

    assert claims.run("k", concurrent_duplicate, remaining_s=30) == {"ts": "1"}


def test_a_crashed_delivery_does_not_block_the_retry(claims: Claims) -> None:
    def crash_mid_way() -> dict[str, str]:
        raise SystemExit  # the sandbox died: nothing of ours runs after this

    claims.client.delete_item = lambda **_: None  # type: ignore[method-assign]  # ...not even the release
    with pytest.raises(SystemExit):
        claims.run("k", crash_mid_way, remaining_s=0.001)
    assert [r["status"]["S"] for r in records(claims)] == [IN_PROGRESS]
    time.sleep(1.1)  # the invocation's time is over (at least one second is always allowed)
    assert claims.run("k", lambda: {"ts": "1"}, remaining_s=30) == {"ts": "1"}
