"""A composite alarm's actions suppressed by a ``WaitPeriod`` or ``ExtensionPeriod`` run when the period ends
("Composite alarms take actions that are based on their current states when ExtensionPeriod and WaitPeriod
become inactive" — CloudWatch User Guide, Composite alarm action suppression). CloudWatch then sends an ALARM
→ ALARM change whose previous state carries ``actionsSuppressedBy`` and whose new state does not (the alarm
action example in tests/fixtures/events/lambda_action_rust_composite.json): that is a live page, and the card
says so, with the periods."""

from __future__ import annotations

from typing import Any

from bot.alarms import Alarm
from bot.enrich.model import Enrichment
from bot.events import parse_event
from bot.slack.blocks.render import render_alarm
from tests.support.fixtures import load_event


def the_alarm(event: dict[str, Any]) -> Alarm:
    (delivery,) = parse_event(event)
    assert isinstance(delivery.item, Alarm)
    return delivery.item


def card(event: dict[str, Any]) -> dict[str, str]:
    message = render_alarm(the_alarm(event), Enrichment.skipped())
    blocks = {b.block_id: b.to_dict() for b in message.blocks}
    return {
        "text": message.text,
        "header": blocks["lookout:header"]["text"]["text"],
        "summary": blocks["lookout:summary"]["text"]["text"],
    }


def test_the_end_of_a_wait_period_is_a_live_page_with_its_periods() -> None:
    # GIVEN the documented alarm action: ALARM → ALARM, the previous state suppressed by WaitPeriod (120 s
    # wait, 180 s extension configured), the new one not suppressed
    shown = card(load_event("lambda_action_rust_composite.json"))
    # THEN nothing says "suppressed" or "maintenance": it says the actions run now, and why
    assert shown["header"] == "🔴 CompositeDemo.Main · ALARM → ALARM (suppression ended: actions run now)"
    assert shown["summary"].startswith(
        "🔴 *Suppression ended: actions run now* — its wait period ended without CompositeDemo.ActionsSuppressor "
        "going into ALARM (wait period 2 min, extension period 3 min): a live page"
    )
    assert "suppression ended: actions run now" in shown["text"]
    assert "Actions are suppressed while" not in shown["summary"] and "maintenance" not in shown["summary"]


def test_the_end_of_an_extension_period_is_a_live_page_too() -> None:
    event = load_event("lambda_action_rust_composite.json")
    event["alarmData"]["previousState"].update(
        actionsSuppressedBy="ExtensionPeriod", actionsSuppressedReason="Actions suppressed by ExtensionPeriod"
    )
    shown = card(event)
    assert "its extension period after CompositeDemo.ActionsSuppressor left ALARM ended" in shown["summary"]
    assert shown["header"].endswith("(suppression ended: actions run now)")


def test_a_change_still_suppressed_stays_muted() -> None:
    shown = card(load_event("eventbridge_rust_composite_suppressed.json"))  # suppressed by WaitPeriod now
    assert shown["header"].startswith("🔕") and "actions run now" not in shown["summary"]


def test_ok_after_a_suppressed_alarm_is_no_page() -> None:
    event = load_event("lambda_action_rust_composite.json")
    event["alarmData"]["state"]["value"] = "OK"
    shown = card(event)
    assert "actions run now" not in shown["summary"] and "actions run now" not in shown["header"]


def test_a_suppressor_the_event_does_not_name_is_left_out_not_called_unnamed() -> None:
    event = load_event("eventbridge_rust_composite_suppressed.json")
    del event["alarmData"]["configuration"]["actionsSuppressor"]
    summary = card(event)["summary"]
    assert "it waits up to 2 min for its suppressor alarm to go into ALARM" in summary
    assert "unnamed" not in summary


def test_a_severity_tag_keeps_what_the_header_says_about_suppression() -> None:
    # GIVEN the card as the lifecycle decorates it for an alarm tagged with a severity
    from bot.lifecycle.decisions import Card
    from bot.slack.blocks.lifecycle import decorate

    for fixture, says in (
        ("lambda_action_rust_composite.json", "(suppression ended: actions run now)"),
        ("eventbridge_rust_composite_suppressed.json", "(actions suppressed)"),
    ):
        alarm = the_alarm(load_event(fixture))
        message = decorate(render_alarm(alarm, Enrichment.skipped()), alarm, Card(severity="SEV1"))
        header = next(b.to_dict() for b in message.blocks if b.block_id == "lookout:header")["text"]["text"]
        # THEN the severity leads and the header still says whether this pages
        assert header.startswith(("🔴 SEV1 · ", "🔕 SEV1 · ")) and header.endswith(says), header
