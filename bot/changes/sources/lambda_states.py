"""Lambda's own function state events: Lambda sends one to the default bus each time a function version changes
state after a create, update, publish or delete — a code or configuration update finished, a version ready, or
the operation failed (Lambda Developer Guide, "Lambda Function state events in Amazon EventBridge"). The card
shows them beside the CloudTrail calls that started them: a failed update is a change that did not land.

AWS documents what rules can match on — the function ARN with its version, the ``detail-type``, the state — but
no example event could be had here (``tests/fixtures/changes/SOURCES.md``), and public code disagrees on the
``detail-type``. So this reader assumes no field name beyond those: the function is the Lambda function ARN in
the envelope's ``resources`` or in the detail, the state and its reasons are the detail's fields whose names say
``state``, ``status`` or ``reason``, shown as the event names them. An event with no function ARN is refused
with a message (``UnknownChange``), never filed under a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot import coerce
from bot.changes import links, resources
from bot.changes.cloudtrail import value
from bot.changes.model import Diff, UnknownChange

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bot.changes.model import Change, ServiceEvent

ACTION = "FunctionStateChange"
"""The action such a change is filed under, whatever the event's ``detail-type`` (``Change.what``: "state
changed (…)")."""
RULE_DETAIL_TYPE = "*State*"
"""The ledger's rule matches ``aws.lambda`` events whose ``detail-type`` has this wildcard's shape: the state
events, whatever their exact name, and not Lambda's other events (durable executions' status changes)."""
FUNCTION_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::([^:\s]+))?$")
"""A function's ARN, with its version or alias when it has one."""
_TOLD = re.compile(r"state|status|reason", re.IGNORECASE)


def state_event(event: ServiceEvent) -> Change:
    found = _function_arn((*event.resources, *_strings(event.detail)))
    if found is None:
        raise UnknownChange(
            f"the {event.action!r} event names no Lambda function ARN in its resources or detail: nothing to file"
        )
    name, qualifier = found
    diffs = [Diff(_label(key), value(raw)) for key, raw in event.detail.items() if _told(key, raw)]
    return event.change(
        service=resources.LAMBDA,
        resource=f"{name}:{qualifier}" if qualifier else name,
        resources=(resources.key(resources.LAMBDA, name),),
        diffs=[d for d in diffs if d.new],
        link=links.lambda_function(event.region, name),
        action=ACTION,
    )


def _function_arn(candidates: Iterable[str]) -> tuple[str, str] | None:
    for text in candidates:
        match = FUNCTION_ARN.match(text.strip())
        if match:
            return match.group(1), match.group(2) or ""
    return None


def _strings(detail: object) -> list[str]:
    """The detail's string values, its nested objects' included (where a function ARN may sit)."""
    if isinstance(detail, Mapping):
        return [s for v in detail.values() for s in _strings(v)]
    if isinstance(detail, list):
        return [s for v in detail for s in _strings(v)]
    return [detail] if isinstance(detail, str) else []


def _told(key: str, raw: object) -> bool:
    """A field that tells the state, a status or a reason, with a value one line can show."""
    return bool(_TOLD.search(key)) and isinstance(raw, str | int | float | bool) and coerce.text(raw) != ""


def _label(key: str) -> str:
    """``stateReasonCode`` → ``state reason code``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ").replace("-", " ").lower()
