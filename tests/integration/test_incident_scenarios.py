"""The incident scenarios (``local/scenario/incidents``, issue #31 item 5) on one embedded stack: each scenario's alarm fires
through SNS into the real ``handlers/alarm.py`` and posts one card in its own channel, and the scorer finds in
that card's first line what the scenario's known cause says must be named.

An expectation the card cannot meet yet is a strict xfail with the reason: when the card learns it, the test
fails until the mark is removed. ``python -m local.scenario.incidents.score --write docs/scenarios.md`` publishes the same
verdicts as a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from local.scenario.incidents.catalog import SCENARIOS
from local.scenario.incidents.run import run
from local.scenario.incidents.score import first_line, score
from local.stack import EmbeddedStack
from tests.support.messages import assert_valid_message

if TYPE_CHECKING:
    from collections.abc import Iterator

    from local.scenario.incidents.model import Expect, Scenario
    from local.scenario.incidents.run import Fired, Run

CARD_SHOWS_CHANGES = True
"""Whether the card shows the change ledger's changes (#31 item 2: "Changed before this", and "deployed 4 min
before the first breach by …" in its first line). Flip it when that lands: the strict xfails then fail."""
NOT_YET = "card does not show changes yet: #31 item 2"
EVIDENCE_GAPS: dict[tuple[str, str], str] = {}
"""Expectations the card misses for want of evidence, not of changes: what it names instead."""


@pytest.fixture(scope="module")
def scenario_run() -> Iterator[Run]:
    with EmbeddedStack() as stack:
        yield run(stack)


def fired(scenario_run: Run, key: str) -> Fired:
    return next(f for f in scenario_run.fired if f.scenario.key == key)


def expectation_cases() -> list[Any]:
    cases = []
    for scenario in SCENARIOS:
        for expect in scenario.expects:
            marks = []
            if expect.needs_changes and not CARD_SHOWS_CHANGES:
                marks.append(pytest.mark.xfail(strict=True, reason=NOT_YET))
            gap = EVIDENCE_GAPS.get((scenario.key, expect.what))
            if gap:
                marks.append(pytest.mark.xfail(strict=True, reason=gap))
            cases.append(pytest.param(scenario, expect, id=f"{scenario.key}: {expect.what}", marks=marks))
    return cases


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_the_alarm_posts_one_card_in_its_channel(scenario_run: Run, scenario: Scenario) -> None:
    one = fired(scenario_run, scenario.key)
    assert not one.error, one.error
    assert one.card is not None, f"{scenario.alarm_name} posted nothing in {scenario.channel}"
    assert one.posts == 1
    assert_valid_message({"text": one.card["text"], "blocks": one.card["blocks"]})
    assert first_line(one.card), "the card has no first line below its header"


@pytest.mark.parametrize(("scenario", "expect"), expectation_cases())
def test_the_first_line_names(scenario_run: Run, scenario: Scenario, expect: Expect) -> None:
    scored = score(fired(scenario_run, scenario.key))
    (verdict,) = [v for v in scored.verdicts if v.expect == expect]
    assert verdict.named, f"{scenario.key}: {expect.what} — the card's first line: {scored.first_line!r}"


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.changes], ids=lambda s: s.key)
def test_the_ledger_files_the_change_under_the_alarmed_function(scenario_run: Run, scenario: Scenario) -> None:
    # GIVEN the scenario's CloudTrail events, delivered as EventBridge hands them to the ledger's function
    # THEN the ledger holds the change for the function the alarm names: a card that does not name it is the
    # card's miss, not a lost event
    assert not scenario_run.ledger.errors, scenario_run.ledger.errors
    assert fired(scenario_run, scenario.key).ledger_holds, f"nothing filed for {scenario.function}"


def test_the_scorer_reads_the_first_line_below_the_header() -> None:
    # GIVEN a card whose header names the alarm (and so the function) and whose first section says nothing of it
    card = {
        "text": "fallback",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "🔴 cart-api-errors · OK → ALARM"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*orders* failing: `KeyError` &amp; <https://x|more>\nsecond"},
            },
        ],
    }
    # THEN the scorer reads the section's first line, as plain text
    assert first_line(card) == "orders failing: KeyError & more"
