"""The demo's error lines from two log groups: CloudWatch Logs subscription payloads (base64 gzip, as the
account-level subscription filter policy delivers them) into ``handlers/log_errors.py`` — one card per kind,
a burst of kinds grouped in a storm summary, thousands of lines counted, not posted."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from local.lambda_runtime import LambdaContext
from local.logs.subscription import lambda_event
from local.preview import reply_lines, to_terminal
from local.stack import environment

if TYPE_CHECKING:
    from local.stack import EmbeddedStack

CHANNEL = "#ops-errors"
KINDS = {
    "/aws/lambda/orders-api": [
        "ERROR PaymentError: payment provider returned 502 for order ord-{i}",
        "ERROR InventoryError: sku-{i} reservation timed out after {i} ms",
        "ERROR KeyError: 'shippingAddress' in order ord-{i}",
    ],
    "/aws/lambda/payments": [
        "ERROR ThrottlingException: Rate exceeded (request {i:08x})",
        "ERROR CardDeclined: card ending {i:04d} declined by issuer",
        "[ERROR] Runtime.ExitError: RequestId: 3f2b8c1e-1a2b-4c3d-8e9f-{i:012d} Error: Runtime exited",
    ],
}


def payload(group: str, lines: list[str], start_ms: int) -> dict[str, Any]:
    timed = [(start_ms + n * 10, message) for n, message in enumerate(lines)]
    return lambda_event(group, timed, stream="2026/11/26/[$LATEST]0f1e2d3c", filter_name="lookout-log-errors")


def forward_errors(stack: EmbeddedStack, step: Any) -> list[tuple[str, dict[str, Any]]]:
    settings = {
        "SLACK_CHANNEL": CHANNEL,
        "LOOKOUT_LOG_FILTER": '?ERROR ?Exception ?"Task timed out"',
        "LOOKOUT_ACCOUNT": "123456789012",
        "AWS_LAMBDA_FUNCTION_NAME": "lookout-log-errors",
    }
    with environment(settings):
        handler = importlib.import_module("handlers.log_errors")
        step("Error lines from any log group: subscription payloads from two groups → handlers/log_errors.py")
        start = int(datetime.now(UTC).timestamp() * 1000) - 60_000
        before = sum(len(stack.slack.calls(m)) for m in ("chat.postMessage", "chat.update"))
        lines = 0
        for group, kinds in KINDS.items():
            batch = [kind.format(i=i) for i in range(400) for kind in kinds]
            for offset in range(0, len(batch), 600):
                part = batch[offset : offset + 600]
                answer = handler.lambda_handler(payload(group, part, start + offset), LambdaContext())
                lines += len(part)
                print(
                    f"  {group}: {answer['lines']} lines, {answer['kinds']} kinds, {answer['announced']} announced"
                )
        calls = sum(len(stack.slack.calls(m)) for m in ("chat.postMessage", "chat.update")) - before
        posts = stack.slack.posts(CHANNEL)
        print(f"  {lines:,} error lines of 6 kinds → {len(posts)} messages in {CHANNEL}, {calls} Slack calls:")
        for message in posts:
            print(to_terminal(message, CHANNEL, bold=sys.stdout.isatty()))
            for line in reply_lines(stack.slack.replies(CHANNEL, message["ts"])):
                print(line)
    return [(CHANNEL, m) for m in posts]
