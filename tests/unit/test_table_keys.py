"""The incidents table's keys, pinned byte for byte: deployed tables hold them, so a key family that changed its
spelling would orphan every record written before (an incident's message, a storm, a check's standing, a kind's
tally) and let an idempotency claim run twice. The expected strings were taken from the code's outputs before
the families were gathered in ``bot.table_keys``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import table_keys
from bot.analytics.schedule import digest_week
from bot.checks.alarm import check_key
from bot.checks.config import Check, HttpProbe
from bot.lifecycle.storm import storm_key
from bot.logerrors.forwarder import Forwarder
from bot.logerrors.kinds import Kind

ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-5xx"
STORM = "storm#C0123#29928333"


def test_the_domains_build_the_keys_they_always_built() -> None:
    assert storm_key("C0123", 29_928_333) == STORM
    assert storm_key("C0123", 29_928_333, "logs") == "storm#C0123#logs#29928333"
    check = Check("api-health", HttpProbe("https://example.com/health"))
    assert check_key(check, "eu-west-1") == "check#eu-west-1#api-health"
    kind = Kind("/aws/lambda/orders-api", "ERROR PaymentError <n>", 3, 1, 2, "sample", "stream")
    assert kind.key == "logerr#4b855265b73d0adac91d203b"
    forwarder = Forwarder(None, "#errors", "us-east-1", "1", "aws", "?ERROR")  # type: ignore[arg-type]
    assert (
        forwarder.batch_key({"awslogs": {"data": "H4sIAAAAAAAAAKtWyk"}}) == "logs#fdcd2567c2ec9fee77ca22972ff5a0e7"
    )
    assert digest_week(datetime(2026, 1, 1, 12, tzinfo=UTC)) == "digest#2026-W01"


@pytest.mark.parametrize(
    ("built", "pinned"),
    [
        (table_keys.incident(ARN), f"incident#{ARN}"),
        (table_keys.storm("C0123", 29_928_333), STORM),
        (table_keys.storm("C0123", 29_928_333, "logs"), "storm#C0123#logs#29928333"),
        (table_keys.storm_entry(STORM, 7), "storm#C0123#29928333#7"),
        (table_keys.storm_summary(STORM), "storm#C0123#29928333#summary"),
        (table_keys.check("eu-west-1", "api-health"), "check#eu-west-1#api-health"),
        (table_keys.log_kind("4b855265b73d0adac91d203b"), "logerr#4b855265b73d0adac91d203b"),
        (table_keys.log_delivery("fdcd2567c2ec9fee77ca22972ff5a0e7"), "logs#fdcd2567c2ec9fee77ca22972ff5a0e7"),
        (
            table_keys.log_batch("logs#da351a68168a9f3718e7c028978e214e"),
            "logerr-batch#logs#da351a68168a9f3718e7c028978e214e",
        ),
        (
            table_keys.log_new_kinds("40435d2df8e63931d7afb426", 29_928_333),
            "logerr-new#40435d2df8e63931d7afb426#29928333",
        ),
        (table_keys.log_notes("C0999", 29_928_333), "logerr-notes#C0999#29928333"),
        (table_keys.signature("v0=5f2b"), "signature#v0=5f2b"),
        (table_keys.digest(2026, 1), "digest#2026-W01"),
        (table_keys.digest(2026, 49), "digest#2026-W49"),
        (table_keys.ONCE_PREFIX, "lookout#once"),
    ],
)
def test_every_family_builds_its_pinned_key(built: str, pinned: str) -> None:
    assert built == pinned


def test_a_log_error_kinds_key_and_its_alarm_name_the_same_digest() -> None:
    # the kind's card names it by its digest (its ARN's last part); the forwarder marks the kind by that name
    key = table_keys.log_kind("4b855265b73d0adac91d203b")
    assert table_keys.log_kind_digest(key) == "4b855265b73d0adac91d203b"


@pytest.mark.parametrize(
    ("channel", "family", "errors"),
    [("C0123", "logs", True), ("C0123", "", False), ("#alerts", "logs", True), ("#logs", "logs", True)],
)
def test_a_storm_of_log_error_kinds_is_told_by_its_key(channel: str, family: str, errors: bool) -> None:
    assert table_keys.log_errors_storm(table_keys.storm(channel, 29_928_333, family)) is errors


def test_a_channel_named_logs_holds_an_alarm_storm() -> None:
    # a channel given by its name, #logs: its alarms' storm is not the log-error family (it was: "#logs#" in key)
    assert table_keys.storm("#logs", 29_928_333) == "storm##logs#29928333"
    assert not table_keys.log_errors_storm("storm##logs#29928333")


def test_every_family_is_in_the_modules_table() -> None:
    # GIVEN the families the module names, THEN its docstring's table lists each prefix with its TTL
    doc = table_keys.__doc__ or ""
    for family in table_keys.FAMILIES:
        assert f"`{family.prefix}" in doc, family.prefix
    prefixes = [family.prefix for family in table_keys.FAMILIES]
    assert len(prefixes) == len(set(prefixes))
