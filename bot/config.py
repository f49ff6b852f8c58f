"""Typed settings, read once at the edge (handlers, CLI) from the environment. Beyond ``Settings.from_env``,
``bot/`` reads the environment only where a library's own variables decide (Powertools' log level and metrics
switch in ``bot.observability``, Lambda's ``AWS_LAMBDA_INITIALIZATION_TYPE`` in ``bot.snapstart``) and in the
CLI's option defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    slack_channel: str = "#alerts"
    slack_token_secret: str | None = None
    slack_bot_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_signing_secret: str | None = None
    query_config: str = "infra/lookout.yaml"
    query_dir: str = "infra/queries"
    xray_window_minutes: int = 15
    log_lines: int = 10
    max_log_groups: int = 5
    xray_deadline_s: float = 4.0
    logs_deadline_s: float = 4.0
    metrics_deadline_s: float = 3.0
    slack_reserve_s: float = 2.0
    sparkline_points: int = 30
    tracing: bool = False
    """X-Ray tracing of Lookout itself (``LOOKOUT_TRACING``), off by default as in the template
    (``EnableTracing``): importing the X-Ray SDK costs a cold start ~0.3 s of CPU."""
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
    escalate_to: str = ""
    """Who the escalation note calls (``LOOKOUT_ESCALATE_TO``: user-group or user ids, as ``lookout:mention``);
    empty: the alarm's own mention. The ``lookout:escalate-to`` tag overrides it."""
    escalation_topic_arn: str | None = None
    """The SNS topic an unacknowledged incident's second escalation step publishes to (``ESCALATION_TOPIC_ARN``,
    the template's ``EscalationTopic``); None: the note only."""
    post_lone_oks: bool = False
    """Post an OK that has no incident to resolve (``LOOKOUT_POST_LONE_OKS``); by default it is only counted."""
    storm_threshold: int = 3
    storm_window_s: int = 60
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
    region: str = "us-east-1"
    service_name: str = "lookout"
    metrics_namespace: str = "Lookout"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            slack_channel=env.get("SLACK_CHANNEL", cls.slack_channel),
            slack_token_secret=env.get("SLACK_TOKEN_SECRET_ARN") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_api_url=env.get("SLACK_API_URL", cls.slack_api_url),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            query_config=env.get("LOOKOUT_CONFIG", cls.query_config),
            query_dir=env.get("LOOKOUT_QUERIES", cls.query_dir),
            xray_window_minutes=_int(env, "XRAY_WINDOW_MINUTES", cls.xray_window_minutes, 1, 360),
            log_lines=_int(env, "LOG_LINES", cls.log_lines, 1, 50),
            max_log_groups=_int(env, "MAX_LOG_GROUPS", cls.max_log_groups, 1, 20),
            xray_deadline_s=_float(env, "XRAY_DEADLINE_S", cls.xray_deadline_s),
            logs_deadline_s=_float(env, "LOGS_DEADLINE_S", cls.logs_deadline_s),
            metrics_deadline_s=_float(env, "METRICS_DEADLINE_S", cls.metrics_deadline_s),
            tracing=_bool(env, "LOOKOUT_TRACING", default=False),
            incidents_table=env.get("INCIDENTS_TABLE") or None,
            renotify_s=_renotify(env.get("LOOKOUT_RENOTIFY", ""), cls.renotify_s),
            escalate_after_s=_period(env, "LOOKOUT_ESCALATE_AFTER", never=True),
            escalate_page_after_s=_period(env, "LOOKOUT_ESCALATE_PAGE_AFTER", never=False),
            escalate_to=_mentions(env, "LOOKOUT_ESCALATE_TO"),
            escalation_topic_arn=env.get("ESCALATION_TOPIC_ARN") or None,
            post_lone_oks=env.get("LOOKOUT_POST_LONE_OKS", "false").strip().lower() == "true",
            storm_threshold=_int(env, "STORM_THRESHOLD", cls.storm_threshold, 1, 1000),
            storm_window_s=_int(env, "STORM_WINDOW_S", cls.storm_window_s, 10, 3600),
            button_users=_words(env, "LOOKOUT_BUTTON_USERS"),
            alert_channels=_words(env, "LOOKOUT_ALERT_CHANNELS"),
            log_group_prefixes=_words(env, "LOOKOUT_LOG_GROUP_PREFIXES"),
            enrich_regions=_words(env, "LOOKOUT_ENRICH_REGIONS"),
            checks_file=env.get("LOOKOUT_CHECKS", cls.checks_file),
            heartbeat_url=env.get("LOOKOUT_HEARTBEAT_URL") or None,
            account=env.get("LOOKOUT_ACCOUNT", ""),
            athena_workgroup=env.get("LOOKOUT_ATHENA_WORKGROUP") or None,
            athena_database=(env.get("LOOKOUT_ATHENA_DATABASE") or "").lower() or None,  # Glue folds names
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or cls.region,
            service_name=env.get("POWERTOOLS_SERVICE_NAME", cls.service_name),
            metrics_namespace=env.get("POWERTOOLS_METRICS_NAMESPACE", cls.metrics_namespace),
        )


def _words(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma- or space-separated list."""
    return tuple(word for word in env.get(name, "").replace(",", " ").split() if word)


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0.1 <= value <= 60:
        raise ConfigError(f"{name} must be between 0.1 and 60 seconds, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _renotify(value: str, default: int | None) -> int | None:
    from bot.lifecycle.routing import NEVER, renotify_period

    if value.strip() and value.strip().lower() not in NEVER and renotify_period(value, -1) == -1:
        raise ValueError(f"LOOKOUT_RENOTIFY={value!r}: use never or a period such as 15m")
    return renotify_period(value, default)


def _period(env: Mapping[str, str], name: str, *, never: bool) -> int | None:
    """A period such as ``15m`` (None when unset; ``never`` too, where ``never`` is allowed)."""
    from bot.lifecycle.routing import NEVER, renotify_period

    value = env.get(name, "").strip()
    if not value or (never and value.lower() in NEVER):
        return None
    period = renotify_period(value, -1)
    if period is None or period < 0:
        allowed = "never or a period" if never else "a period"
        raise ConfigError(f"{name}={value!r}: use {allowed} such as 15m")
    return period


def _mentions(env: Mapping[str, str], name: str) -> str:
    """User-group or user ids (``S0…``, ``U0…``), comma- or space-separated, as given: ids only."""
    from bot.lifecycle.routing import mention_markup

    value = env.get(name, "").strip()
    if value and not mention_markup(value):
        raise ConfigError(f"{name}={value!r}: give Slack user-group (S…) or user (U…) ids")
    return value
