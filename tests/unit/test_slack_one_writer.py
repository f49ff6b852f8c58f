"""One Slack writer: ``bot.slack.transport.post`` is the only module of ``bot/`` and ``handlers/`` that builds a
Slack ``WebClient`` or ``WebhookClient``, and every call it makes carries the one retry policy — slack_sdk's own
handlers for 429, 5xx and connection errors, each bound to the caller's deadline."""

from __future__ import annotations

import ast
from pathlib import Path

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.delivery import Deadline
from bot.slack.transport.retry import WithinDeadline, policy

ROOT = Path(__file__).resolve().parents[2]
WRITER = ROOT / "bot" / "slack" / "transport" / "post.py"
CLIENTS = {"WebClient", "WebhookClient"}
LEFT_OVER: set[str] = set()
"""Modules allowed to build a Slack client besides the writer: none."""
REQUEST = HttpRequest(method="POST", url="https://slack.com/api/chat.postMessage", headers={})


def builds_a_client(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in CLIENTS:
                lines.append(node.lineno)
    return lines


def test_only_the_writer_builds_slack_clients() -> None:
    sources = sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "handlers").glob("*.py"))
    builders = {str(p.relative_to(ROOT)): lines for p in sources if (lines := builds_a_client(p))}
    assert sorted(set(builders) - LEFT_OVER) == [str(WRITER.relative_to(ROOT))], builders
    assert len(builders[str(WRITER.relative_to(ROOT))]) == 2  # one WebClient (per thread), one WebhookClient


def test_the_policy_is_slack_sdks_handlers_bound_to_the_deadline() -> None:
    handlers = policy(Deadline.after(30))
    assert all(isinstance(h, WithinDeadline) for h in handlers)
    assert [type(h.handler) for h in handlers if isinstance(h, WithinDeadline)] == [
        RateLimitErrorRetryHandler,
        ServerErrorRetryHandler,
        ConnectionErrorRetryHandler,
    ]


def test_a_wait_the_deadline_cannot_hold_is_not_retried() -> None:
    # GIVEN Slack asks for 20 s; WHEN 30 s are left, the retry is made; with 10 s left, it is not
    limited = HttpResponse(status_code=429, headers={"Retry-After": ["20"]})
    roomy, tight = policy(Deadline.after(30))[0], policy(Deadline.after(10))[0]
    assert roomy.can_retry(state=RetryState(), request=REQUEST, response=limited)
    assert not tight.can_retry(state=RetryState(), request=REQUEST, response=limited)


def test_a_timeout_after_sending_is_left_to_the_caller_when_a_post_must_not_land_twice() -> None:
    retrying, careful = policy(Deadline.after(30))[2], policy(Deadline.after(30), ambiguous=True)[2]
    assert retrying.can_retry(state=RetryState(), request=REQUEST, error=TimeoutError("read timed out"))
    assert not careful.can_retry(state=RetryState(), request=REQUEST, error=TimeoutError("read timed out"))
