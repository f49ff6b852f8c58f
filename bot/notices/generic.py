"""The generic reading of a notification no typed reader knows, JSON or text: its source and state for the header,
its key facts by name (scalar fields, not a dump), every web address as a link, and its own time. Heuristics over
field names AWS uses across services; a typed reader always wins over this one."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from bot.coerce import items, mapping, text
from bot.notices.model import Notice, state_level, worst
from bot.notices.reading import (
    account_fact,
    fact,
    facts,
    first_time,
    humanize,
    is_placeholder,
    joined,
    link,
    links,
    urls_in,
)

MAX_FACTS = 10
MAX_LINKS = 5
LONG = 200
"""A value longer than this is prose (a description), not a fact; it stays in the raw event."""

SERVICES = {
    "aws.ec2": "Amazon EC2",
    "aws.ecr": "Amazon ECR",
    "aws.ecs": "Amazon ECS",
    "aws.s3": "Amazon S3",
    "aws.rds": "Amazon RDS",
    "aws.ssm": "Systems Manager",
    "aws.inspector2": "Inspector",
    "aws.securityhub": "Security Hub",
    "aws.config": "AWS Config",
    "aws.trustedadvisor": "Trusted Advisor",
    "aws.cloudwatch": "CloudWatch",
    "aws.signin": "AWS sign-in",
    "aws.kms": "AWS KMS",
    "aws.acm": "ACM",
    "aws.batch": "AWS Batch",
    "aws.states": "Step Functions",
    "aws:s3": "Amazon S3",
}


def _names(listed: str) -> list[str]:
    """Field names written ``a|b|c`` (lower case; some have spaces)."""
    return listed.split("|")


_DEFAULT_TITLES = {"SNS notification", "Event", "Queued message", "Notification", "None", ""}
_STATE_KEYS = tuple(
    _names(
        "state|status|laststatus|newstatevalue|compliancetype|compliance-status|compliancestatus|scanresultstatus"
        "|scan-status|scanstatus|build-status|resourcestatus|detailedstatus|instancestatus|result|eventtype"
    )
)
"""Field names (lower case) that carry a state, most telling first."""
_SEVERITY_KEYS = ("severity", "severitylabel", "priority")
_DETAIL_KEYS = tuple(
    _names(
        "message|event message|reason|stoppedreason|statusmessage|failurereason|errormessage|description|cause"
        "|customdata|annotation|additionalinformation|resourcestatusreason"
    )
)
_TIME_KEYS = tuple(
    _names(
        "time|timestamp|eventtime|event time|date|notificationcreationtime|notificationcreatetime|updatedat"
        "|createdat|creationdate|starttime"
    )
)
_NOISE = frozenset(
    _names(
        "version|id|schemaversion|s3schemaversion|eventversion|sequencer|etag|x-amz-id-2|x-amz-request-id|request-id"
        "|requestid|uuid|recordversion|messageversion|configurationstateid|messageid|token|signature|signatureversion"
        "|detail-type|detailtype|source|region|account|accountid|awsaccountid|awsregion|resources"
    )
)
"""Fields that identify the delivery rather than what happened, or that the card shows elsewhere."""


def read_generic(title: str, body: str) -> Notice:
    """The generic reading of a notification's ``body`` (its JSON, or its text) under its ``title``."""
    stripped = body.strip()
    try:
        payload: object = json.loads(stripped) if stripped[:1] in "{[" else None
    except ValueError:
        payload = None
    if isinstance(payload, list) and payload and isinstance(payload[0], Mapping):
        payload = payload[0]
    if isinstance(payload, Mapping):
        return _from_mapping(payload, title)
    return _from_text(stripped, title)


def service_name(source: object) -> str:
    raw = text(source).strip()
    return SERVICES.get(raw.lower(), raw)


def _walk(data: object, path: tuple[str, ...] = (), depth: int = 0) -> list[tuple[tuple[str, ...], object]]:
    """Every (path, scalar) under ``data``, in order: lists of scalars joined, the first two objects of a list."""
    out: list[tuple[tuple[str, ...], object]] = []
    if isinstance(data, Mapping):
        if depth > 3:
            return out
        for key, value in data.items():
            out.extend(_walk(value, (*path, str(key)), depth + 1))
    elif isinstance(data, list):
        scalars = [v for v in data if not isinstance(v, Mapping | list)]
        if scalars and path:
            out.append(
                (
                    path,
                    ", ".join(text(v) for v in scalars[:5])
                    + (f" and {len(scalars) - 5} more" if len(scalars) > 5 else ""),
                )
            )
        for value in [v for v in data if isinstance(v, Mapping)][:2]:
            out.extend(_walk(value, path, depth + 1))
    elif data is not None and path:
        out.append((path, data))
    return out


def _find(
    leaves: list[tuple[tuple[str, ...], object]], keys: tuple[str, ...], short: bool = True
) -> tuple[tuple[str, ...], str]:
    for key in keys:
        for path, value in leaves:
            shown = text(value).strip()
            if path[-1].lower() == key and shown and not is_placeholder(shown) and (not short or len(shown) <= 60):
                return path, shown
    return (), ""


