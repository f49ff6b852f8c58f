"""Golden Block Kit per event fixture: `lookout render --offline` output must not drift unnoticed.

Regenerate with `pytest --update-goldens` and review the diff.
"""

from __future__ import annotations

import json

import pytest

from bot.cli.render import render_calls
from bot.config import Settings
from tests.support.fixtures import GOLDEN, event_names, load_event


@pytest.mark.parametrize("name", event_names())
def test_rendered_calls_match_golden(name: str, update_goldens: bool) -> None:
    calls = render_calls(load_event(name), Settings(slack_channel="#alerts"), offline=True)
    golden = GOLDEN / name
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(calls, indent=2, ensure_ascii=False) + "\n")
    assert golden.exists(), f"no golden {golden.name}: run pytest --update-goldens, review the file and commit it"
    assert calls == json.loads(golden.read_text())
