"""Golden Block Kit per notice in the corpus (tests/fixtures/notices): `lookout render --offline` output must not
drift unnoticed. Regenerate with `pytest --update-goldens` and review the diff; what each card must show is
asserted, kind by kind, in test_notice_corpus.py."""

from __future__ import annotations

import json

import pytest

from bot.cli.render import render_calls
from bot.config import Settings
from tests.support.fixtures import FIXTURES, GOLDEN

CORPUS = FIXTURES / "notices"


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.json")))
def test_rendered_notice_matches_golden(name: str, update_goldens: bool) -> None:
    calls = render_calls(json.loads((CORPUS / name).read_text()), Settings(slack_channel="#alerts"), offline=True)
    golden = GOLDEN / "notices" / name
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(calls, indent=2, ensure_ascii=False) + "\n")
    assert golden.exists(), f"no golden {golden.name}: run pytest --update-goldens, review the file and commit it"
    assert calls == json.loads(golden.read_text())
