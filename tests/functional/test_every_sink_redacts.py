"""Every sink of outside text redacts before it cuts (issue #26): the same probes — an AWS secret access key and
key id, a Slack bot token, a password pair, a JWT — at the start of a field and straddling each cut the sink
makes, after prose and after column padding that a sink collapses. No probe's secret shows, nor its first 8
characters: a secret cut before redaction escapes its pattern and shows its head (33 of a key's 40)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
import urllib3

from bot.alarms import Alarm, AlarmState, Notification
from bot.checks.alarm import as_alarm
from bot.checks.config import Check, HttpProbe
from bot.checks.http import EXCERPT_CHARS, run_http
from bot.checks.state import Standing
from bot.config import Settings
from bot.enrich.logs import LINE_CHARS, trim
from bot.enrich.model import Enrichment, Finding, LogLine, LogReport, RootCause, XRayReport
from bot.events import parse_event
from bot.lifecycle.routing import Route
from bot.slack.blocks.digest_message import render_digest
from bot.slack.blocks.headline import LABEL_CHARS, NAME_CHARS
from bot.slack.blocks.render import HEADER_CHARS, SECTION_CHARS, TEXT_CHARS, Message, render_alarm
from tests.support.endpoint import Endpoint
from tests.support.fixtures import load_event

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

NOW = datetime(2026, 11, 20, 14, 3, 11, tzinfo=UTC)  # the alarm fixture's state change
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # the AWS documentation's example
SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
PROBES = (  # (as written in outside text, the part that must never show)
    (SECRET_KEY, SECRET_KEY),
    ("AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    (SLACK, SLACK),
    ("password=hunter2", "hunter2"),
    (JWT, JWT),
)
FILLERS = ("the upstream answered slowly, so the retry gave up; ", "ok" + " " * 14)
"""Prose, and column padding that ``one_line`` collapses: a cut far into a field can come into view."""
BEFORE = (10, 16, 24, 33)
"""A probe straddles a cut with this many of its characters before it."""


def texts(cuts: tuple[int, ...]) -> Iterator[tuple[str, str, str]]:
    """(where, outside text, secret): every probe after every filler, first and straddling every cut."""
    for probe, secret in PROBES:
        for filler in FILLERS:
            for start in sorted({0, *(cut - k for cut in cuts for k in BEFORE if cut >= k)}):
                where = f"{probe[:8]}… at {start} after {filler[:4]!r}…"
                yield where, pad(filler, start) + probe + " " + pad(filler, 200), secret


def pad(filler: str, length: int) -> str:
    return (filler * (length // len(filler) + 1))[: length - 1] + " " if length else ""


def dumps(*messages: Message) -> str:
    return json.dumps([m.payload("#alerts") for m in messages], ensure_ascii=False)


# --- alarms, storms and thread notes ------------------------------------------------------------------------


def sns_alarm(**fields: str) -> Any:
    """The SNS fixture of a Lambda errors alarm with ``fields`` of its message replaced."""
    event = load_event("sns_alarm_lambda_errors.json")
    sns = event["Records"][0]["Sns"]
    sns["Message"] = json.dumps({**json.loads(sns["Message"]), **fields})
    return event


def alarm(**changes: Any) -> Alarm:
    item = parse_event(sns_alarm())[0].item
    assert isinstance(item, Alarm)
    return replace(item, **changes)


def lookout_render(field: str, links: bool = True) -> Callable[[str], str]:
    """``lookout render --offline`` of the alarm with ``field`` carrying the text: the card as posted (without
    its console links: an alarm's name is in its link, as its ARN is in its buttons' values)."""
    from bot.cli.render import render_calls

    def render(text: str) -> str:
        calls = render_calls(sns_alarm(**{field: text}), Settings(slack_channel="#alerts"), offline=True)
        shown = json.dumps(calls, ensure_ascii=False)
        return shown if links else re.sub(r'"url": "[^"]*"', "", shown)

    return render


def log_lines(text: str) -> str:
    line = LogLine(NOW, "/aws/lambda/orders-api", trim(text))  # as the enricher keeps it
    report = LogReport((line.group,), "", "convention", (line,), NOW - timedelta(minutes=5), NOW)
    return dumps(render_alarm(alarm(), replace(Enrichment.skipped(), logs=Finding("Logs", report))))


def xray_cause(text: str) -> str:
    cause = RootCause("orders-api", "fault", "RuntimeError", text, 3)
    report = XRayReport(("orders-api",), (), (cause,), None, NOW - timedelta(minutes=5), NOW)
    return dumps(render_alarm(alarm(), replace(Enrichment.skipped(), xray=Finding("X-Ray", report))))


def first_line(text: str) -> str:
    """The card's first line, with ``text`` as a log line (its kind's label), an X-Ray neighbour and who changed
    what (the rest of the card holds it too: covered above)."""
    from bot.enrich.evidence import RecentChange

    line = LogLine(NOW, "/aws/lambda/orders-api", trim(text))
    report = LogReport((line.group,), "", "convention", (line,), NOW - timedelta(minutes=5), NOW)
    cause = RootCause(text, "fault", "RuntimeError", "", 3)
    graph = XRayReport(("orders-api",), (), (cause,), None, NOW - timedelta(minutes=5), NOW)
    change = RecentChange(resource=text, what="deployed", who=text, minutes_before=4)
    cards = [
        render_alarm(alarm(), replace(Enrichment.skipped(), logs=Finding("Logs", report)), change),
        render_alarm(alarm(), replace(Enrichment.skipped(), xray=Finding("X-Ray", graph)), change),
    ]
    return json.dumps([[b.to_dict() for b in m.blocks if b.block_id == "lookout:headline"] for m in cards])


def entry_of(target: Alarm) -> dict[str, Any]:
    from bot.lifecycle.incident_records import storm_entry

    return storm_entry(target, Route("#alerts"), was="OK", opening=True)


def storm_summary(text: str) -> str:
    from bot.lifecycle.decisions import StormRound
    from bot.lifecycle.storm_store import Summary
    from bot.lifecycle.storm_summary import fold
    from bot.slack.blocks.storm import render_storm_summary

    entry = entry_of(alarm(reason=text))
    summary, _ = fold(Summary(), [(1, entry)])
    storm = StormRound(
        "storm#1", "C1", "", summary.alarms, summary.firing, "", (), tuple(summary.top), (entry,), 1, 1
    )
    return dumps(render_storm_summary(storm))


def storm_thread_of(target: Alarm) -> list[Message]:
    from bot.slack.blocks.storm import render_storm_details

    return render_storm_details([entry_of(target)])


def storm_thread(text: str) -> str:
    return dumps(*storm_thread_of(alarm(reason=text)))


def thread_notes(text: str) -> str:
    from bot.slack.blocks.lifecycle import late_note, refire_note, render_note, transition_note

    firing = alarm(reason=text)
    resolved = replace(firing, state=AlarmState.OK, previous_state=AlarmState.ALARM)
    opened = firing.changed_at.timestamp() - 600
    notes = (refire_note(firing, 2, opened), transition_note(resolved, opened), late_note(firing, opened + 60))
    return dumps(*(render_note(note) for note in notes))


# --- query results, the digest and notifications ------------------------------------------------------------


def query_result(tables: bool) -> Callable[[str], str]:
    from bot.queries.results import QueryResult
    from bot.slack.blocks.results import render_result
    from tests.support.results import TRAFFIC

    def render(text: str) -> str:
        result = QueryResult("insights", ("@message", text), ((text, "5"),), 1.0, 1000)  # a parsed field's name
        return dumps(render_result(TRAFFIC, result, asked_by="U1", console_url=None, tables=tables))

    return render


def digest(text: str) -> Any:
    from bot.analytics.digest import Digest, DigestSection

    rows = DigestSection("/traffic 7d by customer", "Traffic", ("customer", "requests"), ((text, "5"),))
    return Digest(NOW - timedelta(days=7), NOW, "#product", (rows, DigestSection("/query broken", error=text)))


def digest_card(text: str) -> str:
    return dumps(render_digest(digest(text)))


def guardduty(text: str) -> Notification:
    event = load_event("eventbridge_guardduty_ssh_brute_force.json")
    event["detail"]["Description"] = text
    item = parse_event(event)[0].item
    assert isinstance(item, Notification) and item.notice is not None
    return item


def notification(text: str) -> str:
    from bot.slack.blocks.notice import render_notification

    event = load_event("sns_plain_text.json")
    event["Records"][0]["Sns"]["Message"] = text
    item = parse_event(event)[0].item
    assert isinstance(item, Notification)
    return dumps(render_notification(item), render_notification(guardduty(text)))


RAW_AT = guardduty("MARK").body.strip().index("MARK")
"""Where a GuardDuty finding's description starts in the raw event under its card."""


