"""The files under ``tests/fixtures``: event fixtures, golden files and real AWS response bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures"
EVENTS = FIXTURES / "events"
GOLDEN = FIXTURES / "golden"
AWS_BODIES = FIXTURES / "aws"


def load_event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


def aws_body(name: str) -> Any:
    """A real AWS response body from ``tests/fixtures/aws`` (its file names the source)."""
    document = json.loads((AWS_BODIES / name).read_text())
    assert document["source"] and document["url"], f"{name} must name its source"
    return document["response"]


def event_names() -> list[str]:
    return sorted(p.name for p in EVENTS.glob("*.json"))
