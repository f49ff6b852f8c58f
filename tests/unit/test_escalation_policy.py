"""Escalation's pure parts: the policy from tags and settings, what the card says, where an indexed incident
stands at a tick, what the page says, and the index's keys."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot import table_keys
from bot.config import ConfigError, Settings
from bot.lifecycle.escalation import GIVE_UP_S, alarm_of, escalation_line, minute_at, page_for, standing
from bot.lifecycle.routing import EscalationDefaults, route_for
from bot.lifecycle.store import Incident

ARN = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders-5xx"
OPENED = 1_795_000_000.0  # 2026-11-18 11:06:40 UTC
LEADS = "<!subteam^S0PAYLEADS>"


def incident(**changes: object) -> Incident:
    base = Incident(
        alarm_arn=ARN,
        channel="C0ALERTS",
        ts="1795000001.000100",
        opened_at=OPENED,
        changed_at=OPENED,
        notify_count=1,
        escalate_after_s=900,
        escalate_page_s=600,
        escalate_to=LEADS,
        name="orders-5xx",
        reason="Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tags", "defaults", "expected"),
    [
        ({}, EscalationDefaults(), (None, 0, "")),  # off by default
        ({"lookout:escalate-after": "15m"}, EscalationDefaults(), (900, 900, "")),  # the page: the period again
        (
            {"lookout:escalate-after": "15m", "lookout:mention": "S0TEAM01"},
            EscalationDefaults(),
            (900, 900, "<!subteam^S0TEAM01>"),
        ),
        (
            {"lookout:escalate-after": "15m", "lookout:escalate-to": "S0LEADS1, U0BOSS01"},
            EscalationDefaults(),
            (900, 900, "<!subteam^S0LEADS1> <@U0BOSS01>"),
        ),
        (
            {"lookout:escalate-after": "15m", "lookout:escalate-page-after": "5m"},
            EscalationDefaults(),
            (900, 300, ""),
        ),
        (
            {},
            EscalationDefaults(after_s=600, page_after_s=1200, to="S0LEADS1"),
            (600, 1200, "<!subteam^S0LEADS1>"),
        ),
        (
            {"lookout:escalate-after": "never"},
            EscalationDefaults(after_s=600),
            (None, 0, ""),
        ),  # a tag turns it off
        (
            {"lookout:escalate-after": "soon"},
            EscalationDefaults(after_s=600),
            (600, 600, ""),
        ),  # a bad tag: default
        (
            {"lookout:escalate-after": "1h", "lookout:escalate-to": "<!channel>"},
            EscalationDefaults(to="S0LEADS1"),
            (3600, 3600, "<!subteam^S0LEADS1>"),
        ),
    ],
)
def test_the_policy_comes_from_the_tags_else_the_configuration(
    tags: dict[str, str], defaults: EscalationDefaults, expected: tuple[int | None, int, str]
) -> None:
    route = route_for(tags, "#alerts", escalation=defaults)
    assert (route.escalate_after_s, route.escalate_page_s, route.escalate_to) == expected


def test_the_settings_take_a_period_never_and_ids_and_refuse_anything_else() -> None:
    settings = Settings.from_env(
        {
            "LOOKOUT_ESCALATE_AFTER": "15m",
            "LOOKOUT_ESCALATE_PAGE_AFTER": "10m",
            "LOOKOUT_ESCALATE_TO": "S0LEADS1",
            "ESCALATION_TOPIC_ARN": "arn:aws:sns:us-east-1:111122223333:esc",
        }
    )
    assert (settings.escalate_after_s, settings.escalate_page_after_s) == (900, 600)
    assert settings.escalate_to == "S0LEADS1" and settings.escalation_topic_arn.endswith(":esc")  # type: ignore[union-attr]
    defaults = Settings.from_env({"LOOKOUT_ESCALATE_AFTER": "never"})
    assert (defaults.escalate_after_s, defaults.escalate_page_after_s, defaults.escalation_topic_arn) == (
        None,
        None,
        None,
    )
    for name, value in (
        ("LOOKOUT_ESCALATE_AFTER", "soon"),
        ("LOOKOUT_ESCALATE_PAGE_AFTER", "never"),
        ("LOOKOUT_ESCALATE_TO", "payments-leads"),
    ):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: value})


def test_the_card_names_the_group_only_where_naming_it_calls_nobody() -> None:
    due = minute_at(OPENED + 900) * 60  # 11:22 UTC: the first tick at or after 11:06:40 + 15 min
    assert due == OPENED + 900 + 20
    # posted: the card calls its team, not the leads, so the leads are not named yet
    assert (
        escalation_line(incident(), posting="<!subteam^S0TEAM01>") == "escalates at 11:22 UTC unless acknowledged"
    )
    # posted to the leads themselves, or edited (edits notify nobody): named
    assert escalation_line(incident(), posting=LEADS) == f"escalates to {LEADS} at 11:22 UTC"
    assert escalation_line(incident()) == f"escalates to {LEADS} at 11:22 UTC"
    assert escalation_line(incident(escalated=1)) == f"escalated to {LEADS} at 11:22 UTC"
    assert escalation_line(incident(escalated=2)) == f"escalated to {LEADS} at 11:22 UTC · paged at 11:32 UTC"
    # stopped before a step, or no escalation: nothing; a step taken stays said after the OK
    assert escalation_line(incident(acked_by="U0ONCALL")) == ""
    assert escalation_line(incident(silenced_until=OPENED + 60)) == ""
    assert escalation_line(incident(state="OK", status="resolved")) == ""
    assert escalation_line(incident(escalate_after_s=0)) == ""
    assert escalation_line(incident(escalated=1, state="OK", status="resolved")).startswith("escalated to")


@pytest.mark.parametrize(
    ("changes", "tick", "expected"),
    [
        ({}, OPENED + 899, ("waiting", 1)),
        ({}, OPENED + 900, ("due", 1)),
        ({"escalated": 1}, OPENED + 1499, ("waiting", 2)),
        ({"escalated": 1}, OPENED + 1500, ("due", 2)),
        ({"escalated": 2}, OPENED + 9999, ("done", 3)),
        ({"acked_by": "U0ONCALL"}, OPENED + 900, ("stopped", 0)),
        ({"silenced_until": OPENED + 60}, OPENED + 900, ("stopped", 0)),  # silenced during it, even if over now
        ({"state": "OK", "status": "resolved"}, OPENED + 900, ("stopped", 0)),
        ({"state": "INSUFFICIENT_DATA"}, OPENED + 900, ("later", 1)),  # neither firing nor over: look again
        ({"status": "posting", "ts": ""}, OPENED + 900, ("later", 1)),  # its message is being posted
        ({"ts": "", "storm": "storm#C0ALERTS#29916666"}, OPENED + 900, ("due", 1)),  # noted in the storm
        ({}, OPENED + 900 + GIVE_UP_S + 1, ("abandoned", 1)),
        ({"escalate_after_s": 0}, OPENED + 900, ("stopped", 0)),
    ],
)
def test_where_an_indexed_incident_stands_at_a_tick(
    changes: dict[str, object], tick: float, expected: tuple[str, int]
) -> None:
    assert standing(incident(**changes), tick, pages=True) == expected


def test_without_a_topic_the_note_is_the_last_step() -> None:
    assert standing(incident(escalated=1), OPENED + 9999, pages=False) == ("done", 2)
    assert standing(None, OPENED, pages=True) == ("stopped", 0)


def test_the_page_is_plain_readable_text_with_an_ascii_subject() -> None:
    page = page_for(
        incident(name="orders-5xx — café"), OPENED + 1520, channel="C0ALERTS", thread_ts="1795000001.000100"
    )
    assert page.subject == "Lookout escalation: orders-5xx ? caf? in ALARM for 25 min, unacknowledged"
    assert page.subject.isascii() and len(page.subject) < 100 and "\n" not in page.subject
    assert page.message.splitlines() == [
        "orders-5xx — café has been in ALARM since 11:06 UTC (25 min); nobody acknowledged it.",
        "",
        "Alarm:    orders-5xx — café",
        f"ARN:      {ARN}",
        "State:    ALARM since 2026-11-18 11:06:40 UTC",
        "Where:    account 111122223333 · eu-west-1",
        "Reason:   Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).",
        "Slack:    channel C0ALERTS, message 1795000001.000100; the thread note called S0PAYLEADS at 11:22 UTC",
        "Console:  https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/"
        "orders-5xx%20%E2%80%94%20caf%C3%A9",
    ]
    assert page.attributes == {
        "alarm_arn": ARN,
        "state": "ALARM",
        "opened_at": "2026-11-18T11:06:40+00:00",
        "channel": "C0ALERTS",
    }


def test_a_checks_incident_is_named_from_its_arn_and_has_no_console_link() -> None:
    check = incident(alarm_arn="arn:aws:lookout:us-east-1:111122223333:check/orders-health", name="")
    assert alarm_of(check).name == "orders-health" and alarm_of(check).kind.value == "check"
    assert "Console:" not in page_for(check, OPENED + 1500, "C0", "1.2").message


def test_the_index_keys_are_pinned() -> None:
    assert table_keys.escalation(29_916_683, 2) == "escalation#29916683#2"
    assert table_keys.ESCALATION_SWEPT == "escalation#swept"
    assert table_keys.escalation_shard(ARN) == table_keys.escalation_shard(ARN) < table_keys.ESCALATION_SHARDS
    shards = {table_keys.escalation_shard(f"{ARN}-{i}") for i in range(200)}
    assert shards == set(range(table_keys.ESCALATION_SHARDS))  # a minute's incidents spread over every item
    assert table_keys.escalation_step(ARN, OPENED, 1) == f"escalate#{ARN}#1795000000.0#1"
