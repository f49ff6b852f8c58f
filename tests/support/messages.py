"""What Slack would accept of a message: the checks every rendered payload passes."""

from __future__ import annotations

from typing import Any


def assert_valid_message(payload: dict[str, Any]) -> None:
    """What Slack would accept: parseable, validated blocks within the message limits, and a text fallback."""
    from slack_sdk.models.blocks import Block

    assert payload["text"] and len(payload["text"]) <= 40_000
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= 50
    ids = [b.get("block_id") for b in blocks]
    assert len(ids) == len(set(ids)), "block ids must be unique"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()
        if raw["type"] == "header":
            assert len(raw["text"]["text"]) <= 150
        if raw["type"] == "section":
            assert len(raw["text"]["text"]) <= 3000
    assert len(str(blocks)) < 13_000, "keep messages compact (Slack rejects long block payloads)"
