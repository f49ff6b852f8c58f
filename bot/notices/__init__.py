"""Typed cards for what else arrives on the topic: one module per kind, chosen by EventBridge ``detail-type``
(or, for the kinds SNS delivers as plain text — AWS Budgets, Elastic Beanstalk — by the text's own shape).

Each module reads a payload into a ``Notice`` (facts on-call needs, in order); a kind nobody registered gets
``None`` and keeps the generic card. Domain only: rendering lives in ``bot.slack.blocks``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.coerce import text
from bot.notices import autoscaling, backup, beanstalk, budgets, guardduty, health, pipelines
from bot.notices.model import Notice

Reader = Callable[[Mapping[str, Any]], Notice]
READERS: dict[str, Reader] = {
    detail_type: module.read
    for module in (health, guardduty, pipelines, autoscaling, backup)
    for detail_type in module.DETAIL_TYPES
}


def typed_notice(payload: Mapping[str, Any]) -> Notice | None:
    """The typed reading of an EventBridge-shaped payload, or None for a kind without a card of its own. A
    reader that trips over a malformed payload gives None too: the generic card still shows everything."""
    reader = READERS.get(text(payload.get("detail-type")))
    if reader is None and autoscaling.is_notification(payload):
        reader = autoscaling.read_notification
    if reader is None:
        return None
    try:
        return reader(payload)
    except Exception:  # noqa: BLE001 - a typed card is a nicety; the raw card never loses the event
        return None


TEXT_READERS: tuple[Callable[[str], Notice | None], ...] = (budgets.read_text, beanstalk.read_text)


def text_notice(content: str) -> Notice | None:
    """The typed reading of a plain-text notification (AWS Budgets', Elastic Beanstalk's), or None."""
    for reader in TEXT_READERS:
        try:
            notice = reader(content)
        except Exception:  # noqa: BLE001 - the generic card shows the text either way
            notice = None
        if notice is not None:
            return notice
    return None


__all__ = ["Notice", "text_notice", "typed_notice"]
