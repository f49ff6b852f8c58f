"""Composition helpers for the handlers and the CLI: the production objects built from settings and from the
boto3 clients the caller made (``bot.aws.Clients``). The only module outside ``bot/slack`` and the edges that
puts the Slack side and the domain together. Not for: deciding anything, or creating clients on its own.

Each builder imports its own path's modules when it runs: five handlers share this module, and importing every
path here would add the alarm path to the Slack function's and the digest's cold start and the queries and
checks to the alarm handler's (measured: +38 ms, +58 ms and +29 ms of module imports).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError
from bot.regions import partition_of
from bot.slack.transport.post import SlackPoster
from bot.slack.transport.secret import SlackCredentials

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import App
    from urllib3 import PoolManager

    from bot.alerting import AlertService
    from bot.aws import Clients, Service
    from bot.checks.runner import CheckRunner
    from bot.config import Settings
    from bot.enrich.model import Finding
    from bot.observability import Telemetry
    from bot.queries.catalog import QueryConfig
    from bot.queries.commands import QueryService
    from bot.slack.edge.actions import IncidentActions
    from bot.slack.edge.front import SlackFront
    from bot.slack.edge.seen_signatures import SeenSignatures

ALARM_SERVICES: tuple[Service, ...] = ("cloudwatch", "logs", "xray", "secretsmanager", "dynamodb")
"""What one alarm's path calls: built at init (the alarm handler's composition root)."""
SLACK_SERVICES: tuple[Service, ...] = ("lambda", "secretsmanager")
"""What the Slack function's ack needs, built at init: the secret (signing secret) and the self-invocation.
The queries' and buttons' clients (Logs, Athena, DynamoDB) are built on their first call (``Clients.lazy``)."""


def credentials_for(settings: Settings, clients: Clients | None) -> SlackCredentials:
    """The Slack credentials: the secret through the injected Secrets Manager client, or (no clients: an
    offline run, which posts nothing) only what the settings hold."""
    secret = settings.slack_token_secret if clients is not None else None
    return SlackCredentials(
        secret,
        secretsmanager=clients("secretsmanager") if clients is not None and secret else None,
        bot_token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret,
    )


def build_alert_service(
    settings: Settings,
    telemetry: Telemetry,
    clients: Clients | None,
    *,
    offline: bool = False,
    poster: SlackPoster | None = None,
    track_incidents: bool = True,
) -> AlertService:
    """Enrichment with the injected clients, Slack with a token from settings or the secret, and the lifecycle
    when there is an incidents table. ``offline`` (``lookout render --offline``): no AWS call at all.
    ``poster``: where the messages go instead of Slack (``lookout render`` keeps them to print);
    ``track_incidents=False``: each alert posted as it comes, no incident lifecycle even with a table."""
    from bot.alerting import AlertService  # the alarm path's modules: see the module's docstring
    from bot.enrich.runner import Enricher
    from bot.lifecycle.alarm_path import Lifecycle
    from bot.slack.transport.courier import SlackCourier

    credentials = credentials_for(settings, None if offline else clients)

    def on_finding(finding: Finding[object]) -> None:
        if finding.failed:
            telemetry.count("EnrichmentFailures", Source=finding.source)

    if poster is None:
        poster = _slack_poster(settings, telemetry, credentials)
    courier = SlackCourier(
        poster,
        telemetry.logger,
        fallback_channel=settings.slack_channel,
        on_dead_channel=lambda _channel: telemetry.count("DeadChannel"),
    )
    online = clients is not None and not offline
    enricher = None
    if online:
        assert clients is not None
        enricher = Enricher(settings, clients, observer=on_finding, wrap=telemetry.in_thread)
    lifecycle = None
    if settings.incidents_table and online and track_incidents:
        assert clients is not None
        lifecycle = Lifecycle.from_settings(settings, courier, clients("dynamodb"))
    return AlertService(
        settings,
        enricher=enricher,
        courier=courier,
        telemetry=telemetry,
        lifecycle=lifecycle,
        prefetch=poster.prefetch,
        forget=lambda: _each(credentials.forget, poster.forget),
    )


def build_check_runner(
    settings: Settings,
    telemetry: Telemetry,
    clients: Clients,
    *,
    record: bool = True,
    pool: PoolManager | None = None,
) -> CheckRunner:
    """The scheduled checks' runner: HTTP through ``pool`` (default: a new ``http_pool()``), X-Ray, headers
    from their secrets; standings recorded in the incidents table when there is one and ``record``
    (``lookout check --dry-run`` records nothing, so it announces nothing)."""
    from bot.checks.runner import CheckRunner  # the checks handler's only: see the module's docstring
    from bot.checks.state import StandingStore

    table = settings.incidents_table if record else None
    return CheckRunner(
        region=settings.region,
        account=settings.account or "unknown",
        partition=partition_of(settings.region),
        pool=pool if pool is not None else http_pool(),
        xray=clients("xray"),
        headers=check_headers(clients),
        telemetry=telemetry,
        store=StandingStore(clients("dynamodb"), table) if table else None,
    )


def http_pool() -> PoolManager:
    """urllib3's pool for HTTP checks and the heartbeat ping (certificates verified, pooled per host)."""
    import urllib3

    return urllib3.PoolManager(num_pools=20, maxsize=4)


