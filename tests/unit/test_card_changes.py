"""The card's "Changed before this" and the change its first line names (issue #31 item 2), from changes read out
of real CloudTrail events (tests/fixtures/changes, SOURCES.md there): newest first with when, what, where and who;
"nothing changed" only when the whole window was searched, with the window; a change within minutes of the first
breaching datapoint — the breach found from the metric as CloudWatch compares it — goes into the first line."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.changes.model import Change, Changes
from bot.changes.parse import parse_event, parse_record
from bot.enrich.changes import first_breach, recent_change
from bot.enrich.model import Enrichment, Finding, MetricReport
from bot.slack.blocks.changes import changes_text
from bot.slack.blocks.render import render_alarm
from tests.support.hostile import SECRETS
from tests.support.log_search import alarm as log_alarm

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "changes"


def real(name: str, at: datetime | None = None) -> Change:
    raw = json.loads((FIXTURES / name).read_text())
    change = parse_event(raw) if "detail-type" in raw else parse_record(raw)  # an EventBridge event, or its detail
    assert isinstance(change, Change), change
    return change if at is None else replace(change, at=at)


ALARM = log_alarm()
CHANGED = ALARM.changed_at


def found(*items: Change, complete: bool = True, notes: tuple[str, ...] = ()) -> Finding[Changes]:
    window = Changes(items, CHANGED - timedelta(hours=1), CHANGED, "ledger", complete, notes)
    return Finding("Changes", value=window)


def metric(values: list[float | None], threshold: float = 3.0, comparison: str = "GreaterThanThreshold") -> Any:
    start = CHANGED - timedelta(minutes=len(values) - 1)
    stamps = tuple(start + timedelta(minutes=i) for i in range(len(values)))
    return MetricReport("Errors (Sum)", 60, stamps, tuple(values), threshold, comparison)


# --- when the breach began --------------------------------------------------------------------------------


def test_the_breach_begins_at_the_first_datapoint_of_the_run_that_breaches_up_to_the_latest() -> None:
    # GIVEN Errors > 3: an old breach, a quiet minute, then three breaching minutes and one recovered
    report = metric([9, 2, 5, 6, 7, 1])
    # THEN the breach began with the 5, three minutes after the series' start (the old 9 was another breach)
    assert first_breach(ALARM, report) == report.timestamps[2]


def test_without_a_static_threshold_the_breach_is_the_state_change() -> None:
    band = metric([1, 9, 9], comparison="LessThanLowerOrGreaterThanUpperThreshold")
    assert first_breach(ALARM, band) == CHANGED and first_breach(ALARM, None) == CHANGED


# --- the first line's change ------------------------------------------------------------------------------


def test_a_deploy_four_minutes_before_the_first_breach_is_named_with_who_did_it() -> None:
    report = metric([0, 0, 0, 5, 6])  # the breach began 3 minutes before the state change
    deploy = real("recorded_lambda_update_function_code.json", at=report.timestamps[3] - timedelta(minutes=4))
    enrichment = replace(Enrichment.skipped(), metric=Finding("Metric", report), changes=found(deploy))
    change = recent_change(ALARM, enrichment)
    assert change is not None
    assert (change.what, change.who, change.minutes_before) == ("deployed", "user/christophe", 4.0)
    first_line = render_alarm(ALARM, enrichment).blocks[1].to_dict()["text"]["text"]
    assert first_line.endswith(" — stratus-red-team-olc-func-vayhjqkdav deployed 4 min before by user/christophe")


def test_a_change_long_before_the_breach_stays_out_of_the_first_line() -> None:
    old = real("recorded_lambda_update_function_code.json", at=CHANGED - timedelta(minutes=40))
    enrichment = replace(Enrichment.skipped(), changes=found(old))
    assert recent_change(ALARM, enrichment) is None
    assert recent_change(ALARM, Enrichment.skipped()) is None


# --- the section ------------------------------------------------------------------------------------------


def test_changes_are_listed_newest_first_with_when_what_where_and_who() -> None:
    concurrency = real("shaped_lambda_put_function_concurrency.json", at=CHANGED - timedelta(minutes=3))
    table = real("docs_dynamodb_update_table.json", at=CHANGED - timedelta(minutes=30))
    text = changes_text(found(concurrency, table), CHANGED)
    lines = text.splitlines()
    assert lines[0] == f"*Changed before this* — {found().value.describe_window()} · change ledger"  # type: ignore[union-attr]
    assert lines[1].startswith(
        f"• {concurrency.at:%H:%M} UTC, 3 min before the breach · *<{concurrency.link}|checkout-function>*"
    )
    assert lines[1].endswith("reserved concurrency set to 1 · by user/deployer")
    assert (
        "*<" in lines[2]
        and "table updated (read capacity 10 → 25, write capacity 10 → 25) · by users/bob" in lines[2]
    )


def test_nothing_changed_is_said_only_for_a_window_searched_whole() -> None:
    window = found().value.describe_window()  # type: ignore[union-attr]
    assert (
        changes_text(found(), CHANGED) == f"*Changed before this* — _nothing changed in {window} · change ledger_"
    )
    partial = changes_text(
        found(complete=False, notes=("CloudTrail throttled: 13:10–13:48 not searched",)), CHANGED
    )
    assert "nothing changed" not in partial and "no changes found" in partial
    assert partial.endswith("_CloudTrail throttled: 13:10–13:48 not searched_")
    failed = changes_text(Finding("Changes", note="timed out after 3 s", failed=True), CHANGED)
    assert failed == "*Changed before this* — _timed out after 3 s_"


def test_what_a_change_names_is_redacted_and_escaped() -> None:
    deploy = real("recorded_lambda_update_function_code.json", at=CHANGED - timedelta(minutes=2))
    for secret in SECRETS:
        hostile = replace(
            deploy, resource=f"<!channel> {secret}", who=f"arn:aws:iam::1:user/<@U123> {secret}", link=""
        )
        text = changes_text(found(hostile), CHANGED)
        assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "<@U123>" not in text
        assert secret not in text


def test_the_section_sits_on_an_enriched_card_and_not_on_an_offline_one() -> None:
    enrichment = replace(Enrichment.skipped(), changes=found())
    ids = [b.block_id for b in render_alarm(ALARM, enrichment).blocks]
    assert ids.index("lookout:changes") == ids.index("lookout:metric") + 1
    assert "lookout:changes" not in [b.block_id for b in render_alarm(ALARM, Enrichment.skipped()).blocks]