def _from_mapping(payload: Mapping[str, object], title: str) -> Notice:
    detail_type = text(payload.get("detail-type") or payload.get("detailType"))
    records = [mapping(r) for r in items(payload.get("Records")) if isinstance(r, Mapping)]
    if detail_type and isinstance(payload.get("detail"), Mapping):
        body, kind, what = mapping(payload.get("detail")), service_name(payload.get("source")), detail_type
    elif records:
        body = records[0]
        kind = service_name(body.get("eventSource") or body.get("EventSource")) or "Records"
        what = text(body.get("eventName"))
    else:
        body, what = payload, "" if title in _DEFAULT_TITLES else title
        kind = service_name(_first(payload, "source", "Service", "eventSource", "Event Source")) or "Notification"
    leaves = _walk(body)
    state_at, state = _find(leaves, _STATE_KEYS)
    severity_at, severity = _find(leaves, _SEVERITY_KEYS)
    details_at, details = _find(leaves, _DETAIL_KEYS, short=False)
    time_at, _ = _find([(p, v) for p, v in _walk(payload) if len(p) <= 2], _TIME_KEYS)
    time = first_time(*(v for p, v in _walk(payload) if len(p) <= 2 and p[-1].lower() in _TIME_KEYS))
    used = {state_at, severity_at, details_at, time_at}
    shown = [
        fact(humanize(path), value)
        for path, value in leaves
        if path not in used and path[-1].lower() not in _NOISE and len(text(value)) <= LONG and not link("", value)
    ]
    named = [pair for pair in shown if pair is not None]
    name = next((v for label, v in named if label.lower().endswith(("name", "identifier", " id", "arn"))), "")
    name = name or (" ".join(named[0]) if named else "")
    return Notice(
        kind=kind,
        headline=joined((what or name or kind, state, severity if severity != state else "")),
        level=worst(state_level(state), state_level(severity), _event_type_level(state)),
        facts=facts(
            fact(humanize(state_at), state) if state else None,
            fact("Severity", severity) if severity else None,
            *named[:MAX_FACTS],
            fact("Resources", ", ".join(text(r) for r in items(payload.get("resources"))[:3])),
            fact("Region", _first(payload, "region", "awsRegion") or _first(body, "awsRegion", "region")),
            account_fact(
                _first(payload, "account", "accountId", "AccountId") or _first(body, "awsAccountId", "accountId")
            ),
        ),
        details=details,
        time=time,
        links=_links(payload),
    )


def _event_type_level(state: str) -> str:
    """ECS-style ``eventType`` words: ERROR is bad, WARN a warning."""
    return {"ERROR": "bad", "WARN": "warn", "WARNING": "warn"}.get(state.upper(), "info")


def _first(data: Mapping[str, object], *keys: str) -> str:
    lowered = {str(k).lower(): v for k, v in data.items()}
    return next((text(lowered[k.lower()]) for k in keys if text(lowered.get(k.lower())).strip()), "")


def _links(payload: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str] | None] = []
    for path, value in _walk(payload):
        direct = link(humanize(path), value)
        found.append(direct)
        if direct is None and isinstance(value, str):
            found.extend(link(humanize(path), url) for url in urls_in(value))
    return links(*found)[:MAX_LINKS]


_FIELD = re.compile(r"^\s*([A-Za-z][\w .()/-]{0,40}?)\s*(?::|=)\s*'?(.*?)'?\s*$")


def _from_text(content: str, title: str) -> Notice:
    """Text: ``Key: value`` or ``Key='value'`` lines become facts; anything else is the message itself."""
    lines = content.splitlines()
    fields = [
        (m.group(1).strip(), m.group(2).strip())
        for m in map(_FIELD.match, lines)
        if m and len(m.group(1).split()) <= 5
    ]
    fields = [(k, v) for k, v in fields if not k.lower().startswith("http")]
    titled = title not in _DEFAULT_TITLES
    kind = (
        title.removesuffix(" Message").removesuffix(" Notification")
        if title.startswith(("AWS ", "Amazon "))
        else "Notification"
    )
    found = links(*(link("Link", url) for url in urls_in(content)))[:MAX_LINKS]
    if len(fields) < 2:
        return Notice(
            kind=kind,
            headline=title if titled else (lines[0] if lines else "message"),
            level=state_level(title) if titled else "info",
            details=content,
            links=found,
        )
    by_key = {k.lower().replace(" ", ""): (k, v) for k, v in fields}
    state_key, state = next(
        (by_key[k] for k in ("resourcestatus", "status", "state", "newstate") if k in by_key), ("", "")
    )
    time_key, time = next((by_key[k] for k in ("timestamp", "time", "date", "eventtime") if k in by_key), ("", ""))
    details_key, details = next((by_key[k] for k in _DETAIL_KEYS if k.replace(" ", "") in by_key), ("", ""))
    real = [(k, v) for k, v in fields if v and not is_placeholder(v, k)]
    name = next((v for k, v in real if k.lower().endswith(("name", "type"))), "")
    return Notice(
        kind=kind,
        headline=joined((name or title, state)),
        level=state_level(state or title),
        facts=facts(
            *(fact(humanize((k,)), v) for k, v in fields if k not in (time_key, details_key) and len(v) <= LONG)
        )[:MAX_FACTS],
        details=details,
        time=time,
        links=found,
    )
