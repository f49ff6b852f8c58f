"""AWS Cost Anomaly Detection alerts (an anomaly subscription's SNS message, or its EventBridge "Anomaly Detected"
event): which service and account spent how much more than expected, over which days, and the link to the
anomaly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.coerce import items, mapping, number, text
from bot.notices.model import Notice
from bot.notices.reading import account_fact, fact, facts, field, first_time, joined, link, links

if TYPE_CHECKING:
    from collections.abc import Mapping

DETAIL_TYPES = ("Anomaly Detected",)


def anomaly_of(payload: Mapping[str, object]) -> Mapping[str, object]:
    detail = mapping(payload.get("detail"))
    return detail if "anomalyId" in detail else payload


def is_anomaly(payload: Mapping[str, object]) -> bool:
    anomaly = anomaly_of(payload)
    return "anomalyId" in anomaly and ("impact" in anomaly or "anomalyDetailsLink" in anomaly)


def _money(value: object) -> str:
    amount = number(value)
    return f"${amount:,.2f}" if amount is not None else ""


def read(payload: Mapping[str, object]) -> Notice:
    anomaly = anomaly_of(payload)
    impact = mapping(anomaly.get("impact"))
    causes = [mapping(c) for c in items(anomaly.get("rootCauses"))]
    cause = causes[0] if causes else {}
    total = _money(field(impact, "totalImpact"))
    share = number(field(impact, "totalImpactPercentage"))
    what = text(anomaly.get("dimensionalValue")) or text(cause.get("service"))
    return Notice(
        kind="Cost Anomaly Detection",
        headline=joined((what, f"+{total} unexpected spend" if total else "anomaly")),
        level="warn",
        facts=facts(
            fact("Impact", joined((total, f"{share:,.0f}% over expected" if share is not None else ""), ", ")),
            fact("Actual", _money(field(impact, "totalActualSpend"))),
            fact("Expected", _money(field(impact, "totalExpectedSpend"))),
            fact("Period", joined((anomaly.get("anomalyStartDate"), anomaly.get("anomalyEndDate")), " → ")),
            fact("Service", cause.get("service")),
            fact("Usage type", cause.get("usageType")),
            fact("Region", cause.get("region")),
            fact("Linked account", joined((cause.get("linkedAccountName"), cause.get("linkedAccount")), " ")),
            fact("Monitor", anomaly.get("monitorName")),
            account_fact(anomaly.get("accountId")),
        ),
        time=first_time(payload.get("time"), anomaly.get("anomalyEndDate"), anomaly.get("anomalyStartDate")),
        links=links(link("Anomaly", anomaly.get("anomalyDetailsLink"))),
    )
