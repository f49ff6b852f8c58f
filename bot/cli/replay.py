"""``lookout replay [--queue-url URL] [--max N]``: re-drive what the on-failure queue holds (``bot.redrive``)
once Slack is back — each record back into the function it came from, waiting for its answer; raw alarm events
through the alarm handler's own alert service. Prints what was replayed, failed and left; exit 1 if any failed.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

from bot.aws import Clients
from bot.config import Settings
from bot.observability import Telemetry
from bot.redrive import redrive
from bot.text import excerpt, redact

if TYPE_CHECKING:
    import argparse

    from mypy_boto3_lambda.type_defs import InvocationResponseTypeDef

ERROR_CHARS = 300
"""Of a failed function's answer in ``lookout replay``'s report (redacted, then cut)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    again = commands.add_parser("replay", help="re-drive alerts from the on-failure queue once Slack is back")
    again.add_argument(
        "--queue-url", default=os.environ.get("ON_FAILURE_QUEUE_URL"), help="default: $ON_FAILURE_QUEUE_URL"
    )
    again.add_argument("--max", type=int, default=1000, help="at most this many messages")
    again.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.queue_url:
        print("lookout replay: give --queue-url (a failure queue's URL from the stack's outputs)", file=sys.stderr)
        return 2
    from bot.wiring import build_alert_service  # when the command runs: see ``bot.cli``

    settings = Settings.from_env()
    clients = Clients(settings.region)
    service = build_alert_service(settings, Telemetry.for_cli(settings), clients)
    lambda_client = clients("lambda")

    def invoke(function: str, payload: dict[str, object]) -> None:
        """Back into the function the record came from, waiting for its answer."""
        answer = lambda_client.invoke(FunctionName=function, Payload=json.dumps(payload).encode())
        if answer.get("FunctionError"):
            raise RuntimeError(function_error(function, answer))

    report = redrive(service, args.queue_url, limit=args.max, sqs=clients("sqs"), invoke=invoke)
    print(
        f"replayed {report.replayed}, failed {report.failed} (left in the queue), unreadable {report.unreadable}"
        f", not this replay's {report.left} (left in the queue)"
    )
    for error in report.errors:
        print(f"  {redact(error)}", file=sys.stderr)
    return 0 if not report.failed and not report.unreadable else 1


def function_error(function: str, answer: InvocationResponseTypeDef) -> str:
    """What a function that failed a replayed record answered (its error and stack): redacted, then cut."""
    text = answer["Payload"].read().decode(errors="replace")
    return f"{function}: {excerpt(text, ERROR_CHARS)}"
