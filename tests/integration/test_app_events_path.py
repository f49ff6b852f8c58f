"""The demo scenario's app events through the app-events stream as template.yaml deploys it (Firehose Direct PUT,
JQ ``{day: .at[0:10]}``, no Lambda), asked with ``/query app-events`` on the embedded stack: the answer is checked
against counts computed here from the records the app sent and docs/app-events.md — never from the stand-in —
and the records Firehose cannot partition are not counted but kept, whole, under the stream's error prefix."""

from __future__ import annotations

import base64
import importlib
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from bot.aws import Clients
from bot.queries import display
from bot.queries.athena import AthenaRunner
from bot.queries.catalog import QueryConfig, load_config
from bot.queries.plans import plan, split_command
from local.scenario.incident import INCIDENTS_TABLE, SIGNING_SECRET, Incident, seed
from local.scenario.tables import DATA_BUCKET
from local.slack.gateway import FunctionUrl, send_command
from local.stack import EmbeddedStack, environment

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from local.logs.firehose import Sent

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "#app-events"
Row = tuple[str, str, int, int, str]


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[EmbeddedStack, Incident, QueryConfig]]:
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        yield stack, incident, load_config(ROOT / "infra" / "lookout.yaml", ROOT / "infra" / "queries")


def sent(incident: Incident) -> tuple[Sent, ...]:
    return tuple(incident.tables["app_events"].sent)


def schema_event(data: bytes) -> dict[str, Any] | None:
    """The event if the record follows docs/app-events.md (a JSON object with a string ``type`` and ``at``, an
    ISO-8601 date-time with a zone), else None."""
    try:
        event = json.loads(data)
    except ValueError:
        return None
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("type"), str)
        or not isinstance(event.get("at"), str)
    ):
        return None
    try:
        at = datetime.fromisoformat(event["at"])
    except ValueError:
        return None
    return event if at.tzinfo is not None else None


def instant(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["at"]).astimezone(UTC)


def expected_rows(records: Sequence[Sent], start: datetime, end: datetime) -> list[Row]:
    """What the saved query answers, from the documentation: the events whose day partition (the first ten
    characters of ``at``) is within the window's days and whose ``at`` is within the window, by type and customer
    ('-' without one), with their count, the count of distinct ids (an event without one has none), and the
    newest ``at`` in UTC as Athena prints a ``timestamp(3) with time zone``; most events first."""
    first_day, last_day = start.astimezone(UTC).strftime("%Y-%m-%d"), end.astimezone(UTC).strftime("%Y-%m-%d")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        event = schema_event(record.data)
        if event is not None and first_day <= event["at"][:10] <= last_day and start <= instant(event) < end:
            groups[(event["type"], event.get("customer") or "-")].append(event)
    rows = []
    for (kind, customer), events in groups.items():
        newest = max(instant(e) for e in events)
        last_seen = newest.strftime("%Y-%m-%d %H:%M:%S.") + f"{newest.microsecond // 1000:03d} UTC"
        ids = {e["id"] for e in events if e.get("id") is not None}
        rows.append((kind, customer, len(events), len(ids), last_seen))
    return sorted(rows, key=lambda r: (-r[2], r[0], r[1]))[:100]


def answer(line: str, incident: Incident, config: QueryConfig) -> Any:
    query = plan(*split_command(line), config, now=incident.now)
    return query, AthenaRunner(Clients("us-east-1")("athena"), poll_s=0.01).run(query.query, query.parameters)


def objects(prefix: str) -> dict[str, bytes]:
    s3 = boto3.client("s3")
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=DATA_BUCKET, Prefix=prefix)
        for o in page.get("Contents", [])
    ]
    return {key: s3.get_object(Bucket=DATA_BUCKET, Key=key)["Body"].read() for key in keys}


def test_the_scenario_sends_what_the_query_must_get_right(
    world: tuple[EmbeddedStack, Incident, QueryConfig],
) -> None:
    """The records cover every case the answer depends on, so the comparisons below are not vacuous."""
    _, incident, _ = world
    events = [schema_event(r.data) for r in sent(incident)]
    valid = [e for e in events if e is not None]
    start = incident.now - timedelta(days=7)
    assert len(valid) > 100 and 3 <= events.count(None) <= 10  # a few malformed ones among many
    assert any(instant(e) < start for e in valid)  # older than the default window
    assert any(not e.get("customer") for e in valid) and any("id" not in e for e in valid)
    assert any(e["at"].endswith("+01:00") for e in valid)  # a zone other than UTC
    ids = [e["id"] for e in valid if "id" in e]
    assert len(ids) > len(set(ids))  # the provider redelivered some webhooks


def test_app_events_answer_counts_what_the_app_sent(world: tuple[EmbeddedStack, Incident, QueryConfig]) -> None:
    _, incident, config = world
    query, result = answer("/query app-events", incident, config)
    assert query.end - query.start == timedelta(days=7)  # the saved query's default window
    assert result.columns == ("type", "customer", "events", "distinct_ids", "last_seen_utc")
    got = [(r[0], r[1], int(r[2]), int(r[3]), r[4]) for r in result.rows]
    assert got == expected_rows(sent(incident), query.start, query.end)
    assert any(events > ids for _, _, events, ids, _ in got)  # a redelivered webhook counts twice, its id once
    assert result.bytes_scanned > 0


