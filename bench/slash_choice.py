"""Why the Slack function has a front door for commands: a cold ``/errors`` ack through the front door
(``handlers.slack``) against the same ack through plain Bolt (``SlackRequestHandler`` with
``process_before_response=True`` and a lazy listener started through the same injected Lambda client), in
fresh processes of one run, as estimated Lambda latency at the template's memory."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cold_slash import ACK, slash_env  # noqa: E402
from bench.common import RUNS, child, estimated_latency_s, median, memory_of, published  # noqa: E402
from local.stack import EmbeddedStack, environment  # noqa: E402

PLAIN_BOLT = ACK.replace(
    "import handlers.slack as handler",
    """
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner
from bot.aws import Clients
from bot.config import Settings
from bot.observability import Telemetry
from bot.wiring import SLACK_SERVICES, build_slack_app, slack_parts
settings = Settings.from_env()
telemetry = Telemetry(settings)
clients = Clients(settings.region).warm(SLACK_SERVICES)
bolt = SlackRequestHandler(build_slack_app(slack_parts(settings, telemetry, clients), settings))
runner = LambdaLazyListenerRunner(bolt.logger, lambda_client=clients("lambda"))
bolt.app.listener_runner.lazy_listener_runner = runner
class handler:
    lambda_handler = staticmethod(telemetry.wrap_handler(bolt.handle))
""",
)


def main() -> None:
    with EmbeddedStack() as stack, environment(stack.env()):
        base = slash_env(stack)
        front, bolt = [], []
        for run in range(RUNS + 1):
            a, b = child(ACK, base), child(PLAIN_BOLT, base)
            if run:
                front.append(a.cpu_s)
                bolt.append(b.cpu_s)
    memory = memory_of("SlackFunction")
    print(f"cold /errors ack: front door vs plain Bolt, median of {RUNS} fresh processes each, at {memory} MB")
    for name, cpu in (("front door", median(front)), ("plain Bolt", median(bolt))):
        print(f"  {name:<11} CPU {cpu * 1000:6.1f} ms   estimated {estimated_latency_s(cpu, memory):5.2f} s")


if __name__ == "__main__":
    with published(__file__):
        main()