# --- checks and the command line ----------------------------------------------------------------------------

STATUS = '{"status": "'
"""How the checks' response body starts: the text is the status their JSON assertion reads."""


class Refusing:
    """A pool whose request fails with ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error


def check_card(*results: Any) -> str:
    """The cards of failed check ``results``, and their storm thread lines."""
    messages: list[Message] = []
    for result in results:
        failing = as_alarm(http_check(), result, "failing", Standing(True, 1), region="us-east-1", account="1")
        messages += [render_alarm(failing, Enrichment.skipped()), *storm_thread_of(failing)]
    return dumps(*messages)


def http_check(url: str = "http://127.0.0.1:9/health") -> Check:
    return Check("api-health", HttpProbe(url=url, json_expression="status", json_equals="ok"))


def http_body(text: str) -> str:
    Endpoint.answers = [(500, json.dumps({"status": text}), 0.0)]
    return check_card(run_http(http_check(URL), urllib3.PoolManager(), clock=lambda: NOW))


def probe_errors(text: str) -> str:
    from bot.checks.runner import CheckRunner
    from bot.delivery import Deadline
    from bot.observability import Telemetry

    results = []
    for error in (RuntimeError(text), urllib3.exceptions.ProtocolError(text)):
        runner = CheckRunner("us-east-1", "1", "aws", Refusing(error), None, dict, Telemetry.for_cli(Settings()))
        results += runner.run([http_check()], Deadline.after(30))
    return check_card(*results)


def check_dry_run(text: str) -> str:
    from bot.cli import main

    Endpoint.answers = [(500, json.dumps({"status": text}), 0.0)]
    out = io.StringIO()
    with mock.patch.dict(os.environ, {"LOOKOUT_CHECKS": str(CHECKS)}), contextlib.redirect_stdout(out):
        assert main(["check", "--dry-run"]) == 1
    return out.getvalue()


def query_table(text: str) -> str:
    from bot.cli.queries import format_table

    return format_table(("customer", "requests"), ((text, "5"),))


def digest_dry_run(text: str) -> str:
    from bot.slack.blocks.digest_message import render_digest_text

    return render_digest_text(digest(text))


def replay_error(text: str) -> str:
    from bot.cli.replay import function_error

    answer = {"FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps({"errorMessage": text}).encode())}
    return function_error("lookout-alarm", answer)


def aws_error(text: str) -> str:
    from botocore.exceptions import ClientError

    from bot.cli.failures import guarded

    def refused() -> int:
        raise ClientError({"Error": {"Code": "ValidationException", "Message": text}}, "PutItem")

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert guarded(refused, debug=False) == 2
    return err.getvalue()


FACT = 400 - len('*Failed:* status is "')
FALLBACK = TEXT_CHARS - 1 - len("🔴 ALARM: orders-api-errors (OK → ALARM) — ")
SINKS: dict[str, tuple[Callable[[str], str], tuple[int, ...]]] = {
    "alarm card: reason (lookout render)": (lookout_render("NewStateReason"), (900, FALLBACK)),
    "alarm card: description": (lookout_render("AlarmDescription"), (1024,)),
    "alarm card: name": (lookout_render("AlarmName", links=False), (HEADER_CHARS - 2 - len(" · OK → ALARM"),)),
    "alarm card: log lines": (log_lines, (LINE_CHARS, 400 - len("14:03:11 "))),
    "alarm card: X-Ray root cause": (xray_cause, (200,)),
    "alarm card: first line": (first_line, (LABEL_CHARS, NAME_CHARS)),
    "storm summary": (storm_summary, (300, 140)),
    "storm thread": (storm_thread, (300, 200)),
    "thread notes: still firing, resolved, late": (thread_notes, (300,)),
    "query results: table": (query_result(tables=True), (120,)),
    "query results: code block": (query_result(tables=False), (40,)),
    "digest": (digest_card, (40, 400)),
    "notifications: plain and GuardDuty": (notification, (SECTION_CHARS - 8, 900, 1200 - RAW_AT)),
    "check card: HTTP response body": (http_body, (EXCERPT_CHARS - len(STATUS), EXCERPT_CHARS - 1, FACT)),
    "check card: a probe's error": (probe_errors, (300 - len("RuntimeError: "), 300 - len("ProtocolError: "))),
    "CLI: lookout check --dry-run": (check_dry_run, (EXCERPT_CHARS - len(STATUS), EXCERPT_CHARS - 1)),
    "CLI: lookout query table": (query_table, (60,)),
    "CLI: lookout digest --dry-run": (digest_dry_run, (40, 400)),
    "CLI: lookout replay errors": (replay_error, (300 - len('{"errorMessage": "'),)),
    "CLI: an AWS error": (aws_error, ()),
}

URL = ""
CHECKS: Path


class QuietServer(ThreadingHTTPServer):
    """Says nothing of a client that hung up mid-answer."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@pytest.fixture(scope="module", autouse=True)
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The checks' endpoint (it answers ``Endpoint.answers``) and a checks file for ``lookout check``."""
    global URL, CHECKS
    server = QuietServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    URL = f"http://127.0.0.1:{server.server_address[1]}/health"
    CHECKS = tmp_path_factory.mktemp("checks") / "checks.yaml"
    CHECKS.write_text(
        f"checks:\n  - {{name: api, http: {{url: '{URL}', json: {{expression: status, equals: ok}}}}}}\n"
    )
    yield
    server.shutdown()


@pytest.mark.parametrize("sink", SINKS)
def test_no_sink_shows_a_secret_or_its_head(sink: str) -> None:
    render, cuts = SINKS[sink]
    shown = [where for where, text, secret in texts(cuts) if secret[:8] in render(text)]
    assert not shown, f"{sink} shows {len(shown)} probes, e.g. {shown[:4]}"
