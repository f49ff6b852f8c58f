"""Where an alarm's messages go and who they call: alarm tags choose the channel (``lookout:channel``), the
mention (``lookout:mention``: a user group or user id), the severity (``lookout:severity``), how often a
firing alarm's re-evaluations are noted (``lookout:renotify``: ``never`` or a period such as ``15m``), and when
an unacknowledged incident escalates, to whom (``lookout:escalate-after``, ``lookout:escalate-page-after``,
``lookout:escalate-to``; ``bot.lifecycle.escalation``).

A tag may only choose a channel Lookout is configured for (``LOOKOUT_ALERT_CHANNELS``): whoever can tag an
alarm must not be able to send its details to any channel the bot is in. Otherwise the default channel gets
the alert, with a note saying why."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config.settings import NEVER
from bot.queries.params import ParameterError, parse_duration

TAG_CHANNEL = "lookout:channel"
TAG_MENTION = "lookout:mention"
TAG_SEVERITY = "lookout:severity"
TAG_RENOTIFY = "lookout:renotify"
TAG_ESCALATE_AFTER = "lookout:escalate-after"
TAG_ESCALATE_PAGE_AFTER = "lookout:escalate-page-after"
TAG_ESCALATE_TO = "lookout:escalate-to"
_CHANNEL = re.compile(r"[CGD][A-Z0-9]{6,20}|#[a-z0-9][a-z0-9._-]{0,79}")
_SUBTEAM = re.compile(r"S[A-Z0-9]{6,20}")
_USER = re.compile(r"[UW][A-Z0-9]{6,20}")
_SEVERITY = re.compile(r"[A-Za-z0-9 _-]{1,20}")


@dataclass(frozen=True)
class Route:
    channel: str
    mention: str = ""
    """Slack mention markup built by us from an id (never ``<!channel>`` or ``<!here>``)."""
    severity: str = ""
    note: str = ""
    """Why the tag's channel was not used, in words (our own text, with the tag's value made safe)."""
    renotify_s: int | None = 0
    """At most one "still firing" note per this many seconds of the alarm's own time while unacknowledged;
    None: never (0: every re-evaluation)."""
    escalate_after_s: int | None = None
    """Seconds of firing without Acknowledge before the thread note that calls ``escalate_to``; None: never."""
    escalate_page_s: int = 0
    """Seconds after that note before the escalation topic is paged."""
    escalate_to: str = ""
    """Who the escalation note calls (mention markup built by us from ids, as ``mention``)."""


@dataclass(frozen=True)
class EscalationDefaults:
    """The configured escalation policy (``Settings.escalate_*``), which an alarm's tags override."""

    after_s: int | None = None
    """None: never."""
    page_after_s: int | None = None
    """None: ``after_s`` again."""
    to: str = ""
    """User-group or user ids; empty: the alarm's mention."""


def route_for(
    tags: dict[str, str],
    default_channel: str,
    allowed: tuple[str, ...] = (),
    renotify_s: int | None = 0,
    escalation: EscalationDefaults | None = None,
) -> Route:
    """The route from ``tags``; a tag's channel only when ``allowed`` lists it (or it is the default); the
    re-notify period from ``lookout:renotify``, else ``renotify_s`` (the configured default); the escalation
    policy from the ``lookout:escalate-*`` tags, else ``escalation`` (the configured one)."""
    channel = tags.get(TAG_CHANNEL, "").strip()
    note = ""
    if not _CHANNEL.fullmatch(channel):
        channel = default_channel
    elif channel != default_channel and channel not in allowed:
        note = f"lookout:channel {channel} is not one of Lookout's alert channels; posted here instead"
        channel = default_channel
    mention = mention_markup(tags.get(TAG_MENTION, ""))
    defaults = escalation or EscalationDefaults()
    after = renotify_period(tags.get(TAG_ESCALATE_AFTER), defaults.after_s)  # never → None; a bad tag: default
    page = renotify_period(tags.get(TAG_ESCALATE_PAGE_AFTER), defaults.page_after_s)
    escalate_to = mention_markup(tags.get(TAG_ESCALATE_TO, "")) or mention_markup(defaults.to) or mention
    return Route(
        channel=channel,
        mention=mention,
        severity=severity_label(tags.get(TAG_SEVERITY, "")),
        note=note,
        renotify_s=renotify_period(tags.get(TAG_RENOTIFY), renotify_s),
        escalate_after_s=after,
        escalate_page_s=0 if after is None else after if page is None else page,
        escalate_to=escalate_to if after is not None else "",
    )


def renotify_period(value: str | None, default: int | None) -> int | None:
    """``never`` → None, ``15m`` → 900; a value that is neither keeps ``default`` (a bad tag never silences: the
    settings' own periods are refused instead, ``bot.config.settings.period``)."""
    text = (value or "").strip().lower()
    if not text:
        return default
    if text in NEVER:
        return None
    try:
        return int(parse_duration(text).total_seconds())
    except ParameterError:
        return default


def mention_markup(value: str) -> str:
    """``S0123ABC`` (a user group) or ``U0123ABC`` (a user) as a mention; anything else is ignored."""
    ids = [v.strip().lstrip("@") for v in value.replace(",", " ").split()]
    parts = [
        f"<!subteam^{i}>" if _SUBTEAM.fullmatch(i) else f"<@{i}>"
        for i in ids
        if _SUBTEAM.fullmatch(i) or _USER.fullmatch(i)
    ]
    return " ".join(parts[:5])


def severity_label(value: str) -> str:
    value = value.strip()
    return value.upper() if _SEVERITY.fullmatch(value) else ""
