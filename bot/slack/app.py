"""The Slack app: a Bolt ``App`` built by a factory, with ``/errors``, ``/traffic``, ``/query`` and
``/lookout``. Each command ``ack()``s at once with what is about to run (or why not) and runs the query in a
lazy listener. Signature verification stays on; the only network call before ``ack()`` is the replay
memory's conditional put (with an incidents table): secrets are read when the app is built and ``authorize``
answers from them. In Lambda, commands are acknowledged by ``bot.slack.front`` and this app runs the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.queries.service import Invocation, QueryService
from bot.slack.replays import SeenSignatures

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.config import Settings
    from bot.observability import Telemetry
    from bot.slack.actions import IncidentActions
    from bot.slack.front import SlashFront
    from bot.slack.render import Message

COMMANDS = ("/errors", "/traffic", "/query", "/lookout")
CANNOT_POST = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "ekm_access_denied"}


class BoltOut:
    """``SlackOut`` over a Bolt listener's client and ``respond``."""

    def __init__(self, client: WebClient, respond: Any) -> None:
        self.client = client
        self._respond = respond

    def post(self, channel: str, message: Message) -> str | None:
        from slack_sdk.errors import SlackApiError

        try:
            response = self.client.chat_postMessage(
                channel=channel, text=message.text, blocks=blocks_of(message), unfurl_links=False
            )
        except SlackApiError as exc:
            if exc.response.get("error") in CANNOT_POST:
                return None
            raise
        return str(response["ts"])

    def update(self, channel: str, ts: str, message: Message) -> None:
        self.client.chat_update(channel=channel, ts=ts, text=message.text, blocks=blocks_of(message))

    def respond(self, message: Message) -> None:
        self._respond(
            text=message.text, blocks=blocks_of(message), response_type="in_channel", replace_original=False
        )


def build_app(
    service: QueryService,
    *,
    signing_secret: str,
    bot_token: str,
    client: WebClient | None = None,
    api_url: str | None = None,
    actions: IncidentActions | None = None,
    seen: SeenSignatures | None = None,
) -> App:
    from slack_bolt import App, BoltRequest, BoltResponse
    from slack_bolt.authorization import AuthorizeResult
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=bot_token)

    if client is None and api_url:
        from slack_sdk import WebClient

        client = WebClient(base_url=api_url)
    app = App(
        signing_secret=signing_secret,
        authorize=authorize,
        process_before_response=True,
        client=client,
        name="lookout",
    )
    app.client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    signatures = seen or SeenSignatures()

    @app.middleware
    def refuse_replays(req: BoltRequest, resp: BoltResponse, next: Any) -> BoltResponse:  # noqa: A002 - Bolt's name
        """Runs after Bolt's signature check: a valid request seen before is a replay (lazy re-runs excepted)."""
        if req.lazy_only or signatures.first_time((req.headers.get("x-slack-signature") or [""])[0]):
            return next()
        return BoltResponse(status=401, body="replayed request")

    def acknowledge(ack: Any, body: dict[str, Any]) -> None:
        reply, _ = service.acknowledge(invocation_from(body))
        if isinstance(reply, str):
            ack(text=reply)
        else:
            ack(text=reply.text, blocks=blocks_of(reply))

    def run(body: dict[str, Any], client: WebClient, respond: Any) -> None:
        invocation = invocation_from(body)
        if service.acknowledge(invocation)[1]:
            service.execute(invocation, BoltOut(client, respond))

    for command in COMMANDS:
        app.command(command)(ack=acknowledge, lazy=[run])
    if actions is not None:
        actions.queries = actions.queries or service  # "Run /errors" runs through the same service
        actions.register(app)
    return app


def build_slack_app(settings: Settings, telemetry: Telemetry) -> App:
    """The production Bolt app (Socket Mode, and the Lambda function's buttons and lazy listeners)."""
    return build_app(**_production_parts(settings, telemetry))


def build_slack_front(settings: Settings, telemetry: Telemetry) -> SlashFront:
    """The production Lambda entry: commands acknowledged without Bolt, the rest through Bolt (built on need)."""
    from bot import aws
    from bot.slack.front import SlashFront

    parts = _production_parts(settings, telemetry)

    def bolt() -> Any:
        from slack_bolt.adapter.aws_lambda import SlackRequestHandler

        handler = SlackRequestHandler(build_app(**parts))
        handler.app.listener_runner.lazy_listener_runner.lambda_client = aws.client("lambda")  # type: ignore[attr-defined]
        return handler

    return SlashFront(
        parts["service"],
        signing_secret=parts["signing_secret"],
        seen=parts["seen"],
        bolt=bolt,
        lambda_client=lambda: aws.client("lambda"),
    )


def _production_parts(settings: Settings, telemetry: Telemetry) -> dict[str, Any]:
    """Configuration from the repo's YAML, secrets read once, runners with limits, buttons and the shared replay
    memory when there is an incidents table. Bolt and slack_sdk are not imported here."""
    from bot import aws
    from bot.config import ConfigError
    from bot.queries.athena import AthenaRunner
    from bot.queries.catalog import load_config
    from bot.queries.insights import InsightsRunner
    from bot.regions import partition_of
    from bot.slack.secret import read_slack_secret

    aws.configure(lean=settings.lean_aws)  # untraced, as before: the X-Ray SDK alone would cost the ack ~0.3 s CPU
    config = load_config(Path(settings.query_config), Path(settings.query_dir))
    token, signing = settings.slack_bot_token, settings.slack_signing_secret
    if settings.slack_token_secret:
        secret = read_slack_secret(settings.slack_token_secret, client=aws.client("secretsmanager"))
        token, signing = secret.bot_token, secret.signing_secret or signing
    if not token or not signing:
        raise ConfigError(
            "set SLACK_TOKEN_SECRET_ARN (with bot_token and signing_secret) or both SLACK_BOT_TOKEN "
            "and SLACK_SIGNING_SECRET"
        )
    service = QueryService(
        config,
        insights=InsightsRunner(max_concurrent=config.insights_max_concurrent, timeout=config.insights_timeout),
        athena=AthenaRunner(workgroup=config.athena_workgroup, timeout=config.athena_timeout),
        audit=lambda record: telemetry.logger.info("query audit", extra={"audit": record}),
        region=settings.region,
        partition=partition_of(settings.region),
    )
    actions = None
    if settings.incidents_table:
        from bot.lifecycle.store import IncidentStore
        from bot.slack.actions import IncidentActions

        actions = IncidentActions(IncidentStore(settings.incidents_table), allowed=settings.button_users)
    return {
        "service": service,
        "signing_secret": signing,
        "bot_token": token,
        "api_url": settings.slack_api_url,
        "actions": actions,
        "seen": SeenSignatures(settings.incidents_table),
    }


def invocation_from(body: dict[str, Any]) -> Invocation:
    return Invocation(
        command=str(body.get("command", "")),
        text=str(body.get("text", "")),
        user=str(body.get("user_id", "")),
        channel=str(body.get("channel_id", "")),
        trigger=str(body.get("trigger_id", "")),
    )


def blocks_of(message: Message) -> list[dict[str, Any]]:
    return [block.to_dict() for block in message.blocks]
