"""Query results as Slack messages: more than twenty columns cut; goldens; safety (hostile cells escaped and
redacted, no part of a secret in a narrow column)."""

from __future__ import annotations

import json

import pytest

from bot.queries.results import Progress, QueryResult
from bot.slack.blocks.help import render_help
from bot.slack.blocks.results import render_failure, render_progress, render_result
from tests.support.fixtures import GOLDEN
from tests.support.results import CONFIG, TRAFFIC, payload, traffic_result


def test_more_than_twenty_columns_are_cut() -> None:
    wide = QueryResult(
        engine="insights",
        columns=tuple(f"c{i}" for i in range(30)),
        rows=(tuple("x" * 30),),
        seconds=1,
        bytes_scanned=0,
    )
    body = payload(render_result(TRAFFIC, wide, asked_by="U1", console_url=None))
    assert len(body["blocks"][1]["rows"][0]) == 20  # type: ignore[index]


def test_hostile_cells_are_escaped_and_redacted() -> None:
    result = QueryResult(
        engine="insights",
        columns=("@message",),
        rows=(("<!channel> token=xoxb-123456789-abcdefgh <https://x|y>",),),
        seconds=1,
        bytes_scanned=0,
    )
    dumped = json.dumps(payload(render_result(TRAFFIC, result, asked_by="U1", console_url=None)))
    assert "<!channel>" not in dumped and "xoxb-123456789" not in dumped and "<https://x|y>" not in dumped


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "traffic_3_rows",
            lambda: render_result(
                TRAFFIC,
                traffic_result(3),
                asked_by="U012",
                console_url="https://console.aws.amazon.com/athena/home?region=us-east-1#/query-editor/history/e-1",
            ),
        ),
        (
            "traffic_progress",
            lambda: render_progress(TRAFFIC, Progress("RUNNING", 6.2, 120 * 1024**2), asked_by="U012"),
        ),
        (
            "traffic_failure",
            lambda: render_failure(
                TRAFFIC,
                "the query ran longer than 90 s and was stopped; try a shorter window",
                asked_by="U012",
                command="/traffic",
            ),
        ),
        ("help", lambda: render_help(CONFIG)),
    ],
)
def test_goldens(name: str, message, update_goldens: bool) -> None:  # type: ignore[no-untyped-def]
    body = payload(message())
    golden = GOLDEN / "results" / f"{name}.json"
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    assert golden.exists(), f"no golden {golden.name}: run pytest --update-goldens, review the file and commit it"
    assert body == json.loads(golden.read_text())


@pytest.mark.parametrize("tables", [True, False])
def test_no_part_of_a_secret_shows_in_a_narrow_column(tables: bool) -> None:
    # GIVEN a cell longer than the column, holding an AWS secret key after a prefix
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    result = QueryResult(
        engine="athena",
        columns=("customer", "last_error"),
        rows=(("acme", f"leaked {secret} in a stack trace"),),
        seconds=1.0,
        bytes_scanned=1,
        query_id="e-1",
    )
    # WHEN it is shown as a table or in the code-block fallback
    body = json.dumps(payload(render_result(TRAFFIC, result, asked_by="U1", console_url=None, tables=tables)))
    # THEN not even a part of the secret is there (redacted before the cell is cut)
    assert "wJalrXUtnFEMI" not in body and "EXAMPLEKEY" not in body and "[REDACTED" in body
