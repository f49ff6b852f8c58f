"""Typed settings, read once at the edge (handlers, CLI) from the environment and validated by msgspec as the
configuration files are (``bot.config.model``): a malformed value is a ``ConfigError`` that names the variable and
says what it takes. Beyond ``Settings.from_env``, ``bot/`` reads the environment only where a library's own
variables decide (Powertools' log level and metrics switch in ``bot.observability``, Lambda's
``AWS_LAMBDA_INITIALIZATION_TYPE`` in ``bot.snapstart``) and in the CLI's option defaults.

Not for: the configuration files (``bot.config.model``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import msgspec
from msgspec import Meta

from bot.config.errors import ConfigError, reworded
from bot.queries.params import ParameterError, parse_duration

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

NEVER = ("never", "off", "no", "none")
"""The words for "never" in a period setting (``LOOKOUT_RENOTIFY=never``) and an alarm's period tags."""
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
Seconds = Annotated[float, Meta(ge=0.1, le=60, description="seconds, from 0.1 to 60")]
SlackIds = Annotated[
    str,
    Meta(
        pattern=r"^\s*@?[SUW][A-Z0-9]{6,20}([\s,]+@?[SUW][A-Z0-9]{6,20})*\s*\Z",
        description="Slack user-group (S…) or user (U…) ids",
    ),
]