def test_a_shorter_window_cuts_by_at_not_by_day(world: tuple[EmbeddedStack, Incident, QueryConfig]) -> None:
    # GIVEN a window that starts at noon UTC yesterday: half of that day's partition is before it
    _, incident, config = world
    noon = incident.now.replace(hour=12, minute=0, second=0) - timedelta(days=1)
    since = int((incident.now - noon).total_seconds())
    # WHEN on-call asks for it
    query, result = answer(f"/query app-events since={since}s", incident, config)
    # THEN the answer holds the events from noon on, not the whole day
    assert query.start == noon
    got = [(r[0], r[1], int(r[2]), int(r[3]), r[4]) for r in result.rows]
    assert got == expected_rows(sent(incident), query.start, query.end)
    before_noon = [
        e
        for r in sent(incident)
        if (e := schema_event(r.data)) and noon - timedelta(hours=12) <= instant(e) < noon
    ]
    assert before_noon and any(e["at"][:10] == f"{noon:%Y-%m-%d}" for e in before_noon)
    _, week = answer("/query app-events", incident, config)
    assert 0 < sum(r[2] for r in got) < sum(int(r[2]) for r in week.rows)


def test_malformed_records_are_not_counted_and_land_under_the_error_prefix(
    world: tuple[EmbeddedStack, Incident, QueryConfig],
) -> None:
    # GIVEN the records that do not follow the schema: without `at`, `at` a number, cut off mid-JSON
    _, incident, config = world
    malformed = [r for r in sent(incident) if schema_event(r.data) is None]
    assert {"no at", "at not a string", "not JSON"} == {_kind(r.data) for r in malformed}
    # WHEN Firehose has delivered them (seed) and on-call asks for the week
    query, result = answer("/query app-events", incident, config)
    # THEN none is in the table: every record under app_events/ is a well-formed one, each exactly once, in the
    # partition of its `at`'s day, and the answer counts only those
    delivered = Counter(
        (line, key.split("/")[1]) for key, body in objects("app_events/").items() for line in body.splitlines()
    )
    wellformed = [r for r in sent(incident) if schema_event(r.data) is not None]
    assert delivered == Counter((r.data, partition_of(r)) for r in wellformed)  # each as often as it was sent
    assert not {line for line, _ in delivered} & {r.data for r in malformed}
    in_window = [r for r in malformed if query.start <= r.arrived < query.end]
    assert in_window  # sent within the week: they would have been counted had Firehose let them through
    counted = expected_rows(wellformed, query.start, query.end)
    assert sum(int(r[2]) for r in result.rows) == sum(row[2] for row in counted)
    # AND each is kept whole under the error prefix of the day it arrived, as Firehose's error document
    kept: dict[bytes, str] = {}
    for key, body in objects("app_events_errors/").items():
        for line in body.splitlines():
            document = json.loads(line)
            assert document["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
            kept[base64.b64decode(document["rawData"])] = key
    assert set(kept) == {r.data for r in malformed}
    for record in malformed:
        assert kept[record.data].startswith(f"app_events_errors/partitioning-failed/{record.arrived:%Y-%m-%d}/")


def partition_of(record: Sent) -> str:
    """The partition folder of a well-formed record: the first ten characters of its ``at``."""
    event = schema_event(record.data)
    assert event is not None
    return f"day={event['at'][:10]}"


def _kind(data: bytes) -> str:
    try:
        event = json.loads(data)
    except ValueError:
        return "not JSON"
    return "no at" if "at" not in event else "at not a string" if not isinstance(event["at"], str) else "other"


def test_query_app_events_in_the_channel_shows_those_counts(
    world: tuple[EmbeddedStack, Incident, QueryConfig],
) -> None:
    """Asked in Slack (signed HTTP → handlers/slack.py → Athena → the channel), the table on-call sees holds the
    rows computed here for the window ending when the bot ran the query."""
    stack, incident, _ = world
    settings = {
        "SLACK_TOKEN_SECRET_ARN": incident.secret_arn,
        "INCIDENTS_TABLE": INCIDENTS_TABLE,
        "SLACK_CHANNEL": CHANNEL,
        "LOOKOUT_TRACING": "false",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    with environment(settings):
        handler = importlib.reload(importlib.import_module("handlers.slack"))
        stack.aws.functions.register("lookout-slack", handler.lambda_handler)
        with FunctionUrl(handler.lambda_handler, "lookout-slack") as url:
            before = datetime.now(UTC)
            status, _ = send_command(
                url.url,
                SIGNING_SECRET,
                "/query",
                "app-events",
                user="U0ONCALL",
                channel=CHANNEL,
                response_url=stack.slack.response_url("app-events"),
            )
            assert status == 200
            stack.aws.functions.wait(60)
            after = datetime.now(UTC)
    assert stack.aws.functions.errors == []
    (message,) = stack.slack.posts(CHANNEL)
    (table,) = [b for b in message["blocks"] if b["type"] == "table"]
    shown = [tuple(c["text"] for c in row) for row in table["rows"]]
    columns = ("type", "customer", "events", "distinct_ids", "last_seen_utc")
    candidates = []  # the bot read its clock between `before` and `after`; no event is that close to either end
    for end in (before.replace(microsecond=0), after.replace(microsecond=0)):  # the plan keeps whole seconds
        rows = [tuple(str(v) for v in row) for row in expected_rows(sent(incident), end - timedelta(days=7), end)]
        header, cells = display.table(columns, rows)
        candidates.append([header, *cells])
    assert shown in candidates
    assert "app-events, last 7 d" in json.dumps(message["blocks"])
