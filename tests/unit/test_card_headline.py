"""The alarm card leads with the answer (issue #31, item 4): one line saying what fails and the most likely cause
from the evidence — X-Ray's root causes or faulting neighbour, the decisive log kind, a change before the breach
— and from the alarm alone when there is none; the log lines folded by kind as ``/errors`` folds them.

The demo's ten log lines are written out below as the embedded stack logs them; every count is counted by hand.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alarms import Alarm, AlarmState, Suppression
from bot.enrich.evidence import RecentChange, evidence_for, fold_lines
from bot.enrich.model import (
    Enrichment,
    Finding,
    LogLine,
    LogReport,
    MetricReport,
    RootCause,
    ServiceRow,
    Stats,
    XRayReport,
)
from bot.events import parse_event
from bot.slack.blocks.headline import headline
from bot.slack.blocks.render import SECTION_CHARS, TABLE_HEADER, render_alarm
from tests.support.fixtures import load_event
from tests.support.hostile import SECRETS

ROOT = Path(__file__).resolve().parents[2]
GROUP = "/aws/lambda/orders-api"
CHANGED = datetime(2026, 11, 20, 13, 48, 20, tzinfo=UTC)
THROTTLED = "{at}.001Z {rid} ERROR PaymentThrottled: 429 Too Many Requests from api.payments.example (ord-{order})"
BAD_GATEWAY = (
    '{{"level": "ERROR", "msg": "payment provider returned 502", "error": "PaymentError", "requestId": "{rid}", '
    '"orderId": "ord-{order}", "data": {{"clientKey": "acme"}}, "latency": 2367}}'
)
RETRYING = "{at}.002Z {rid} ERROR retrying charge with Authorization: Bearer [REDACTED:jwt]"
DEMO = [  # newest first, as the log search returns them: 4 throttled, 4 bad gateway, 2 retries
    ("13:49:12", THROTTLED, "24c1276c-74d6-411f-90cc-e893e7b227e9", "526613"),
    ("13:48:48", BAD_GATEWAY, "cd625a7f-177a-4334-9d86-6b346e3bbc97", "528840"),
    ("13:48:40", THROTTLED, "771c23e1-7d4f-4a0f-bc73-83bf9e6fb2b7", "468523"),
    ("13:48:36", THROTTLED, "5e113423-a8a9-4a62-a3a3-66aa6cfd4940", "528040"),
    ("13:48:28", RETRYING, "0a857746-314d-4386-a5b5-206ed0ce6bc4", ""),
    ("13:48:28", BAD_GATEWAY, "0a857746-314d-4386-a5b5-206ed0ce6bc4", "700340"),
    ("13:48:12", BAD_GATEWAY, "5084c63f-7b94-4e54-a9ad-2bc7f9bd6bbb", "637161"),
    ("13:48:00", RETRYING, "658f62d1-e8e8-4b0d-8e74-b3c4a402bb72", ""),
    ("13:48:00", BAD_GATEWAY, "658f62d1-e8e8-4b0d-8e74-b3c4a402bb72", "600691"),
    ("13:47:48", THROTTLED, "a4fc8621-5d20-46a6-8d5e-4aa0ff2282e6", "409711"),
]


def moment(clock: str) -> datetime:
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return CHANGED.replace(hour=hours, minute=minutes, second=seconds)


def demo_lines() -> tuple[LogLine, ...]:
    return tuple(
        LogLine(moment(clock), GROUP, shape.format(at=f"2026-11-20T{clock}", rid=rid, order=order))
        for clock, shape, rid, order in DEMO
    )


def alarm() -> Alarm:
    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item  # orders-api Errors (Sum) > 3
    assert isinstance(item, Alarm)
    return replace(item, changed_at=CHANGED)


def logs(lines: tuple[LogLine, ...], **changes: object) -> Finding[LogReport]:
    report = LogReport((GROUP,), "ERROR", "convention", lines, CHANGED - timedelta(minutes=5), CHANGED, **changes)  # type: ignore[arg-type]
    return Finding("Logs", value=report)


def stats(requests: int, faults: int = 0, throttles: int = 0) -> Stats:
    return Stats(requests, requests - faults - throttles, 0, throttles, faults, 300.0, 900.0, throttles)


ROWS = (
    ServiceRow("orders-api", "AWS::Lambda::Function", "service", stats(73, 8, 8)),
    ServiceRow("orders-api/prod", "AWS::ApiGateway::Stage", "caller", stats(73, 8, 8)),
    ServiceRow("api.payments.example", "remote", "callee", stats(73, 8, 8)),
    ServiceRow("orders", "AWS::DynamoDB::Table", "callee", stats(73)),
)
CAUSES = (
    RootCause("api.payments.example", "error", "PaymentThrottled", "429 Too Many Requests", 8),
    RootCause("api.payments.example", "fault", "PaymentError", "502 Bad Gateway from payment provider", 8),
)


def xray(causes: tuple[RootCause, ...] = CAUSES, rows: tuple[ServiceRow, ...] = ROWS) -> Finding[XRayReport]:
    report = XRayReport(("orders-api",), rows, causes, None, CHANGED - timedelta(minutes=15), CHANGED)
    return Finding("X-Ray", value=report)


def enrichment(
    xray: Finding[XRayReport] | None = None,
    logs: Finding[LogReport] | None = None,
    metric: Finding[MetricReport] | None = None,
) -> Enrichment:
    skipped = Enrichment.skipped()
    return Enrichment(xray=xray or skipped.xray, logs=logs or skipped.logs, metric=metric or skipped.metric)


# --- folding ----------------------------------------------------------------------------------------------


def test_the_demo_lines_fold_into_three_kinds_most_frequent_first_with_the_newest_line_of_each() -> None:
    kinds = fold_lines(demo_lines())
    assert [(k.label, k.count) for k in kinds] == [
        ("429", 4),  # 13:49:12, 13:48:40, 13:48:36, 13:47:48 — newest of the two kinds of four: first
        ("502", 4),  # 13:48:48, 13:48:28, 13:48:12, 13:48:00
        ("retrying charge with Authorization: Bearer [REDACTED:jwt]", 2),  # 13:48:28, 13:48:00
    ]
    assert [k.newest.timestamp for k in kinds] == [moment("13:49:12"), moment("13:48:48"), moment("13:48:28")]
    assert [k.first_seen for k in kinds] == [moment("13:47:48"), moment("13:48:00"), moment("13:48:00")]
    assert "ord-526613" in kinds[0].newest.message  # the newest line itself, not its folded kind


@pytest.mark.parametrize(
    ("messages", "label"),
    [
        (["upstream returned 502", "upstream returned 502"], "502"),
        (["upstream returned 502", "upstream returned 503"], "5xx"),  # one kind, two statuses: their class
        (["upstream returned 404", "upstream returned 503"], "4xx/5xx"),
        (["Task timed out after 3.00 seconds"], "Task timed out"),
        (["[ERROR] TypeError: cannot read property 'id' of undefined"], "TypeError"),
        (["charge took 450 ms, giving up"], "charge took … ms, giving up"),  # a measure is no status
        (["Test MESSAGE1", "Test MESSAGE2"], "Test MESSAGE…"),
    ],
)
def test_a_kind_is_named_by_its_status_else_its_error_name_else_its_text(messages: list[str], label: str) -> None:
    lines = [LogLine(CHANGED - timedelta(seconds=i), GROUP, m) for i, m in enumerate(messages)]
    (kind,) = fold_lines(lines)
    assert (kind.label, kind.count) == (label, len(messages))


# --- the first line for each combination of evidence ------------------------------------------------------


def test_logs_only_name_the_resource_and_the_decisive_kinds_with_their_counts() -> None:
    line = headline(alarm(), enrichment(logs=logs(demo_lines())))
    # the retries (2) are not more than half of the top kind's 4: not decisive
    assert line == "*orders-api* failing: 429 ×4, 502 ×4 logged since 13:47 UTC"


def test_xray_root_causes_only_name_the_neighbour_and_its_exceptions() -> None:
    line = headline(alarm(), enrichment(xray=xray()))
    assert line == (
        "*api.payments.example* failing for orders-api: `PaymentThrottled` in 8 traces, `PaymentError` in 8 traces"
    )


def test_without_root_causes_the_faulting_callee_of_the_service_graph_is_named() -> None:
    line = headline(alarm(), enrichment(xray=xray(causes=())))
    assert line == "*api.payments.example* failing for orders-api: 5xx ×8, 429 ×8 in X-Ray's last 15 min"


def test_root_causes_in_the_service_itself_name_no_neighbour() -> None:
    own = (RootCause("orders-api", "fault", "TimeoutError", "", 5),)
    assert (
        headline(alarm(), enrichment(xray=xray(causes=own))) == "*orders-api* failing: `TimeoutError` in 5 traces"
    )


def test_xray_and_logs_together_name_the_neighbour_and_count_the_log_kinds() -> None:
    line = headline(alarm(), enrichment(xray=xray(), logs=logs(demo_lines())))
    assert line == "*api.payments.example* failing for orders-api: 429 ×4, 502 ×4 logged since 13:47 UTC"


def test_without_evidence_the_line_says_what_fails_from_the_alarm_alone_and_no_cause() -> None:
    assert headline(alarm(), Enrichment.skipped()) == "*orders-api*: Errors (Sum) &gt; 3"
    metric = MetricReport("Errors (Sum)", 60, (CHANGED,), (6.0,), 3.0, "GreaterThanThreshold")
    with_metric = headline(alarm(), enrichment(metric=Finding("Metric", value=metric)))
    assert with_metric == "*orders-api*: Errors (Sum) &gt; 3, latest 6"
    nothing_found = enrichment(xray=xray(causes=(), rows=ROWS[-1:]), logs=logs(()))
    assert headline(alarm(), nothing_found) == "*orders-api*: Errors (Sum) &gt; 3"  # no faults, no lines


def test_a_search_that_did_not_finish_says_its_counts_may_be_short() -> None:
    cut = logs(demo_lines(), cut=((GROUP, "out of time"),))
    assert headline(alarm(), enrichment(logs=cut)).endswith("since 13:47 UTC (search incomplete)")


def test_a_change_before_the_breach_ends_the_line() -> None:
    deployed = RecentChange(resource="orders-api", what="deployed", who="alice", minutes_before=4)
    both = enrichment(xray=xray(), logs=logs(demo_lines()))
    assert headline(alarm(), both, deployed) == (
        "*api.payments.example* failing for orders-api: 429 ×4, 502 ×4 logged since 13:47 UTC"
        " — orders-api deployed 4 min before by alice"
    )
    on_itself = replace(deployed, who="", minutes_before=0.5)
    assert headline(alarm(), enrichment(logs=logs(demo_lines())), on_itself).endswith(
        "since 13:47 UTC — deployed 30 s before"
    )
    assert headline(alarm(), Enrichment.skipped(), deployed) == (
        "*orders-api*: Errors (Sum) &gt; 3 — deployed 4 min before by alice"
    )
    assert evidence_for(alarm(), Enrichment.skipped(), deployed).change == deployed


def test_no_first_line_when_nothing_is_failing_or_the_actions_are_suppressed() -> None:
    assert headline(replace(alarm(), state=AlarmState.OK), enrichment(logs=logs(demo_lines()))) == ""
    held = Suppression(suppressor="maintenance", by="WaitPeriod", reason="Actions suppressed by WaitPeriod")
    assert headline(replace(alarm(), suppression=held), enrichment(logs=logs(demo_lines()))) == ""


def test_hostile_text_in_the_first_line_is_redacted_and_escaped() -> None:
    # GIVEN log lines, an X-Ray neighbour, a resource and a change that carry mentions, links and secrets
    secrets = " ".join(SECRETS)
    lines = tuple(
        LogLine(CHANGED - timedelta(seconds=i), GROUP, f"<!channel> <@U012> {secrets} password=hunter2 failed")
        for i in range(3)
    )
    causes = (RootCause("<!here> api.payments.example", "fault", f"<@U99>Error {SECRETS[0]}", "", 3),)
    change = RecentChange(
        resource=f"<!everyone> {SECRETS[1]}", what="deployed <https://evil.example|x>", who=SECRETS[8]
    )
    target = replace(alarm(), queries=())  # no metric: the resource is the alarm's name
    target = replace(target, name=f"<!channel> {SECRETS[3]}")
    # WHEN the first line is built from each of them
    shown = [
        headline(target, enrichment(logs=logs(lines)), change),
        headline(target, enrichment(xray=xray(causes=causes)), change),
        headline(target, Enrichment.skipped(), change),
    ]
    # THEN no mention or link survives and no secret shows
    for line in shown:
        assert not re.search(r"<[!@#]|<https?:", line), line
        assert "&lt;!" in line
        assert "hunter2" not in line and not any(secret in line for secret in SECRETS), line
        assert len(line) < SECTION_CHARS


# --- the card ---------------------------------------------------------------------------------------------


def card(target: Alarm, found: Enrichment) -> list[dict[str, object]]:
    return [block.to_dict() for block in render_alarm(target, found).blocks]


def test_the_card_opens_with_the_answer_and_keeps_the_description_at_its_foot() -> None:
    blocks = card(alarm(), enrichment(xray=xray(), logs=logs(demo_lines())))
    ids = [b["block_id"] for b in blocks]
    assert ids[:3] == ["lookout:header", "lookout:headline", "lookout:summary"]
    assert ids.index("lookout:description") == ids.index("lookout:context") - 1
    summary = json.dumps(blocks[2])
    assert "throwing errors" not in summary  # the description is not in the summary any more
    description = json.dumps(blocks[ids.index("lookout:description")], ensure_ascii=False)
    assert "*Alarm description:* orders-api Lambda is throwing errors" in description
    assert "ErrorStatistics" not in json.dumps(blocks)  # the column legend is in docs/alerts.md


def test_the_logs_section_shows_each_kind_once_with_its_count_and_newest_line() -> None:
    blocks = {b["block_id"]: b for b in card(alarm(), enrichment(logs=logs(demo_lines())))}
    text = blocks["lookout:logs"]["text"]["text"]  # type: ignore[index]
    assert text.startswith("*Logs* — 10 newest matching lines in /aws/lambda/orders-api: 3 kinds")
    body = text.split("```")[1].splitlines()
    assert [entry.split("  ")[0] for entry in body] == ["×4", "×4", "×2"]
    assert body[0].startswith("×4  13:49:12 2026-11-20T13:49:12.001Z") and "ord-526613" in body[0]
    assert body[1].startswith('×4  13:48:48 {"level": "ERROR"') and "ord-528840" in body[1]
    assert body[2].startswith("×2  13:48:28 2026-11-20T13:48:28.002Z")


def test_the_docs_explain_every_column_of_the_xray_table() -> None:
    docs = (ROOT / "docs" / "alerts.md").read_text()
    section = docs[docs.index("### X-Ray's columns") :]
    for column in TABLE_HEADER[2:]:
        assert f"\n| {column} |" in section, column
