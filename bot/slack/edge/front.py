"""The Slack function's front door: a pre-filter before the one Bolt app (``bot.slack.edge.app``), which holds the
only routing table. The door routes nothing itself.

For every HTTP request: a body-size cap (413), Bolt's lazy markers dropped, then Slack's signature
(``slack_sdk.signature``) on the raw body, **before** anything is parsed (401). The request then goes into the app
through Bolt's Lambda adapter: the app verifies it again, acks it (a command with the query service's answer:
pure, no network) and starts its lazy work through ``SealedRuns``, an asynchronous ``Invoke`` of this function
with Lookout's own event ``{"lookout_run": {"body", "timestamp", "signature"}}`` — Slack's signed request, no
field of ours. Only a Lambda ``Invoke`` can produce that shape (a Function URL or API Gateway event always has its
own fixed keys), but anyone allowed to invoke the function could: so the run checks Slack's signature again,
refuses work older than Slack's five minutes (telling whoever asked, while their ``response_url`` still answers),
and for a command asks the replay memory (a captured request replayed, over HTTP or by a direct invoke, runs
nothing; a click was asked at the door), checks the allowlists again and that it answers only to a
``response_url`` on Slack's hosts. Then the run goes into the app as Bolt's lazy-only request: Bolt verifies the
signature once more and runs the route's work, which sends through the one writer.

Why a front door at all (``docs/performance.md``): lazy work can only be started by Lambda, carrying Slack's
signed request, and nothing is parsed before the signature holds.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import time
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from slack_bolt.lazy_listener import LazyListenerRunner

from bot.coerce import mapping
from bot.delivery import Deadline
from bot.slack.blocks.lifecycle import render_note
from bot.slack.edge.answers import invocation_from
from bot.slack.edge.app import DEADLINE, FAILURE, NO_WORK, WORK, build_app
from bot.slack.edge.seen_signatures import SeenSignatures

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_lambda import LambdaClient
    from slack_bolt.adapter.aws_lambda import SlackRequestHandler
    from slack_bolt.request import BoltRequest
    from slack_sdk.signature import SignatureVerifier

    from bot.queries.commands import QueryService
    from bot.slack.edge.actions import IncidentActions
    from bot.slack.transport.post import SlackPoster

_LOG = logging.getLogger(__name__)
RUN_KEY = "lookout_run"
BOLT_HEADER_PREFIX = "x-slack-bolt-"
MAX_BODY_BYTES = 128 * 1024
"""Slack's commands are a few hundred bytes and button payloads (which carry the message) tens of KB."""
FORM = "application/x-www-form-urlencoded"
TEXT_HEADERS = {"content-type": "text/plain;charset=utf-8"}
EXPIRED_S = 5 * 60
"""Slack's window for a request's timestamp, which Bolt checks again when the run reaches the app."""
RESPONSE_URL_S = 30 * 60
"""How long a ``response_url`` answers: past it, an expired run has no one left to tell."""
SAY_EXPIRED_S = 10.0
SLACK_RESPONSE_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")
"""Where Slack's ``response_url``s point (commercial and GovSlack); https only."""


