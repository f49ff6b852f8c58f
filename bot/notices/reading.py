"""The helpers notice readers build a ``Notice`` with from an event's payload: fields found case-insensitively,
facts without placeholders or empty values, links, times, joined and humanized text, changed values."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot import regions
from bot.coerce import mapping, moment, number, text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


def field(data: Mapping[str, object], *names: str) -> object:
    """The first of ``names`` present in ``data``, matched case-insensitively (public samples write GuardDuty
    findings in PascalCase as well as AWS's camelCase)."""
    lowered = {str(k).lower(): v for k, v in data.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, "", [], {}):
            return value
    return None


def dig(data: object, *path: str) -> object:
    """``data[path[0]][path[1]]…`` with each key matched case-insensitively; None where a step is missing."""
    for key in path:
        data = field(mapping(data), key)
    return data


_PLACEHOLDER = re.compile(
    r"<[^<>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|[A-Z_]*(?:REGION|ACCOUNT(?:_?ID|_NUMBER)?|EXAMPLE|STACK_NAME|PRINCIPAL_ID)"
    r"[A-Z_]*|DOC-EXAMPLE-[A-Z0-9-]+|example|string|none|null|undefined|n/a",
    re.IGNORECASE,
)
"""A documentation or template stand-in — ``<region>``, ``${instance_id}``, ``{{accountId}}``, ``REGION``,
``ACCOUNT_ID``, ``EXAMPLE`` — or a null written out. Never a fact."""


def is_placeholder(value: str, label: str = "") -> bool:
    """Whether ``value`` stands in for a real one: a stand-in form, or the label's own name ("region" as a Region,
    "service" as a Service — documentation samples do this)."""
    plain = value.strip()
    squash = re.sub(r"[\s_-]", "", plain).lower()
    return _PLACEHOLDER.fullmatch(plain) is not None or (
        bool(label) and squash == re.sub(r"\s", "", label).lower()
    )


def fact(label: str, value: object) -> tuple[str, str] | None:
    """(label, value) as on-call reads it — a flag as yes or no — or None for an empty value or a placeholder."""
    shown = (
        ("yes" if value else "no") if isinstance(value, bool) else text(value).strip() if value is not None else ""
    )
    return (label, shown) if shown and not is_placeholder(shown, label) else None


def account_fact(value: object) -> tuple[str, str] | None:
    """An account id only when it is one: documentation samples carry 13-digit "accounts" and placeholders."""
    shown = text(value).strip() if value is not None else ""
    return ("Account", shown) if regions.is_account(shown) else None


def facts(*pairs: tuple[str, str] | None) -> tuple[tuple[str, str], ...]:
    seen: set[tuple[str, str]] = set()
    out = []
    for pair in pairs:
        if pair is not None and pair not in seen:
            seen.add(pair)
            out.append(pair)
    return tuple(out)


def facts_from(
    data: Mapping[str, object], labels: Mapping[str, str], *, exact: bool = False
) -> tuple[tuple[str, str] | None, ...]:
    """A fact of ``field(data, key)`` (``data.get(key)`` when ``exact``) for each ``label: key`` in ``labels``."""
    return tuple(fact(label, data.get(key) if exact else field(data, key)) for label, key in labels.items())


def origin(payload: Mapping[str, object]) -> tuple[tuple[str, str] | None, ...]:
    """The Region and Account an EventBridge event's envelope names."""
    return fact("Region", payload.get("region")), account_fact(payload.get("account"))


URL = re.compile(r"https?://[^\s<>|\"'`\\]{3,2000}")
"""A web address as Slack can link it: no whitespace, no ``<``, ``>`` or ``|`` (they would break
``<url|text>``)."""


def link(label: str, value: object) -> tuple[str, str] | None:
    """(label, url) when ``value`` is one web address, with a trailing space or full stop trimmed."""
    shown = text(value).strip().rstrip(".,;)") if value is not None else ""
    return (label, shown) if shown and URL.fullmatch(shown) and not is_placeholder(shown) else None


def links(*pairs: tuple[str, str] | None) -> tuple[tuple[str, str], ...]:
    seen: set[str] = set()
    out = []
    for pair in pairs:
        if pair is not None and pair[1] not in seen:
            seen.add(pair[1])
            out.append(pair)
    return tuple(out)


def urls_in(value: str) -> list[str]:
    """Every web address in free text, in order."""
    return [match.group(0).rstrip(".,;)") for match in URL.finditer(value)]


_FORMATS = ("%a %b %d %H:%M:%S %Z %Y", "%a %b %d %H:%M:%S.%f %Z %Y", "%b %d, %Y %I:%M:%S %p")
"""Times as some services write them: "Mon Aug 24 15:11:31 UTC 2026" (Elastic Beanstalk), "Wed Sep 04 17:00:36.951
UTC 2024" (Inspector), "Nov 29, 2016 7:43:20 PM" (Automation) — all UTC."""


def parse_time(value: object) -> datetime | None:
    """An event's time as a UTC datetime: ISO-8601 (with ``Z``, ``+0000`` or none) or one of ``_FORMATS``."""
    raw = text(value).strip() if value is not None else ""
    parsed = moment(raw)
    if parsed is not None:
        return parsed.astimezone(UTC)
    for form in _FORMATS:
        try:
            return datetime.strptime(raw, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def first_time(*candidates: object) -> str:
    """The first candidate that reads as a time; failing that the first one given (shown as given), else ""."""
    given = [text(c).strip() for c in candidates if c is not None and text(c).strip()]
    return next((g for g in given if parse_time(g) is not None), given[0] if given else "")


def epoch_time(value: object) -> str:
    """An ISO-8601 time for epoch seconds (``"1446744190.402"``, as CodeDeploy triggers write them) or
    milliseconds; "" when ``value`` is not one."""
    seconds = number(value)
    if seconds is None or seconds <= 0:
        return ""
    if seconds > 1e11:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
    except (OverflowError, OSError, ValueError):
        return ""


def detail_of(payload: Mapping[str, object]) -> Mapping[str, object]:
    return mapping(payload.get("detail"))


def joined(parts: Iterable[object], sep: str = " · ") -> str:
    return sep.join(t for t in (text(p).strip() for p in parts if p is not None) if t)


_ID_KEYS = re.compile(r"(?i)(?:^|[a-z])(?:id|name|arn|key)$")


def brief(value: object, limit: int = 80) -> str:
    """A short, whole-valued reading of a changed value: a scalar as it is, an object by its identifying fields
    (``networkInterfaceId``, ``groupName``…), a list by its first items — never a value cut in the middle."""
    if isinstance(value, dict):
        ids = [
            text(v) for k, v in value.items() if _ID_KEYS.search(str(k)) and isinstance(v, str | int) and text(v)
        ]
        shown = ", ".join(ids[:2]) if ids else f"{len(value)} fields"
        return shown if len(shown) <= limit else f"{len(value)} fields"
    if isinstance(value, list):
        parts = [brief(v, limit) for v in value[:3]]
        shown = ", ".join(parts) + (f" and {len(value) - 3} more" if len(value) > 3 else "")
        return shown if len(shown) <= limit else f"{len(value)} items"
    shown = "none" if value is None else text(value)
    return shown if len(shown) <= limit else f"{len(shown)} characters"


def change(old: object, new: object, kind: str = "") -> str:
    """ "old → new", "added: new" or "removed: old"."""
    if kind.upper() == "CREATE" or (old is None and new is not None):
        return f"added: {brief(new)}"
    if kind.upper() == "DELETE" or (new is None and old is not None):
        return f"removed: {brief(old)}"
    return f"{brief(old)} → {brief(new)}"


_GENERIC_LEAVES = {"name", "id", "key", "arn", "value", "type", "status", "state", "size", "code"}
_WORDS = {"arn": "ARN", "id": "ID", "ip": "IP", "url": "URL", "ec2": "EC2", "s3": "S3", "aws": "AWS", "ids": "IDs"}


def humanize(path: tuple[str, ...]) -> str:
    """``("s3", "bucket", "name")`` → "Bucket name"; ``("clusterArn",)`` → "Cluster ARN"."""
    leaf = path[-1]
    parts = [path[-2], leaf] if len(path) > 1 and _spaced(leaf).lower() in _GENERIC_LEAVES else [leaf]
    words = " ".join(_spaced(p) for p in parts).split()
    shown = [_WORDS.get(w.lower(), w.lower()) for w in words]
    return (shown[0][:1].upper() + shown[0][1:] + " " + " ".join(shown[1:])).strip() if shown else ""


def _spaced(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", re.sub(r"[-_.:/]+", " ", name)).strip()
