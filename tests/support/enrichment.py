"""What the enrichers are given when their sources fail: the Lambda errors alarm with its tags known (no
ListTagsForResource call), and a client whose every call hangs."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from bot.alarms import Alarm
from tests.support.fixtures import load_event


def lambda_alarm() -> Alarm:
    from bot.events import parse_event

    item = parse_event(load_event("sns_alarm_lambda_errors.json"))[0].item
    assert isinstance(item, Alarm)
    return replace(item, tags=())  # tags known: no ListTagsForResource call to stub


class Hanging:
    """A client whose every call blocks far longer than any deadline."""

    def __getattr__(self, name: str) -> Any:
        return lambda **kwargs: time.sleep(3)
