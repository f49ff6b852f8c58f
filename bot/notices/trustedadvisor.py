"""Trusted Advisor check item refreshes: which check, its status (OK, WARN, ERROR), the resource and the check's
own columns for it (region, estimated savings, usage…)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coerce import mapping, text
from bot.notices.model import Notice
from bot.notices.reading import account_fact, detail_of, fact, facts, field, joined

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = ("Trusted Advisor Check Item Refresh Notification",)
MAX_COLUMNS = 8
_LEVEL = {"ERROR": "bad", "WARN": "warn", "OK": "good"}


def read(payload: Mapping[str, object]) -> Notice:
    detail = detail_of(payload)
    status = text(field(detail, "status")).upper()
    check = text(field(detail, "check-name"))
    columns = list(mapping(field(detail, "check-item-detail")).items())
    return Notice(
        kind="Trusted Advisor",
        headline=joined((check, status)),
        level=_LEVEL.get(status, "info"),
        facts=facts(
            fact("Check", check),
            fact("Status", status),
            fact("Resource", field(detail, "resource_id")),
            *(fact(str(name), value) for name, value in columns[:MAX_COLUMNS]),
            account_fact(payload.get("account")),
        ),
        time=text(payload.get("time")),
    )
