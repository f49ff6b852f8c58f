"""Escalation exactly once, proven with the fault harness (``tests/support/escalation.py``: the families
``bench/reliability.py`` counts): alarms nobody acknowledges — three posted on their own, two in a storm's thread
— each get one thread note and one page on the escalation topic whatever their ticks meet: Slack and SNS failing,
ticks killed before and after each call and before the step is recorded, ticks duplicated, run at once or not at
all for ten minutes; and Acknowledge, Silence and OK landing while a tick runs stop what was not sent yet.
Asserted on what on-call and the pager see: the notes Slack shows, the messages a queue subscribed to the topic
received. A page SNS took whose tick then died (or whose answer was lost) comes again — at least once, the one
stated exception — every copy with the same dedupe key."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from moto import mock_aws

from tests.support.escalation import Scenario, run, scenarios

if TYPE_CHECKING:
    from local.slack.api import SlackStandIn

ALARMS = 5


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda scenario: scenario.name)
def test_each_unacknowledged_incident_is_noted_once_and_paged_once_whatever_its_ticks_meet(
    slack: SlackStandIn, scenario: Scenario
) -> None:
    with mock_aws():
        outcome = run(slack, scenario, ALARMS)
    assert len(outcome.seen) == ALARMS  # nothing escalated that was not opened
    for arn, seen in outcome.seen.items():
        assert (seen.notes, seen.pages) == outcome.expected(arn), arn
        assert len(seen.page_keys) <= 1, arn  # repeats of a page carry its one dedupe key
    if scenario.injects:
        assert outcome.faults >= ALARMS  # each alarm met its fault: the row cannot pass because none fired
    if scenario.page_repeats:
        assert sum(outcome.page_hits.values()) == ALARMS
