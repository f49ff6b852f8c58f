"""Make outside text safe for Slack: redact secrets, escape mrkdwn control characters, truncate.

Everything that comes from outside (alarm names, descriptions, reasons, log lines, query results) passes
through ``safe()`` before it reaches a Block Kit object.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
REDACTED = "[REDACTED]"

_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S), REDACTED),
    (
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b"),
        "[REDACTED:aws-key-id]",
    ),
    (re.compile(r"\bxox[abposrec]-[A-Za-z0-9-]{8,}"), "[REDACTED:slack-token]"),
    (re.compile(r"\bxapp-[A-Za-z0-9-]{8,}"), "[REDACTED:slack-token]"),
    (
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
        "[REDACTED:slack-webhook]",
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "[REDACTED:jwt]"),
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    # Credentials in URLs, whatever the host (a name, an IP, a single label): scheme://user:secret@host
    (
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,20}://)([^\s/:@]{0,256}):([^\s/@]{1,512})@"),
        r"\1\2:" + REDACTED + "@",
    ),
    (re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b"), "[REDACTED:github-token]"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b"), "[REDACTED:github-token]"),
    (re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,255}\b"), "[REDACTED:stripe-key]"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"), "[REDACTED:google-api-key]"),
    (
        # key names that end in a secret word, in any case and with any prefix: DB_PASSWORD, PGPASSWORD,
        # dbPassword, apiSecret, x-api-key (the prefix is bounded, so the pattern stays linear)
        re.compile(
            r"(?i)(\"?\b[\w.-]{0,40}?(?:aws_secret_access_key|aws_session_token|secret_access_key|secretaccesskey"
            r"|password|passwd|pwd|pass|secret|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token"
            r"|private[_-]?key|token|authorization|credentials?)\b\"?\s*[:=]\s*)(?!(?i:bearer|basic|token)\s|\[REDACTED)"
            r"(\"[^\"]*\"|'[^']*'|[^\s,;&}\]]+)"
        ),
        r"\1" + REDACTED,
    ),
    # 40-character AWS secret access keys standing alone: base64 alphabet with upper, lower case and digits.
    (
        re.compile(
            r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[0-9])"
            r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
        ),
        "[REDACTED:aws-secret]",
    ),
    (re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), "[REDACTED:email]"),
)


_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
"""Bidi controls and zero-width characters: they can spoof what a line seems to say, or split a secret so
that no pattern sees it."""


def clean(text: str) -> str:
    """``text`` without bidi controls and zero-width characters."""
    return _INVISIBLE.sub("", text)


def redact(text: str) -> str:
    """Replace credentials and personal data with markers; the rest of the text is kept. Invisible
    characters go first, so that they can neither hide a secret nor reorder what Slack shows."""
    text = clean(text)
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def escape(text: str) -> str:
    """Escape Slack's control characters so that no ``<!channel>``, ``<@U…>`` or ``<url|label>`` survives."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut is marked with an ellipsis."""
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def safe(text: str, limit: int | None = None) -> str:
    """Redacted, escaped and (optionally) truncated, without cutting an escape sequence in half."""
    out = escape(redact(text))
    if limit is None or len(out) <= limit:
        return out
    cut = out[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def cell(value: str, limit: int) -> str:
    """A table cell from outside: one line, redacted, then cut, with no angle brackets (never a mention)."""
    return truncate(redact(one_line(value)), limit).replace("<", "‹").replace(">", "›")


def for_code_block(text: str) -> str:
    """Text that cannot close a ``` block it is placed in."""
    return text.replace("```", "`\u200b`\u200b`")


def one_line(text: str) -> str:
    """Collapse runs of whitespace (newlines included) to single spaces."""
    return " ".join(text.split())
