"""The one Bolt app and its one routing table: ``/errors``, ``/traffic``, ``/query``, ``/lookout`` and the alarm
buttons are registered here, once, each with its ack and one lazy listener (the work). In Lambda the front door
(``bot.slack.edge.front``) pre-filters every request and dispatches it into this app, and lazy work comes back to
it as a sealed run; ``lookout dev`` (Socket Mode) dispatches into the same app.

Signature verification is Bolt's; ``authorize`` makes no call (Lookout sends through its one writer, never
through Bolt's client, so the app needs no token); the replay memory refuses a signed request seen before.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, TypeVar

from bot.delivery import Deadline
from bot.queries.commands import Ack
from bot.slack.edge.actions import BUTTONS, LINKS
from bot.slack.edge.answers import ChannelAnswer, ack_body, invocation_from
from bot.slack.edge.seen_signatures import SeenSignatures
from bot.slack.transport.post import SlackPoster

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from slack_bolt import Ack as BoltAck
    from slack_bolt import App, BoltContext, BoltRequest, BoltResponse

    from bot.queries.commands import QueryService
    from bot.slack.edge.actions import Click, IncidentActions

_LOG = logging.getLogger(__name__)
COMMANDS = ("/errors", "/traffic", "/query", "/lookout")
WORK = "work"
"""The name of every route's one lazy listener: a sealed run names no function, Bolt finds it by this name."""
NO_WORK = "lookout_no_work"
"""Context key: the ack found nothing to run (help, a mistake, a refusal); no lazy run is started."""
DEADLINE = "lookout_deadline"
"""Context key: the run's ``Deadline`` (the Lambda invocation's remaining time), set by the front door."""
FAILURE = "lookout_failure"
"""Context key: the exception the work raised (Bolt logs it; the front door raises it again for Lambda)."""
OUTSIDE_LAMBDA_S = 15 * 60.0
"""The work's deadline where no Lambda invocation bounds it (Socket Mode, tests)."""
UNREADABLE = "⚠️ Lookout could not read that command; the details are in its logs."
Body = TypeVar("Body")
"""What Bolt hands a listener as ``body``: a command's form fields, or a click's ``block_actions`` payload."""


def build_app(
    service: QueryService,
    *,
    signing_secret: str,
    writer: SlackPoster | None = None,
    bot_token: str | Callable[[], str] | None = None,
    api_url: str | None = None,
    actions: IncidentActions | None = None,
    seen: SeenSignatures | None = None,
    commands_seen_at_run: bool = False,
) -> App:
    """``writer``: the one writer every answer goes through; without one, a writer on ``bot_token`` (a token or
    a function that reads it) and ``api_url`` — no token renewal then. ``seen``: the replay memory (this
    process's own when None). ``commands_seen_at_run``: the front door asks the replay memory where a command's
    work starts (its sealed run), so that the ack waits on nothing; Bolt's dispatch then leaves commands to it."""
    from slack_bolt import App, BoltResponse
    from slack_bolt.authorization import AuthorizeResult

    writer = writer or _writer_on(bot_token, api_url)

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    app = App(signing_secret=signing_secret, authorize=authorize, process_before_response=True, name="lookout")

    signatures = seen if seen is not None else SeenSignatures()

    @app.middleware
    def refuse_replays(
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # noqa: A002 - Bolt passes it by this name
    ) -> BoltResponse:
        """After Bolt's signature check: a valid request seen before is a replay (runs: the front door's)."""
        if req.lazy_only or (commands_seen_at_run and req.body.get("command")):
            return next()
        if signatures.first_time((req.headers.get("x-slack-signature") or [""])[0]):
            return next()
        return BoltResponse(status=401, body="replayed request")

    def acknowledge(ack: BoltAck, body: Mapping[str, object], context: BoltContext) -> BoltResponse:
        """The command's answer at once (pure: no network); whether its work is started is the ack's to say."""
        try:
            answer = service.acknowledge(invocation_from(body))
        except Exception:  # noqa: BLE001 - a bug must still answer Slack in words, never with a 5xx
            _LOG.exception("could not acknowledge %s", body.get("command"))
            answer = Ack(UNREADABLE)
        if not answer.runs:
            context[NO_WORK] = True
        ack()
        # The listener's own response (Bolt sends what an ack listener returns): JSON in UTF-8, as Slack sends it.
        reply = json.dumps(ack_body(answer, service.config), ensure_ascii=False)
        return BoltResponse(status=200, body=reply, headers={"content-type": "application/json;charset=utf-8"})

    def run_command(body: Mapping[str, object], context: BoltContext) -> None:
        invocation = invocation_from(body)
        if not service.acknowledge(invocation).runs:  # the allowlists again, where the work starts
            return
        answer = ChannelAnswer(
            invocation, writer, response_url=str(body.get("response_url") or ""), deadline=deadline_of(context)
        )
        service.execute(invocation, answer)

    for command in COMMANDS:
        app.command(command)(ack=acknowledge, lazy=[as_work(run_command)])
    if actions is not None:
        actions.queries = actions.queries or service  # "Run /errors" runs through the same service
        pressed = actions  # for the closure: mypy keeps the narrowing

        def press(body: Click, context: BoltContext) -> None:
            pressed.press(body, writer, deadline_of(context))

        for button in BUTTONS:
            app.action(button)(ack=_ack_only, lazy=[as_work(press)])
    for link in LINKS:
        app.action(link)(_ack_only)
    return app


def as_work(work: Callable[[Body, BoltContext], None]) -> Callable[[Body, BoltContext], None]:
    """``work`` as a route's lazy listener: named ``WORK``, and its failure kept in the context, where the front
    door finds it after Bolt has logged it (and raises it, so that Lambda retries the run)."""

    def work_(body: Body, context: BoltContext) -> None:
        try:
            work(body, context)
        except Exception as exc:
            context[FAILURE] = exc
            raise

    work_.__name__ = work_.__qualname__ = WORK
    return work_


def deadline_of(context: BoltContext) -> Deadline:
    deadline = context.get(DEADLINE)
    return deadline if isinstance(deadline, Deadline) else Deadline.after(OUTSIDE_LAMBDA_S)


def _ack_only(ack: BoltAck) -> None:
    ack()


def _writer_on(bot_token: str | Callable[[], str] | None, api_url: str | None) -> SlackPoster:
    if bot_token is None:
        raise ValueError("build_app needs a writer, or a bot token to build one on")
    if callable(bot_token):
        return SlackPoster(bot_token, base_url=api_url or "https://slack.com/api/")
    token = bot_token
    return SlackPoster(lambda: token, base_url=api_url or "https://slack.com/api/")