@dataclass(frozen=True)
class Settings:
    slack_channel: str = "#alerts"
    slack_token_secret: str | None = None
    slack_bot_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_signing_secret: str | None = None
    query_config: str = "infra/lookout.yaml"
    query_dir: str = "infra/queries"
    xray_window_minutes: Annotated[int, Meta(ge=1, le=360)] = 15
    log_lines: Annotated[int, Meta(ge=1, le=50)] = 10
    max_log_groups: Annotated[int, Meta(ge=1, le=20)] = 5
    xray_deadline_s: Seconds = 4.0
    logs_deadline_s: Seconds = 4.0
    metrics_deadline_s: Seconds = 3.0
    changes_deadline_s: Seconds = 3.0
    """What changed before the alarm (``bot.enrich.changes``): the ledger's read, and CloudTrail's where it has
    none."""
    change_ledger: bool = True
    """The change ledger is deployed (``LOOKOUT_CHANGE_LEDGER``, the template's ``ChangeLedger``): the card reads
    it first; off, it asks CloudTrail's LookupEvents only (an old ledger's records are not trusted)."""
    slack_reserve_s: float = 2.0
    sparkline_points: int = 30
    tracing: bool = False
    """Tracing of Lookout itself (``LOOKOUT_TRACING``), off by default as in the template (``EnableTracing``): off,
    no tracing SDK is imported (docs/deployment.md, "Tracing", has each backend's measured cold-start cost)."""
    tracer: str = ""
    """What records when tracing is on (``LOOKOUT_TRACER``, the template's ``Tracer``): ``xray-sdk`` or
    ``opentelemetry`` (``bot.tracing.backend_for`` checks the name); empty: ``xray-sdk``."""
    incidents_table: str | None = None
    renotify_s: int | None = 300
    """Default re-notify period of a firing alarm (``LOOKOUT_RENOTIFY``: ``never`` or ``15m``); the
    ``lookout:renotify`` tag overrides it per alarm."""
    escalate_after_s: int | None = None
    """How long an incident fires unacknowledged before Lookout notes it in its thread, calling the escalation
    group (``LOOKOUT_ESCALATE_AFTER``: ``never``, the default, or a period such as ``15m``); the
    ``lookout:escalate-after`` tag overrides it per alarm (``bot.lifecycle.escalation``)."""
    escalate_page_after_s: int | None = None
    """How long after that note the escalation topic is paged (``LOOKOUT_ESCALATE_PAGE_AFTER``); None: the
    first period again. The ``lookout:escalate-page-after`` tag overrides it."""
    escalate_to: SlackIds = ""
    """Who the escalation note calls (``LOOKOUT_ESCALATE_TO``: user-group or user ids, as ``lookout:mention``);
    empty: the alarm's own mention. The ``lookout:escalate-to`` tag overrides it."""
    escalation_topic_arn: str | None = None
    """The SNS topic an unacknowledged incident's second escalation step publishes to (``ESCALATION_TOPIC_ARN``,
    the template's ``EscalationTopic``); None: the note only."""
    post_lone_oks: bool = False
    """Post an OK that has no incident to resolve (``LOOKOUT_POST_LONE_OKS``); by default it is only counted."""
    storm_threshold: Annotated[int, Meta(ge=1, le=1000)] = 3
    storm_window_s: Annotated[int, Meta(ge=10, le=3600)] = 60
    button_users: tuple[str, ...] = ()
    alert_channels: tuple[str, ...] = ()
    """Channels an alarm's ``lookout:channel`` tag may choose (``LOOKOUT_ALERT_CHANNELS``); others: the default."""
    log_group_prefixes: tuple[str, ...] = ()
    """Log groups an alarm's ``lookout:log-groups`` tag may name (``LOOKOUT_LOG_GROUP_PREFIXES``; none: no
    tag names a group). The alarm's own groups (its Lambda function's, its metric filter's) need none."""
    enrich_regions: tuple[str, ...] = ()
    """Regions besides the function's own whose alarms are enriched (``LOOKOUT_ENRICH_REGIONS``)."""
    checks_file: str = "infra/checks.yaml"
    """The scheduled checks (``LOOKOUT_CHECKS``, ``bot.checks.config``)."""
    heartbeat_url: str | None = None
    """An outside dead man's switch pinged after each good scheduled run: ``LOOKOUT_HEARTBEAT_URL`` for local
    runs; deployed, ``heartbeat_url`` in the Slack secret (``bot.wiring.heartbeat_url``)."""
    account: str = ""
    """This deployment's account (``LOOKOUT_ACCOUNT``, the template sets it): named on check incidents."""
    athena_workgroup: str | None = None
    """The stack's Athena workgroup (``LOOKOUT_ATHENA_WORKGROUP``, the template sets it); None: the one in
    ``infra/lookout.yaml`` (the embedded stack's)."""
    athena_database: str | None = None
    """The stack's Glue database (``LOOKOUT_ATHENA_DATABASE``); None: the one in ``infra/lookout.yaml``."""
    digest_timezone: str = "UTC"
    """The weekly digest's time zone (``LOOKOUT_DIGEST_TIMEZONE``, the template's ``DigestTimezone``): its week,
    the once-a-week claim's key, is the ISO week there (``bot.analytics.schedule``)."""
    region: str = "us-east-1"
    service_name: str = "lookout"
    metrics_namespace: str = "Lookout"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings from ``env`` (default: the process's environment), each value without the whitespace
        around it; an unset or empty variable keeps the default."""
        env = os.environ if env is None else env
        raw: dict[str, object] = {}
        names: dict[str, str] = {}
        for name, variables in VARIABLES.items():
            variable = next((v for v in variables if env.get(v, "").strip()), None)
            if variable is None:
                continue
            text, names[name] = env[variable], variable
            try:
                raw[name] = TEXT.get(name, str)(text.strip())
            except ValueError as error:
                raise ConfigError(f"{variable}={text!r}: {error}") from None
        try:
            return msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as error:
            message, _, at = str(error).rpartition(" - at `$.")
            name = at.rstrip("`")
            variable, text = names.get(name, name), env.get(names.get(name, ""), "")
            hint = next((m.description for m in _metadata(name) if m.description), "")
            raise ConfigError(
                f"{variable}={text!r}: {reworded(message, text, quote=False)}" + (f" ({hint})" if hint else "")
            ) from None


VARIABLES: dict[str, tuple[str, ...]] = {
    "slack_channel": ("SLACK_CHANNEL",),
    "slack_token_secret": ("SLACK_TOKEN_SECRET_ARN",),
    "slack_bot_token": ("SLACK_BOT_TOKEN",),
    "slack_api_url": ("SLACK_API_URL",),
    "slack_signing_secret": ("SLACK_SIGNING_SECRET",),
    "query_config": ("LOOKOUT_CONFIG",),
    "query_dir": ("LOOKOUT_QUERIES",),
    "xray_window_minutes": ("XRAY_WINDOW_MINUTES",),
    "log_lines": ("LOG_LINES",),
    "max_log_groups": ("MAX_LOG_GROUPS",),
    "xray_deadline_s": ("XRAY_DEADLINE_S",),
    "logs_deadline_s": ("LOGS_DEADLINE_S",),
    "metrics_deadline_s": ("METRICS_DEADLINE_S",),
    "changes_deadline_s": ("CHANGES_DEADLINE_S",),
    "change_ledger": ("LOOKOUT_CHANGE_LEDGER",),
    "tracing": ("LOOKOUT_TRACING",),
    "tracer": ("LOOKOUT_TRACER",),
    "incidents_table": ("INCIDENTS_TABLE",),
    "renotify_s": ("LOOKOUT_RENOTIFY",),
    "escalate_after_s": ("LOOKOUT_ESCALATE_AFTER",),
    "escalate_page_after_s": ("LOOKOUT_ESCALATE_PAGE_AFTER",),
    "escalate_to": ("LOOKOUT_ESCALATE_TO",),
    "escalation_topic_arn": ("ESCALATION_TOPIC_ARN",),
    "post_lone_oks": ("LOOKOUT_POST_LONE_OKS",),
    "storm_threshold": ("STORM_THRESHOLD",),
    "storm_window_s": ("STORM_WINDOW_S",),
    "button_users": ("LOOKOUT_BUTTON_USERS",),
    "alert_channels": ("LOOKOUT_ALERT_CHANNELS",),
    "log_group_prefixes": ("LOOKOUT_LOG_GROUP_PREFIXES",),
    "enrich_regions": ("LOOKOUT_ENRICH_REGIONS",),
    "checks_file": ("LOOKOUT_CHECKS",),
    "heartbeat_url": ("LOOKOUT_HEARTBEAT_URL",),
    "account": ("LOOKOUT_ACCOUNT",),
    "athena_workgroup": ("LOOKOUT_ATHENA_WORKGROUP",),
    "athena_database": ("LOOKOUT_ATHENA_DATABASE",),
    "digest_timezone": ("LOOKOUT_DIGEST_TIMEZONE",),
    "region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "service_name": ("POWERTOOLS_SERVICE_NAME",),
    "metrics_namespace": ("POWERTOOLS_METRICS_NAMESPACE",),
}
"""Each setting's variable (the first one set, where there are two)."""


def _words(text: str) -> list[str]:
    """A comma- or space-separated list."""
    return text.replace(",", " ").split()


def _switch(text: str) -> bool:
    word = text.strip().lower()
    if word not in _TRUE + _FALSE:
        raise ValueError("expected true or false (1 or 0, yes or no, on or off)")
    return word in _TRUE


def period(text: str, *, never: bool) -> int | None:
    """``15m`` → 900; ``never`` → None where ``never`` is allowed; anything else a ``ValueError``."""
    word = text.strip().lower()
    if never and word in NEVER:
        return None
    try:
        return int(parse_duration(word).total_seconds())
    except ParameterError:
        raise ValueError(f"use {'never or a period' if never else 'a period'} such as 15m") from None


def _zone(text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("an IANA time zone such as Europe/Berlin") from None
    return text.strip()


TEXT: dict[str, Callable[[str], object]] = {
    "tracing": _switch,
    "post_lone_oks": _switch,
    "change_ledger": _switch,
    "renotify_s": lambda text: period(text, never=True),
    "escalate_after_s": lambda text: period(text, never=True),
    "escalate_page_after_s": lambda text: period(text, never=False),
    "button_users": _words,
    "alert_channels": _words,
    "log_group_prefixes": _words,
    "enrich_regions": _words,
    "athena_database": str.lower,  # Glue folds names to lower case
    "digest_timezone": _zone,
}
"""How a variable's text becomes its setting's value where that is more than msgspec's reading of text as a
number (``strict=False``); a ``ValueError`` says what the variable takes."""


def _metadata(name: str) -> list[Meta]:
    from typing import get_args, get_type_hints

    hint = get_type_hints(Settings, include_extras=True).get(name)
    return [m for m in get_args(hint)[1:] if isinstance(m, Meta)]