class SlackFront:
    def __init__(
        self,
        service: QueryService,
        *,
        verifier: SignatureVerifier,
        seen: SeenSignatures,
        bolt: Callable[[], SlackRequestHandler],
        writer: SlackPoster | None = None,
        forget: Callable[[], None] = lambda: None,
        response_origins: tuple[str, ...] = (),
    ) -> None:
        """``bolt``: Bolt's Lambda handler over the one app (built by ``build_front``). ``writer``: the one writer
        (an expired run's notice). ``response_origins``: more ``scheme://host[:port]`` a ``response_url`` may
        point to besides Slack's own hosts (the embedded stack's local Slack)."""
        if writer is None:
            raise TypeError("SlackFront needs the one writer: build it with bot.slack.edge.front.build_front")
        self.service = service
        self._verifier = verifier
        self._seen = seen
        self._bolt_factory = bolt
        self._bolt: SlackRequestHandler | None = None
        self._writer = writer
        self.forget_secrets = forget
        """Read the Slack secret again on next use (after a SnapStart restore)."""
        self._response_origins = response_origins

    @property
    def bolt(self) -> SlackRequestHandler:
        """Bolt's Lambda handler over the one app (``.app``)."""
        if self._bolt is None:
            self._bolt = self._bolt_factory()
        return self._bolt

    def handle(self, event: Mapping[str, object], context: LambdaContext) -> dict[str, object]:
        if RUN_KEY in event:
            return self.run(mapping(event[RUN_KEY]), context)  # not a mapping: no signature, refused
        event = _without_bolt_headers(event)  # from HTTP, Bolt's lazy markers are forged: the work would run here
        raw = str(event.get("body") or "")
        if len(raw) > MAX_BODY_BYTES * (4 / 3 if event.get("isBase64Encoded") else 1):
            return _answer(413, "request body too large")
        body = _decoded(raw, bool(event.get("isBase64Encoded")))
        headers = {str(k).lower(): str(v) for k, v in mapping(event.get("headers")).items()}
        if not self._signed(
            body, headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
        ):
            return _answer(401, "invalid request")
        return dict(self.bolt.handle(event, context))

    def run(self, run: Mapping[str, object], context: LambdaContext | None = None) -> dict[str, object]:
        """Lazy work sealed by ``SealedRuns``, with Slack's signed request. Refused, with nothing run and nothing
        posted, when the request is not Slack's (its signature), older than Slack's five minutes, or — a command —
        seen before (a replay; Lambda's retry of this invocation keeps its request id and goes on), no longer
        allowed for its user and channel, or answering to a ``response_url`` that is not Slack's. A failure of
        the work is raised again, so that Lambda retries the run."""
        body, timestamp = str(run.get("body") or ""), str(run.get("timestamp") or "")
        signature = str(run.get("signature") or "")
        if not self._signed_at_any_age(body, timestamp, signature):
            return _refused("unsigned", "unsigned")
        fields = {key: values[0] for key, values in parse_qs(body).items()}
        command = bool(fields.get("command"))
        what = invocation_from(fields).line if command else _action_of(fields)
        waited = time.time() - int(timestamp)
        if abs(waited) > EXPIRED_S:
            self._say_expired(fields, waited, command=command)
            return {**_refused("expired", what), "expired": round(waited)}
        if command:
            refused = self._command_refusal(fields, signature, str(getattr(context, "aws_request_id", "") or ""))
            if refused is not None:
                return _refused(refused, what)
        status = self._dispatch(body, timestamp, signature, context)
        if status != 200:
            return _refused(f"the Slack app answered {status}", what)
        return {"ran": what}

    def _command_refusal(self, fields: dict[str, str], signature: str, request_id: str) -> str | None:
        if not self._seen.first_time(signature, holder=request_id):
            return "replayed"
        if not self.service.acknowledge(invocation_from(fields)).runs:
            return "not allowed, or no query to run"  # the allowlists, checked again where the work starts
        if not self._slack_url(fields.get("response_url", "")):
            return "response_url outside Slack"
        return None

    def _dispatch(self, body: str, timestamp: str, signature: str, context: LambdaContext | None) -> int:
        """The run into the one app, as Bolt's lazy-only request for the route's ``WORK``."""
        from slack_bolt.request import BoltRequest

        request = BoltRequest(
            body=body,
            headers={"content-type": FORM, "x-slack-request-timestamp": timestamp, "x-slack-signature": signature},
            context={DEADLINE: Deadline.from_lambda_context(context)},
        )
        request.lazy_only = True
        request.lazy_function_name = WORK
        response = self.bolt.app.dispatch(request)
        failure = request.context.get(FAILURE)
        if isinstance(failure, Exception):
            raise failure
        return int(response.status)

    def _say_expired(self, fields: dict[str, str], waited: float, *, command: bool) -> None:
        """Work that waited past Slack's five minutes (Lambda busy, or retrying it) runs nothing: the one who asked
        hears so (ephemeral, through the request's own ``response_url``) while that still answers."""
        if not 0 < waited <= RESPONSE_URL_S:
            return
        try:
            url = fields.get("response_url", "") if command else _payload(fields).get("response_url", "")
            if not self._slack_url(str(url or "")):
                return
            minutes = max(1, round(waited / 60))
            what, again = ("command", "run it again") if command else ("button", "press it again")
            text = (
                f"⌛ This {what} waited {minutes} min for Lookout (Lambda was busy or retrying) and expired "
                f"before anything ran: {again}."
            )
            deadline = Deadline.after(SAY_EXPIRED_S)
            self._writer.respond(str(url), render_note(text), deadline, response_type="ephemeral")
        except Exception:  # noqa: BLE001 - saying so is a courtesy; the request itself is void either way
            _LOG.exception("could not say that a request's work expired")

    def _slack_url(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname in SLACK_RESPONSE_HOSTS and parts.port is None:
            return True
        return f"{parts.scheme}://{parts.netloc}" in self._response_origins

    def _signed_at_any_age(self, body: str, timestamp: str, signature: str) -> bool:
        """Slack's signature over ``body`` (``slack_sdk``'s own computation), whatever the timestamp's age: the run
        judges the age itself, to say what expired."""
        try:
            int(timestamp)
        except ValueError:
            return False
        expected = self._verifier.generate_signature(timestamp=timestamp, body=body) or ""
        return bool(signature) and hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))

    def _signed(self, body: str, timestamp: str, signature: str) -> bool:
        if not timestamp or not signature:
            return False
        try:
            return bool(self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature))
        except (TypeError, ValueError):  # a non-ASCII signature or a timestamp that is not a number
            return False


