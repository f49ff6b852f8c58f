"""AWS Budgets alerts: SNS delivers them as English text, not JSON — "AWS Budget Notification <date>", "AWS
Account <id>", a sentence saying what was asked for, then "Budget Name:", "Budget Type:", "Budgeted Amount:",
"Alert Type:", "Alert Threshold:" and "ACTUAL Amount:" or "FORECASTED Amount:" lines. Not for the Budgets e-mail
(a table)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from bot.notices.model import Notice
from bot.notices.reading import account_fact, fact, facts

_FIRST_LINE = re.compile(r"^\s*AWS Budget Notification\b")
_FIELD = re.compile(
    r"^(Budget Name|Budget Type|Budgeted Amount|Alert Type|Alert Threshold|(?:ACTUAL|FORECASTED) Amount):\s?(.*)$"
)
_ACCOUNT = re.compile(r"^AWS Account (\S+)\s*$", re.MULTILINE)
_REQUEST = re.compile(
    r"You requested that we alert you when .*?(?=\s*You can find additional details|\n\n|$)", re.DOTALL
)
_PERIOD = re.compile(r"\b(for the current \w+|per \w+)\.")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def read_text(content: str) -> Notice | None:
    """The notice in an AWS Budgets notification's text, or None when the text is not one."""
    if not _FIRST_LINE.match(content):
        return None
    fields: dict[str, str] = {}
    for line in content.splitlines():
        match = _FIELD.match(line.strip())
        if match:
            fields.setdefault(match.group(1), match.group(2).strip())
    name = fields.get("Budget Name", "")
    alert_type = fields.get("Alert Type", "")
    amount_label = next((k for k in fields if k.endswith(" Amount") and k != "Budgeted Amount"), "")
    amount = fields.get(amount_label, "")
    threshold = fields.get("Alert Threshold", "")
    budgeted = fields.get("Budgeted Amount", "")
    if not name:
        return None
    request = _REQUEST.search(content)
    period = _PERIOD.search(request.group(0)) if request else None
    share = _share(amount, budgeted)
    account = _ACCOUNT.search(content)
    comparison = " vs threshold ".join(p for p in (f"{alert_type} {amount}".strip(), threshold) if p)
    return Notice(
        kind="AWS Budgets",
        headline=" · ".join(p for p in (name, comparison) if p),
        level=_level(alert_type, share),
        facts=facts(
            fact("Budget", name),
            fact("Type", fields.get("Budget Type")),
            fact("Budgeted", budgeted),
            fact("Alert", " ".join(p for p in (alert_type, threshold, period.group(1) if period else "") if p)),
            fact(amount_label.split()[0].capitalize() if amount_label else "Amount", amount),
            fact("Of budget", f"{share:.0f}%" if share is not None else ""),
            account_fact(account.group(1) if account else ""),
        ),
        details=" ".join(request.group(0).split()) if request else "",
    )


def _share(amount: str, budgeted: str) -> Decimal | None:
    """The amount as a percentage of the budget, when both are numbers in the same unit and the budget is not 0."""
    a, b = _NUMBER.search(amount), _NUMBER.search(budgeted)
    if a is None or b is None or _unit(amount) != _unit(budgeted):
        return None
    try:
        total = Decimal(b.group(0).replace(",", ""))
        return Decimal(a.group(0).replace(",", "")) * 100 / total if total else None
    except InvalidOperation:
        return None


def _unit(value: str) -> str:
    return _NUMBER.sub("", value).strip()


def _level(alert_type: str, share: Decimal | None) -> str:
    """Spend already over the whole budget is bad; a threshold crossed or a forecast is a warning."""
    if alert_type.upper() == "ACTUAL" and share is not None and share >= 100:
        return "bad"
    return "warn"
