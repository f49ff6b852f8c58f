"""The Slack function's front door. It owns slash commands end to end; Bolt owns the rest (buttons).

For every HTTP request: a body-size cap (413), then Slack's signature (``slack_sdk.signature``) on the raw
body, **before** anything is parsed (401). A slash command is then acked with the query service's answer
(pure: no network) and — when its query runs — handed off by an asynchronous ``Invoke`` of this function
with Lookout's own event ``{"lookout_run": {...}}``; nothing else waits before the 200. Only a Lambda
``Invoke`` can produce that shape (a Function URL or API Gateway event always has its own fixed keys), but
anyone allowed to invoke the function could: so the run carries Slack's signed request itself (body,
timestamp, signature), not fields of ours. The run checks Slack's signature again (no one without the
signing secret can forge one; at most ``RUN_MAX_AGE_S`` old), asks the replay memory (a captured request
replayed, over HTTP or by a direct invoke, runs nothing), reads user, channel and command from the signed
body, checks the allowlists again, and answers only to a ``response_url`` on Slack's hosts — then the query
service runs it, its answers going to the channel (slack_sdk) or the command's ``response_url``.

Why not Bolt for commands too (``docs/performance.md``): lazy work can then never be started by an HTTP
request, and nothing is parsed before the signature holds — Bolt's Lambda adapter marks its lazy runs with
headers an HTTP request can carry too. (Cold, the front door is also ~20 ms of CPU cheaper; that is not the
reason.) Buttons (``payload=`` bodies) go to Bolt's public Lambda handler; its lazy runs come back sealed in
Lookout's own envelope (``SealedLazyRuns``), and Bolt's markers are stripped from every HTTP request, so a
captured request replayed with them meets the replay memory like any other.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from bot.queries.service import Ack
from bot.slack.blocks.lifecycle import render_note
from bot.slack.edge.answers import ChannelAnswer, ack_body, invocation_from, webhook_respond

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_sdk import WebClient
    from slack_sdk.signature import SignatureVerifier

    from bot.queries.service import QueryService
    from bot.slack.edge.seen_signatures import SeenSignatures

_LOG = logging.getLogger(__name__)
RUN_KEY = "lookout_run"
LAZY_KEY = "lookout_bolt_lazy"
BOLT_HEADER_PREFIX = "x-slack-bolt-"
MAX_BODY_BYTES = 128 * 1024
"""Slack's commands are a few hundred bytes and button payloads (which carry the message) tens of KB."""
JSON_HEADERS = {"content-type": "application/json;charset=utf-8"}
TEXT_HEADERS = {"content-type": "text/plain;charset=utf-8"}
EXPIRED_S = 5 * 60
"""Slack's window for a request's timestamp, which Bolt checks again when a lazy run starts."""
RUN_MAX_AGE_S = 30 * 60
"""How old a command's signed request may be when its query runs (Lambda may hold an async event back
while it retries): a ``response_url`` answers for 30 minutes, and the replay memory remembers longer."""
SLACK_RESPONSE_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")
"""Where Slack's ``response_url``s point (commercial and GovSlack); https only."""


