"""The Bolt app: ``/errors``, ``/traffic``, ``/query`` and ``/lookout`` (ack at once, the query in a lazy
listener) and the alarm buttons. In Lambda, Bolt owns interactivity (buttons, through Bolt's Lambda adapter
and its lazy listeners) while the front door (``bot.slack.edge.front``) owns slash commands; ``lookout dev``
(Socket Mode) runs everything here.

Signature verification stays on; ``authorize`` answers from the credentials (no network before ``ack()``
beyond the replay memory's conditional put).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.slack.edge.answers import ChannelAnswer, ack_message, blocks_of, bolt_respond, invocation_from

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.queries.service import QueryService
    from bot.slack.edge.actions import IncidentActions
    from bot.slack.edge.seen_signatures import SeenSignatures

COMMANDS = ("/errors", "/traffic", "/query", "/lookout")


def build_app(
    service: QueryService,
    *,
    signing_secret: str,
    bot_token: str | Callable[[], str],
    client: WebClient | None = None,
    api_url: str | None = None,
    actions: IncidentActions | None = None,
    seen: SeenSignatures | None = None,
) -> App:
    """``bot_token``: the token, or a function that reads it (from the secret's cache: a rotated token is
    used within its five minutes). ``seen``: the replay memory (this process's own when None)."""
    from slack_bolt import App, BoltRequest, BoltResponse
    from slack_bolt.authorization import AuthorizeResult
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    token = bot_token if callable(bot_token) else (lambda: bot_token)

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=token())

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

    if seen is None:
        from bot.slack.edge.seen_signatures import SeenSignatures

        seen = SeenSignatures()
    signatures = seen

    @app.middleware
    def refuse_replays(req: BoltRequest, resp: BoltResponse, next: Any) -> BoltResponse:  # noqa: A002
        """After Bolt's signature check: a valid request seen before is a replay (lazy re-runs excepted)."""
        if req.lazy_only or signatures.first_time((req.headers.get("x-slack-signature") or [""])[0]):
            return next()
        return BoltResponse(status=401, body="replayed request")

    def acknowledge(ack: Any, body: dict[str, Any]) -> None:
        reply = ack_message(service.acknowledge(invocation_from(body)), service.config)
        if isinstance(reply, str):
            ack(text=reply)
        else:
            ack(text=reply.text, blocks=blocks_of(reply))

    def run(body: dict[str, Any], client: WebClient, respond: Any) -> None:
        invocation = invocation_from(body)
        if service.acknowledge(invocation).runs:
            service.execute(invocation, ChannelAnswer(invocation, client, bolt_respond(respond)))

    for command in COMMANDS:
        app.command(command)(ack=acknowledge, lazy=[run])
    if actions is not None:
        actions.queries = actions.queries or service  # "Run /errors" runs through the same service
        actions.register(app)
    return app