class SealedRuns(LazyListenerRunner):
    """How the one app starts lazy work in Lambda (Bolt's ``LazyListenerRunner``): an asynchronous ``Invoke`` of
    this function carrying Slack's signed request in Lookout's own event, which the front door opens (``run``).
    Work the ack found nothing for is not started."""

    def __init__(self, client: LambdaClient, logger: logging.Logger | None = None) -> None:
        self._client = client
        self.logger = logger or _LOG

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        if request.context.get(NO_WORK):
            return
        if getattr(function, "__name__", "") != WORK:
            raise ValueError(
                f"a lazy listener must be named {WORK!r} (bot.slack.edge.app.as_work): a run names none"
            )
        run = {
            "body": request.raw_body,
            "timestamp": _first(request.headers.get("x-slack-request-timestamp")),
            "signature": _first(request.headers.get("x-slack-signature")),
        }
        self._client.invoke(
            FunctionName=request.context["aws_lambda_invoked_function_arn"],
            InvocationType="Event",
            Payload=json.dumps({RUN_KEY: run}).encode(),
        )


def build_front(
    service: QueryService,
    *,
    signing_secret: str,
    writer: SlackPoster,
    lambda_client: LambdaClient,
    actions: IncidentActions | None = None,
    seen: SeenSignatures | None = None,
    forget: Callable[[], None] = lambda: None,
    response_origins: tuple[str, ...] = (),
) -> SlackFront:
    """The Slack function: the one app (commands and buttons) behind the front door, its lazy work sealed and
    invoked through ``lambda_client``, every answer sent by ``writer``."""
    from slack_bolt.adapter.aws_lambda import SlackRequestHandler
    from slack_sdk.signature import SignatureVerifier

    if seen is None:
        seen = SeenSignatures()
    app = build_app(
        service,
        signing_secret=signing_secret,
        writer=writer,
        actions=actions,
        seen=seen,
        commands_seen_at_run=True,
    )
    handler = SlackRequestHandler(app)
    app.listener_runner.lazy_listener_runner = SealedRuns(lambda_client, handler.logger)
    return SlackFront(
        service,
        verifier=SignatureVerifier(signing_secret),
        seen=seen,
        bolt=lambda: handler,
        writer=writer,
        forget=forget,
        response_origins=response_origins,
    )


def response_origins_for(api_url: str) -> tuple[str, ...]:
    """The origin of a Slack Web API that is not Slack's (the embedded stack's): its ``response_url``s too."""
    parts = urlsplit(api_url)
    if (parts.hostname or "").endswith("slack.com"):
        return ()
    return (f"{parts.scheme}://{parts.netloc}",)


def _payload(fields: dict[str, str]) -> dict[str, object]:
    try:
        payload = json.loads(fields.get("payload") or "{}")
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _action_of(fields: dict[str, str]) -> str:
    actions = _payload(fields).get("actions") or [{}]
    first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    return str(first.get("action_id") or "interaction")


def _refused(why: str, what: str) -> dict[str, object]:
    _LOG.warning("run refused (%s): %s", why, what or "unsigned")
    return {"refused": why}


def _first(values: Sequence[str] | None) -> str:
    return str(values[0]) if values else ""


def _without_bolt_headers(event: Mapping[str, object]) -> Mapping[str, object]:
    headers = mapping(event.get("headers"))
    kept = {k: v for k, v in headers.items() if not str(k).lower().startswith(BOLT_HEADER_PREFIX)}
    return event if len(kept) == len(headers) else {**event, "headers": kept}


def _decoded(raw: str, base64_encoded: bool) -> str:
    if base64_encoded:
        return base64.b64decode(raw).decode("utf-8", "replace")
    return str(raw)


def _answer(status: int, text: str) -> dict[str, object]:
    return {"statusCode": status, "body": text, "headers": TEXT_HEADERS}
