"""CloudWatch alarm configuration changes ("CloudWatch Alarm Configuration Change"): which alarm was created,
updated or deleted, and for an update what changed — each setting's old → new value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coerce import mapping, text
from bot.notices.model import Notice
from bot.notices.reading import change, detail_of, dig, fact, facts, humanize, joined, origin

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = ("CloudWatch Alarm Configuration Change",)
MAX_CHANGES = 6
_IGNORED = {"timestamp", "alarmName"}
"""Settings every configuration carries anew (its own timestamp) or that name the alarm, not a change of it."""
_LEVEL = {"delete": "warn", "create": "info", "update": "info"}


def _changes(old: Mapping[str, object], new: Mapping[str, object]) -> list[tuple[str, str]]:
    out = []
    for key in dict.fromkeys([*old, *new]):
        if key in _IGNORED or old.get(key) == new.get(key):
            continue
        if key == "metrics" and _same_metrics(old.get(key), new.get(key)):
            continue  # CloudWatch renumbers a metric's id on every update: not a change anyone made
        out.append((humanize((str(key),)), change(old.get(key), new.get(key))))
    return out


def _same_metrics(old: object, new: object) -> bool:
    def strip(metrics: object) -> list[dict[str, object]]:
        return [
            {k: v for k, v in mapping(m).items() if k != "id"}
            for m in (metrics if isinstance(metrics, list) else [])
        ]

    return strip(old) == strip(new)


def read(payload: Mapping[str, object]) -> Notice:
    detail = detail_of(payload)
    operation = text(detail.get("operation")).lower()
    name = text(detail.get("alarmName"))
    config = mapping(detail.get("configuration"))
    previous = mapping(detail.get("previousConfiguration"))
    changes = _changes(previous, config) if previous else []
    return Notice(
        kind="CloudWatch alarm",
        headline=joined(
            (name, f"{operation}d" if operation.endswith("e") else operation or "configuration changed")
        ),
        level=_LEVEL.get(operation, "info"),
        facts=facts(
            fact("Alarm", name),
            fact("Operation", operation),
            *(fact(key, value) for key, value in changes[:MAX_CHANGES]),
            fact("More changes", f"{len(changes) - MAX_CHANGES} more" if len(changes) > MAX_CHANGES else ""),
            fact("Condition", joined((config.get("comparisonOperator"), config.get("threshold")), " ")),
            fact("Rule", config.get("alarmRule")),
            fact("State", dig(detail, "state", "value")),
            fact("Actions enabled", config.get("actionsEnabled")),
            *origin(payload),
        ),
        details=text(config.get("description")),
        time=text(payload.get("time")),
    )
