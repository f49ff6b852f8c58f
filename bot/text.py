"""Make outside text safe for Slack: redact secrets, escape mrkdwn control characters, truncate.

Everything that comes from outside (alarm names, descriptions, reasons, log lines, query results) passes
through ``safe()`` before it reaches a Block Kit object.

Credentials are redacted; identifiers of who and what (a principal's ARN, an approval token, an ETag) are shown.
The rules are our own list; vendor token formats are taken from gitleaks' ``config/gitleaks.toml`` (each rule id
named beside its pattern). A maintained scanner as a library was measured and not taken (fresh process, 2 KB log
line, median of 5): detect-secrets 1.5.0 takes 95 ms to import and 26 ms for its first line (10 ms a line warm)
against 6.7 ms and 1.1 ms (1.0 ms warm) here — its import alone is 8 % of the 1.2 s cold-start target — and its
default plugins flag an S3 ETag by its entropy while they miss presigned URLs, SAS, cookies and sk-proj keys.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

ELLIPSIS = "…"
REDACTED = "[REDACTED]"

OVERLAP = 2048
"""Outside text is cut to what is shown plus this much before it is redacted: every pattern matches within it
(their repetitions are bounded), so a secret straddling the cut is redacted whole, and the work is linear in
what is shown, not in the size of the text (a log event may be 256 KB)."""

_KEY_VALUE = re.compile(
    r"(\"?\b([\w.-]{1,80})\b\"?\s{0,8}[:=]\s{0,8})(?!(?i:bearer|basic|token)\s|\[REDACTED)"
    r"(\"[^\"]{0,1024}\"|'[^']{0,1024}'|[^\s,;&}\]]{1,1024})"
)
_SECRET_KEY = re.compile(
    r"(?i)(?:aws_secret_access_key|aws_session_token|secret_access_key|secretaccesskey|password|passwd|pwd|pass"
    r"|passphrase|secret|secret[_-]?key|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token"
    r"|private[_-]?key|token|authorization|credentials?|cookie|amz-signature|(?<![a-z0-9])sig)$"
)
"""A key whose name ends in a secret word (``SECRET_KEY``, ``KEY_PASSPHRASE``, ``X-Amz-Signature``) or is ``sig``
(an Azure SAS signature). Not a bare ``key``: ``partition_key=user1`` is no secret; nor a bare ``signature``: an
SNS message's is public (a presigned URL's ``Signature=`` parameter is redacted by its own rule)."""
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _is_secret(key: str, value: str) -> bool:
    """Whether ``key``'s value is a secret. A key named ``token`` with a UUID is a CodePipeline approval token
    (the API's token pattern): it names the approval, and approving with it takes the caller's own IAM
    permission (codepipeline:PutApprovalResult). Every other token, and a ``token`` of another shape, is secret."""
    if not _SECRET_KEY.search(key):
        return False
    return key.lower() != "token" or _UUID.fullmatch(value.strip("\"'")) is None


def _redact_key_values(text: str) -> str:
    """``key=value`` / ``"key": "value"`` with the value redacted when the key is secret (``_is_secret``).
    After a key that is not secret the scan goes on *inside* its value: ``"message": "login failed
    password=hunter2"`` hides a secret in a harmless key's value, as JSON log lines do. Every key is
    judged once, so the work stays linear."""
    out: list[str] = []
    last = pos = 0
    while (match := _KEY_VALUE.search(text, pos)) is not None:
        if _is_secret(match.group(2), match.group(3)):
            out.append(text[last : match.start()] + match.group(1) + REDACTED)
            last = pos = match.end()
        else:
            pos = match.end(1)
    out.append(text[last:])
    return "".join(out)


_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(
            r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----"
            r"(?:.{0,8192}?-----END [A-Z ]{0,40}PRIVATE KEY-----|.{0,8192})",
            re.S,
        ),
        REDACTED,
    ),
    # Cookie / Set-Cookie header values: every pair of a Cookie header (a Set-Cookie's attributes after the
    # first are no secret), a quoted value or a JSON list ("cookies" of a Lambda URL event) whole. The name stays.
    (
        re.compile(
            r"(?i)(\b(?:set-)?cookie(?:s(?=\"?\s{0,8}:\s{0,8}\[))?\"?\s{0,8}[:=]\s{0,8})"
            r"(\"[^\"]{0,4096}\"|\[[^\]]{0,4096}\]|[^\s;,\"]{1,4096}(?:;\s?[^\s;,\"]{1,4096}){0,64})"
        ),
        r"\1" + REDACTED,
    ),
    # Presigned URLs: S3 SigV4 (X-Amz-Signature, -Credential, -Security-Token), SigV2 (Signature,
    # AWSAccessKeyId) and an Azure SAS (sig), also HTML-, URL- or JSON-escaped inside other text. A session
    # token outgrows the key=value rule's bound; the parameter name and the rest of the URL are kept.
    (
        re.compile(
            r"(?i)((?:[?&;]|%26|%3F|\\u0026)"
            r"(?:x-amz-(?:signature|credential|security-token)|signature|awsaccesskeyid|sig)(?:=|%3D))"
            r"[^\s&#\"'<>\\]{1,4096}"
        ),
        r"\1" + REDACTED,
    ),
    (
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}\b"),
        "[REDACTED:aws-key-id]",
    ),
    (re.compile(r"\bxox[abposrec]-[A-Za-z0-9-]{8,255}"), "[REDACTED:slack-token]"),
    (re.compile(r"\bxapp-[A-Za-z0-9-]{8,255}"), "[REDACTED:slack-token]"),
    (
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{1,512}"),
        "[REDACTED:slack-webhook]",
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,4096}\.[A-Za-z0-9_-]{5,4096}\.[A-Za-z0-9_-]{0,4096}"), "[REDACTED:jwt]"),
    (re.compile(r"(?i)\b(bearer|basic|token)\s{1,8}[A-Za-z0-9._~+/=-]{8,4096}"), r"\1 " + REDACTED),
    # Credentials in URLs, whatever the host (a name, an IP, a single label): scheme://user:secret@host
    (
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,20}://)([^\s/:@]{0,256}):([^\s/@]{1,512})@"),
        r"\1\2:" + REDACTED + "@",
    ),
    (re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b"), "[REDACTED:github-token]"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b"), "[REDACTED:github-token]"),
    (re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,255}\b"), "[REDACTED:stripe-key]"),
    # gitleaks gcp-api-key (AIza + 35); a longer run is redacted whole, not skipped
    (re.compile(r"\bAIza[\w-]{35,255}"), "[REDACTED:google-api-key]"),
    # gitleaks openai-api-key (sk-proj-, sk-svcacct-, sk-admin-; the older sk- + 20 + T3BlbkFJ + 20), and any
    # sk- + 32 or more letters and digits: other vendors' keys in OpenAI's style
    (
        re.compile(r"\bsk-(?:(?:proj|svcacct|admin)-[\w-]{20,512}|[A-Za-z0-9]{32,255})"),
        "[REDACTED:openai-key]",
    ),
    # gitleaks anthropic-api-key, anthropic-admin-api-key
    (re.compile(r"\bsk-ant-(?:api|admin)\d{2}-[\w-]{20,512}"), "[REDACTED:anthropic-key]"),
    # gitleaks gitlab-pat, gitlab-pat-routable, gitlab-deploy-token, gitlab-runner-authentication-token and
    # -routable, gitlab-ptt, gitlab-feed-token, gitlab-incoming-mail-token, gitlab-kubernetes-agent-token,
    # gitlab-oauth-app-secret, gitlab-scim-token, gitlab-feature-flag-client-token, gitlab-cicd-job-token,
    # gitlab-rrt
    (
        re.compile(
            r"\b(?:gl(?:pat|dt|rt|ptt|ft|imt|agent|oas|soat|ffct|cbt)-|GR1348941)[\w-]{20,300}(?:\.[0-9a-z]{9}\b)?"
        ),
        "[REDACTED:gitlab-token]",
    ),
    # gitleaks npm-access-token (npm_ + 36)
    (re.compile(r"\bnpm_[A-Za-z0-9]{36,255}"), "[REDACTED:npm-token]"),
    # key names that end in a secret word, in any case and with any prefix: DB_PASSWORD, PGPASSWORD,
    # dbPassword, apiSecret, x-api-key — any key name is matched once, then judged by ``_redact_key_values``
    (_KEY_VALUE, lambda match: match.group(0)),
    # 40-character AWS secret access keys standing alone: base64 alphabet with upper, lower case and digits.
    (
        re.compile(
            r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[0-9])"
            r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
        ),
        "[REDACTED:aws-secret]",
    ),
    # E-mail addresses are personal data, except as the name of who acted: an IAM user or an STS session
    # (an IAM Identity Center user's) in a principal's ARN, which is kept whole.
    (
        re.compile(
            r"(\barn:aws[a-z-]{0,16}:(?:iam|sts)::\d{12}:[\w+=.@/-]{1,1024})"
            r"|\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}\b"
        ),
        lambda match: match.group(1) or "[REDACTED:email]",
    ),
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
        text = _redact_key_values(text) if pattern is _KEY_VALUE else pattern.sub(replacement, text)
    return text


def escape(text: str) -> str:
    """Escape Slack's control characters so that no ``<!channel>``, ``<@U…>`` or ``<url|label>`` survives."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut is marked with an ellipsis."""
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def window(text: str, shown: int) -> str:
    """The part of ``text`` that can matter when ``shown`` characters of it are shown: cut before redacting."""
    return text[: shown + OVERLAP]


def excerpt(text: str, limit: int) -> str:
    """Outside text kept or printed plain (a stored reason, a check's body, an error): redacted, then cut to
    ``limit`` — a secret that straddles the cut is redacted whole, never shown in part."""
    return truncate(redact(window(text, limit)), limit)


def safe(text: str, limit: int | None = None) -> str:
    """Redacted, escaped and (optionally) truncated, without cutting an escape sequence in half."""
    out = escape(redact(text if limit is None else window(text, limit)))
    if limit is None or len(out) <= limit:
        return out
    cut = out[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def cell(value: str, limit: int) -> str:
    """A table cell from outside: one line, redacted, then cut, with no angle brackets (never a mention)."""
    return (
        truncate(redact(window(one_line(window(value, 4 * limit)), limit)), limit)
        .replace("<", "‹")
        .replace(">", "›")
    )


def for_code_block(text: str) -> str:
    """Text that cannot close a ``` block it is placed in."""
    return text.replace("```", "`\u200b`\u200b`")


def one_line(text: str) -> str:
    """Collapse runs of whitespace (newlines included) to single spaces."""
    return " ".join(text.split())
