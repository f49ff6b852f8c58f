"""The Slack function's front door: slash commands are acknowledged here; everything else goes to Bolt.

Why not Bolt for a command's ``ack()``: its Lambda adapter imports boto3 and builds a botocore Lambda client
to start the lazy listener, and Bolt with slack_sdk costs ~110 ms more — a cold ``/errors`` took ~430 ms of CPU
before Slack got its answer (Slack gives up after 3 s). The ack needs four things, done here with no Bolt,
slack_sdk or botocore: Slack's signature check (``slack_sdk.signature`` would import the whole slack_sdk
package; ``tests/unit/test_slack_front.py`` checks ours against it), the replay memory, the service's
``acknowledge``, and an asynchronous invoke of this function with the very event Bolt's Lambda adapter sends
for a lazy listener — so that Bolt runs the query (``run``) as it always did. Buttons, lazy re-invocations and
anything unexpected go through Bolt, which checks signatures and replays itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.queries.service import QueryService
    from bot.slack.replays import SeenSignatures

LAZY_RUN = "run"
"""The name of the lazy listener that runs a command's query (``bot.slack.app.build_app``)."""
MAX_AGE_S = 5 * 60
JSON_HEADERS = {"content-type": "application/json;charset=utf-8"}


def valid_signature(secret: str, body: str, timestamp: str, signature: str, now: float) -> bool:
    """Slack's v0 request signature, as ``slack_sdk.signature.SignatureVerifier.is_valid`` checks it."""
    if not timestamp or not signature:
        return False
    try:
        if abs(now - int(timestamp)) > MAX_AGE_S:
            return False
    except ValueError:
        return False
    expected = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={expected}", signature)


class SlashFront:
    def __init__(
        self,
        service: QueryService,
        *,
        signing_secret: str,
        seen: SeenSignatures,
        bolt: Callable[[], Any],
        lambda_client: Callable[[], Any],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self._secret = signing_secret
        self._seen = seen
        self._bolt_factory = bolt
        self._bolt: Any = None
        self._lambda = lambda_client
        self._clock = clock

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The Function URL / API Gateway answer to one event."""
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        body = _body(event)
        form = parse_qs(body) if _is_command(event, headers) else {}
        if not form.get("command") or "payload" in form:
            return self.bolt.handle(event, context)
        signature = headers.get("x-slack-signature", "")
        stamp = headers.get("x-slack-request-timestamp", "")
        if not valid_signature(self._secret, body, stamp, signature, self._clock()):
            return {"statusCode": 401, "body": json.dumps({"error": "invalid request"}), "headers": JSON_HEADERS}
        if not self._seen.first_time(signature):
            return {"statusCode": 401, "body": "replayed request", "headers": {}}
        from bot.slack.app import blocks_of, invocation_from

        reply, run = self.service.acknowledge(invocation_from({k: v[0] for k, v in form.items()}))
        if run:
            self._start_lazy(event, context)
        answer = {"text": reply} if isinstance(reply, str) else {"text": reply.text, "blocks": blocks_of(reply)}
        return {"statusCode": 200, "body": json.dumps(answer, ensure_ascii=False), "headers": JSON_HEADERS}

    @property
    def bolt(self) -> Any:
        """Bolt's Lambda handler, built on first need (a button, a lazy re-invocation)."""
        if self._bolt is None:
            self._bolt = self._bolt_factory()
        return self._bolt

    def _start_lazy(self, event: dict[str, Any], context: Any) -> None:
        """What Bolt's ``LambdaLazyListenerRunner.start`` sends: the request again, marked lazy-only."""
        lazy = {**event, "headers": {**(event.get("headers") or {})}, "method": "NONE"}
        lazy["headers"]["x-slack-bolt-lazy-only"] = "1"
        lazy["headers"]["x-slack-bolt-lazy-function-name"] = LAZY_RUN
        self._lambda().invoke(
            FunctionName=context.invoked_function_arn, InvocationType="Event", Payload=json.dumps(lazy).encode()
        )


def _body(event: dict[str, Any]) -> str:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body).decode("utf-8", "replace")
    return str(body)


def _is_command(event: dict[str, Any], headers: dict[str, str]) -> bool:
    context = event.get("requestContext") or {}
    method = (context.get("http") or {}).get("method") or context.get("httpMethod")
    return (
        method == "POST"
        and "x-slack-bolt-lazy-only" not in headers
        and headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    )