def check_headers(clients: Clients) -> Callable[[str], dict[str, str]]:
    """A check's headers secret (its name or ARN) → its JSON as header values, through Powertools Parameters
    (cached five minutes, like the Slack secret)."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    provider = SecretsProvider(boto3_client=clients("secretsmanager"))

    def headers(secret: str) -> dict[str, str]:
        value = provider.get(secret, transform="json", max_age=300)
        if not isinstance(value, dict):
            raise ValueError(f"secret {secret} must hold a JSON object of header names and values")
        return {str(k): str(v) for k, v in value.items()}

    return headers


def heartbeat_url(settings: Settings, clients: Clients) -> Callable[[], str | None]:
    """Where the outside dead man's switch is pinged: ``heartbeat_url`` in Lookout's secret (the Slack one),
    read through Powertools Parameters and cached five minutes, so it can be set or changed without a deploy;
    ``LOOKOUT_HEARTBEAT_URL`` for local runs. None: no outside witness. An unreadable secret is an error the
    caller counts as a failed ping: the run itself was good."""
    if settings.heartbeat_url or not settings.slack_token_secret:
        return lambda: settings.heartbeat_url
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    provider, secret = SecretsProvider(boto3_client=clients("secretsmanager")), settings.slack_token_secret

    def read() -> str | None:
        text = str(provider.get(secret, max_age=300))
        data = json.loads(text) if text.lstrip().startswith("{") else {}
        url = data.get("heartbeat_url") if isinstance(data, dict) else None
        return str(url) if url else None

    return read


@dataclass(frozen=True)
class SlackParts:
    service: QueryService
    signing_secret: str
    credentials: SlackCredentials
    actions: IncidentActions | None
    seen: SeenSignatures
    writer: SlackPoster
    """The one writer: every answer, button reply and notice the Slack function sends."""


def query_config(settings: Settings, *, check_sql: bool = True) -> QueryConfig:
    """``infra/lookout.yaml`` and the saved queries, with the stack's Athena workgroup and database when the
    template names them (two stacks in one account each query their own). ``check_sql=False``: saved Athena
    queries are parsed when they first run (the Slack function's init)."""
    from bot.queries.catalog import load_config  # the queries' modules: see the module's docstring

    config = load_config(Path(settings.query_config), Path(settings.query_dir), check_sql=check_sql)
    return replace(
        config,
        athena_workgroup=settings.athena_workgroup or config.athena_workgroup,
        athena_database=settings.athena_database or config.athena_database,
    )


def build_query_service(
    settings: Settings, telemetry: Telemetry, clients: Clients, config: QueryConfig | None = None
) -> QueryService:
    """The query service (runners with the configuration's limits, an audit line per query) on the injected
    clients: the Slack function's, the digest's and the CLI's."""
    from bot.queries.athena import AthenaRunner  # the queries' modules: see the module's docstring
    from bot.queries.commands import QueryService
    from bot.queries.insights import InsightsRunner

    config = config or query_config(settings)
    return QueryService(
        config,
        insights=InsightsRunner(
            clients.lazy("logs"), max_concurrent=config.insights_max_concurrent, timeout=config.insights_timeout
        ),
        athena=AthenaRunner(
            clients.lazy("athena"),
            workgroup=config.athena_workgroup,
            database=config.athena_database,
            timeout=config.athena_timeout,
        ),
        audit=lambda record: telemetry.logger.info("query audit", extra={"audit": record}),
        region=settings.region,
        partition=partition_of(settings.region),
    )


def digest_poster(settings: Settings, telemetry: Telemetry, clients: Clients) -> SlackPoster:
    """A Slack poster with the bot token from the secret (refreshed on invalid_auth), for the digest."""
    return _slack_poster(settings, telemetry, credentials_for(settings, clients))


def _slack_poster(settings: Settings, telemetry: Telemetry, credentials: SlackCredentials) -> SlackPoster:
    """Slack's Web API with the bot token from ``credentials`` (read again on ``invalid_auth`` when a secret
    holds it), each retry counted."""
    return SlackPoster.from_credentials(
        credentials, base_url=settings.slack_api_url, on_retry=lambda _why: telemetry.count("SlackRetries")
    )


def slack_parts(settings: Settings, telemetry: Telemetry, clients: Clients) -> SlackParts:
    """Configuration from the repo's YAML, the secret read once (its cache lasts five minutes), runners with
    limits, buttons and the shared replay memory when there is an incidents table."""
    from bot.lifecycle.store import IncidentStore  # the Slack function's only: see the module's docstring
    from bot.slack.edge.actions import IncidentActions
    from bot.slack.edge.seen_signatures import SeenSignatures

    config = query_config(settings, check_sql=False)
    credentials = credentials_for(settings, clients)
    secret = credentials.read()
    if not secret.bot_token or not secret.signing_secret:
        raise ConfigError(
            "set SLACK_TOKEN_SECRET_ARN (with bot_token and signing_secret) or both SLACK_BOT_TOKEN "
            "and SLACK_SIGNING_SECRET"
        )
    service = build_query_service(settings, telemetry, clients, config)
    actions = None
    table = settings.incidents_table
    if table:
        actions = IncidentActions(
            IncidentStore(table, clients.lazy("dynamodb")),
            logs_client=clients.lazy("logs"),
            allowed=settings.button_users,
        )
    seen = SeenSignatures(table, clients.lazy("dynamodb") if table else None)
    writer = _slack_poster(settings, telemetry, credentials)
    return SlackParts(service, secret.signing_secret, credentials, actions, seen, writer)


def build_slack_app(parts: SlackParts, settings: Settings) -> App:
    """The one Bolt app (commands and buttons) on the one writer: ``lookout dev`` runs it over Socket Mode."""
    from bot.slack.edge.app import build_app  # Bolt, never on the alarm path (tests/functional/test_cold_path.py)

    return build_app(
        parts.service,
        signing_secret=parts.signing_secret,
        writer=parts.writer,
        actions=parts.actions,
        seen=parts.seen,
    )


def build_slack_front(settings: Settings, telemetry: Telemetry, clients: Clients) -> SlackFront:
    """The Slack function: the front door before the one Bolt app, its lazy work invoked through the injected
    Lambda client, every answer sent by the one writer."""
    from bot.slack.edge.front import build_front, response_origins_for  # Bolt: as ``build_slack_app``

    parts = slack_parts(settings, telemetry, clients)
    return build_front(
        parts.service,
        signing_secret=parts.signing_secret,
        writer=parts.writer,
        lambda_client=clients("lambda"),
        actions=parts.actions,
        seen=parts.seen,
        forget=parts.credentials.forget,
        response_origins=response_origins_for(settings.slack_api_url),
    )


def _each(*calls: Callable[[], object]) -> None:
    for call in calls:
        call()
