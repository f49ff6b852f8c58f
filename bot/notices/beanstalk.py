"""Elastic Beanstalk notifications: SNS delivers them as text ("Timestamp: …", "Message: …", "Environment: …",
"Application: …", "Environment URL: …", "NotificationProcessId: …"), not JSON."""

from __future__ import annotations

import re

from bot.notices.model import Notice
from bot.notices.reading import fact, facts

_FIELD = re.compile(r"^(Timestamp|Message|Environment|Application|Environment URL|NotificationProcessId):\s?(.*)$")
_TRANSITION = re.compile(r"from (\w+) to (\w+)")
_BAD = {"Severe", "Degraded"}
_WARN = {"Warning", "Unknown", "Suspended"}


def read_text(content: str) -> Notice | None:
    """The notice in an Elastic Beanstalk notification's text, or None when the text is not one."""
    fields: dict[str, str] = {}
    current = ""
    for line in content.strip().splitlines():
        match = _FIELD.match(line.strip()) if not line.startswith((" ", "\t")) else None
        if match:
            current = match.group(1)
            fields[current] = match.group(2).strip()
        elif current == "Message" and line.strip():
            fields[current] += "\n" + line.strip()  # the message runs over indented lines
    if not {"Environment", "Application", "Message"} <= fields.keys():
        return None
    message = fields["Message"]
    transition = _TRANSITION.search(message.splitlines()[0])
    to_state = transition.group(2) if transition else ""
    level = "bad" if to_state in _BAD else "warn" if to_state in _WARN else "good" if to_state == "Ok" else "info"
    headline = fields["Environment"] + (f" · {transition.group(1)} → {to_state}" if transition else "")
    return Notice(
        kind="Elastic Beanstalk",
        headline=headline,
        level=level,
        facts=facts(
            fact("Environment", fields["Environment"]),
            fact("Application", fields["Application"]),
            fact("URL", fields.get("Environment URL")),
            fact("Time", fields.get("Timestamp")),
        ),
        details=message,
        time=fields.get("Timestamp", ""),
    )
