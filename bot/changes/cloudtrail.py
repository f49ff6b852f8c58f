"""A CloudTrail record as the parsers read it (``Call``): who, when, where, what was asked and answered. The
same record arrives two ways — as the ``detail`` of EventBridge's "AWS API Call via CloudTrail" event, and as the
``CloudTrailEvent`` JSON string of LookupEvents — and is read here once for both. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING

from bot import coerce
from bot.changes.model import Diff, Origin, UnknownChange
from bot.text import excerpt

if TYPE_CHECKING:
    from collections.abc import Mapping

VERSION_SUFFIX = re.compile(r"\d{8}(v\d+)?$")
"""Lambda's CloudTrail event names carry the API version they were called with: ``UpdateFunctionCode20150331v2``,
``PublishVersion20150331``, ``PutFunctionConcurrency20171031`` (Lambda Developer Guide, "Logging Lambda API calls
using CloudTrail")."""
VALUE_CHARS = 200
"""A diff's value is cut to this many characters, after redaction: a change record stays small and holds no
secret that outside text carried in (a stage variable, a description)."""


@dataclass(frozen=True, kw_only=True)
class Call(Origin):
    """A CloudTrail record: ``action`` is its ``eventName`` without Lambda's version suffix."""

    source: str
    """``eventSource``: ``lambda.amazonaws.com``."""
    name: str
    """``eventName`` as CloudTrail wrote it."""
    request: Mapping[str, object]
    response: Mapping[str, object]
    error: str


def read(record: Mapping[str, object], *, region: str = "", account: str = "") -> Call:
    """The record's common fields; ``region`` and ``account`` stand in for ``awsRegion`` and
    ``recipientAccountId`` when the record lacks them (EventBridge's envelope carries both). Raises
    ``UnknownChange`` when the record has no event id, name or source, or no readable time."""
    if not isinstance(record, dict):
        raise UnknownChange(f"a CloudTrail record is a JSON object, not {type(record).__name__}")
    missing = [f for f in ("eventID", "eventName", "eventSource", "eventTime") if not coerce.text(record.get(f))]
    if missing:
        raise UnknownChange(f"the CloudTrail record has no {', '.join(missing)}")
    at = coerce.moment(record.get("eventTime"))
    if at is None:
        raise UnknownChange(f"the CloudTrail record's eventTime {record.get('eventTime')!r} is not a time")
    name = coerce.text(record["eventName"])
    who, issuer, via = principal(record.get("userIdentity"))
    return Call(
        id=coerce.text(record["eventID"]),
        at=at.astimezone(UTC),
        source=coerce.text(record["eventSource"]),
        action=VERSION_SUFFIX.sub("", name),
        name=name,
        region=coerce.text(record.get("awsRegion")) or region,
        account=coerce.text(record.get("recipientAccountId")) or account,
        who=who,
        issuer=issuer,
        via=via,
        request=_mapping(record.get("requestParameters")),
        response=_mapping(record.get("responseElements")),
        error=coerce.text(record.get("errorCode")),
    )


def principal(identity: object) -> tuple[str, str, str]:
    """(who, issuer, via) of a ``userIdentity`` (CloudTrail User Guide, "userIdentity element"): the caller's ARN
    (an IAM user, an assumed role with its session name, the root user), else its account or principal id; for
    a call an AWS service made itself (``type`` AWSService) the service. ``issuer`` is the role a session was
    issued from, ``via`` the service that made the call on the caller's behalf (``invokedBy``)."""
    who = issuer = via = ""
    if isinstance(identity, dict):
        kind = coerce.text(identity.get("type"))
        via = coerce.text(identity.get("invokedBy"))
        context = identity.get("sessionContext")
        session_issuer = context.get("sessionIssuer") if isinstance(context, dict) else None
        if isinstance(session_issuer, dict):
            issuer = coerce.text(session_issuer.get("arn"))
        who = coerce.text(identity.get("arn"))
        if not who and kind == "AWSService":
            who = via
        if not who:
            who = coerce.text(identity.get("principalId")) or coerce.text(identity.get("accountId"))
    return excerpt(who, 512), excerpt(issuer, 512), excerpt(via, 128)


def value(raw: object) -> str | None:
    """A diff's value as shown: text, redacted (``bot.text``) and cut; a list joined with ", "; None for
    nothing."""
    if raw is None or raw == "" or raw == [] or raw == {}:
        return None
    if isinstance(raw, bool):
        text = "on" if raw else "off"
    elif isinstance(raw, list):
        text = ", ".join(coerce.text(item) for item in raw)
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    else:
        text = coerce.text(raw)
    return excerpt(text, VALUE_CHARS)


def request_diffs(request: Mapping[str, object], names: Mapping[str, str]) -> list[Diff]:
    """A diff for each field of ``names`` the request sets, under its name there, with the value it was set to."""
    return [Diff(label, value(request[field])) for field, label in names.items() if field in request]


def _mapping(raw: object) -> Mapping[str, object]:
    return raw if isinstance(raw, dict) else {}


def dig(mapping: Mapping[str, object], *path: str) -> object:
    """``mapping[a][b]…`` or None where a step is missing or not an object."""
    found: object = mapping
    for step in path:
        if not isinstance(found, dict):
            return None
        found = found.get(step)
    return found