class SlackFront:
    def __init__(
        self,
        service: QueryService,
        *,
        verifier: SignatureVerifier,
        seen: SeenSignatures,
        bolt: Callable[[], Any],
        lambda_client: Any,
        web_client: Callable[[], WebClient],
        renew_token: Callable[[], str] | None = None,
        forget: Callable[[], None] = lambda: None,
        response_origins: tuple[str, ...] = (),
    ) -> None:
        """``response_origins``: more ``scheme://host[:port]`` a ``response_url`` may point to besides Slack's
        own hosts (the embedded stack's local Slack)."""
        self.service = service
        self._verifier = verifier
        self._seen = seen
        self._bolt_factory = bolt
        self._bolt: Any = None
        self._lambda = lambda_client
        self._web = web_client
        self._renew_token = renew_token
        self.forget_secrets = forget
        """Read the Slack secret again on next use (after a SnapStart restore)."""
        self._response_origins = response_origins

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if RUN_KEY in event:
            return self.run(event[RUN_KEY], getattr(context, "aws_request_id", ""))
        if LAZY_KEY in event:  # Bolt's own lazy run, sealed by SealedLazyRuns: only Lambda can have sent it
            return self._expired(event[LAZY_KEY]) or self.bolt.handle(event[LAZY_KEY], context)
        event = _without_bolt_headers(event)  # from HTTP, Bolt's lazy markers are forged: a replay would run
        raw = event.get("body") or ""
        if len(raw) > MAX_BODY_BYTES * (4 / 3 if event.get("isBase64Encoded") else 1):
            return _answer(413, "request body too large")
        body = _decoded(raw, bool(event.get("isBase64Encoded")))
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        signature = headers.get("x-slack-signature", "")
        if not self._signed(body, headers.get("x-slack-request-timestamp", ""), signature):
            return _answer(401, "invalid request")
        form = (
            parse_qs(body)
            if headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
            else {}
        )
        if not form.get("command") or "payload" in form:
            return self.bolt.handle(event, context)
        fields = {key: values[0] for key, values in form.items()}
        invocation = invocation_from(fields)
        try:
            ack = self.service.acknowledge(invocation)
        except Exception:  # noqa: BLE001 - a bug must still answer Slack in words, never with a 5xx
            _LOG.exception("could not acknowledge %s", invocation.command)
            ack = Ack("⚠️ Lookout could not read that command; the details are in its logs.")
        if ack.runs:  # the replay memory is asked where the query starts (``run``), not before this answer
            run = {"body": body, "timestamp": headers["x-slack-request-timestamp"], "signature": signature}
            self._lambda.invoke(
                FunctionName=context.invoked_function_arn,
                InvocationType="Event",
                Payload=json.dumps({RUN_KEY: run}).encode(),
            )
        reply = ack_body(ack, self.service.config)
        return {"statusCode": 200, "body": json.dumps(reply, ensure_ascii=False), "headers": JSON_HEADERS}

    def run(self, run: dict[str, Any], request_id: str = "") -> dict[str, Any]:
        """A command's query, started by the ack's self-invocation with Slack's signed request. Refused, with
        nothing run and nothing posted, when the request is not Slack's (its signature), too old, seen before
        (a replay; Lambda's retry of this invocation keeps its request id and goes on), no longer allowed for
        its user and channel, or its ``response_url`` is not Slack's."""
        body, timestamp = str(run.get("body") or ""), str(run.get("timestamp") or "")
        signature = str(run.get("signature") or "")
        refused = self._refusal(body, timestamp, signature)
        if refused is None and not self._seen.first_time(signature, holder=request_id):
            refused = "replayed"
        fields = {key: values[0] for key, values in parse_qs(body).items()} if refused is None else {}
        invocation = invocation_from(fields)
        if refused is None and not self.service.acknowledge(invocation).runs:
            refused = "not allowed, or no query to run"  # the allowlists, checked again where the work starts
        if refused is None and not self._slack_url(fields.get("response_url", "")):
            refused = "response_url outside Slack"
        if refused is not None:
            _LOG.warning("command run refused (%s): %s", refused, invocation.line or "unsigned")
            return {"refused": refused}
        respond = webhook_respond(fields["response_url"])
        answer = ChannelAnswer(invocation, self._web(), respond, renew_token=self._renew_token)
        self.service.execute(invocation, answer)
        return {"ran": invocation.line}

    def _refusal(self, body: str, timestamp: str, signature: str) -> str | None:
        """Why a run's request is not one Slack signed within ``RUN_MAX_AGE_S``; None when it is."""
        try:
            age = time.time() - int(timestamp)
        except ValueError:
            return "unsigned"
        if not self._signed_at_any_age(body, timestamp, signature):
            return "unsigned"
        return "expired" if abs(age) > RUN_MAX_AGE_S else None

    def _slack_url(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname in SLACK_RESPONSE_HOSTS and parts.port is None:
            return True
        return f"{parts.scheme}://{parts.netloc}" in self._response_origins

    @property
    def bolt(self) -> Any:
        """Bolt's Lambda handler, built on first need (a button, a lazy re-invocation)."""
        if self._bolt is None:
            self._bolt = self._bolt_factory()
        return self._bolt

    def _expired(self, lazy: dict[str, Any]) -> dict[str, Any] | None:
        """A button's work that waited past Slack's five minutes (Lambda busy, or retrying it): Bolt would
        refuse its request in silence. The one who pressed it hears that it expired (ephemeral, through the
        click's own ``response_url``); nothing runs. None: not expired, Bolt runs it."""
        headers = {str(k).lower(): str(v) for k, v in (lazy.get("headers") or {}).items()}
        timestamp = headers.get("x-slack-request-timestamp", "")
        try:
            waited = time.time() - int(timestamp)
        except ValueError:
            return None  # Bolt refuses it: no timestamp, no click
        if waited <= EXPIRED_S:
            return None
        body = _decoded(lazy.get("body") or "", bool(lazy.get("isBase64Encoded")))
        if not self._signed_at_any_age(body, timestamp, headers.get("x-slack-signature", "")):
            return {"expired": "unsigned"}  # not Slack's: nothing to say, and no one to say it to
        try:
            payload = json.loads((parse_qs(body).get("payload") or ["{}"])[0])
            url = str(payload.get("response_url") or "")
            if self._slack_url(url):
                minutes = max(1, round(waited / 60))
                text = (
                    f"⌛ This button waited {minutes} min for Lookout (Lambda was busy or retrying) and expired "
                    "before anything ran: press it again."
                )
                webhook_respond(url, "ephemeral")(render_note(text))
        except Exception:  # noqa: BLE001 - saying so is a courtesy; the click itself is void either way
            _LOG.exception("could not say that a button's work expired")
        return {"expired": round(waited)}

    def _signed_at_any_age(self, body: str, timestamp: str, signature: str) -> bool:
        """Slack's signature over ``body`` (``slack_sdk``'s own computation), whatever the timestamp's age: for
        work handed on after the door's five-minute check, which judges the age itself."""
        expected = self._verifier.generate_signature(timestamp=timestamp, body=body) or ""
        return bool(signature) and hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))

    def _signed(self, body: str, timestamp: str, signature: str) -> bool:
        if not timestamp or not signature:
            return False
        try:
            return bool(self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature))
        except (TypeError, ValueError):  # a non-ASCII signature or a timestamp that is not a number
            return False


class SealedLazyRuns:
    """The Lambda client Bolt's ``LambdaLazyListenerRunner`` invokes through. Bolt's event travels inside
    ``{"lookout_bolt_lazy": ...}``, a shape only a Lambda ``Invoke`` can produce; the front door opens it for
    Bolt, and strips Bolt's markers from every HTTP request, so lazy work never starts from HTTP."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def invoke(self, **kwargs: Any) -> Any:
        sealed = {LAZY_KEY: json.loads(kwargs["Payload"])}
        return self._client.invoke(**{**kwargs, "Payload": json.dumps(sealed).encode()})


def _without_bolt_headers(event: dict[str, Any]) -> dict[str, Any]:
    headers = event.get("headers") or {}
    kept = {k: v for k, v in headers.items() if not str(k).lower().startswith(BOLT_HEADER_PREFIX)}
    return event if len(kept) == len(headers) else {**event, "headers": kept}


def _decoded(raw: str, base64_encoded: bool) -> str:
    if base64_encoded:
        return base64.b64decode(raw).decode("utf-8", "replace")
    return str(raw)


def _answer(status: int, text: str) -> dict[str, Any]:
    return {"statusCode": status, "body": text, "headers": TEXT_HEADERS}
