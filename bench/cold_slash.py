"""Slash command cold start to the ack, with realistic call latency: a new process imports
``handlers.slack`` as the template deploys it (its init: clients, the Slack secret read from Secrets
Manager, configuration, the front door) and answers one signed ``/errors`` request arriving as a Function URL
event; the self-invocation goes to the embedded stack, which accepts it. Every AWS and Slack call waits what
the real one takes (``bench/latency.py``). Beside it, in the same run, a minimal plain Bolt app doing the same
(the secret read with boto3, ``App(process_before_response=True)`` without the ``auth.test`` at init — Bolt
still makes it on the first request, as it does in production — a command listener that acks and a lazy
listener started through Bolt's Lambda runner), and ``import boto3`` with one client. Estimated Lambda
latency at the template's memory: the waits as measured, the CPU stretched by 1769 / MemorySize. Slack gives
up at 3 s. Median of fresh processes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RUNS, Sample, child, median, memory_of, published, rss_line, verdict  # noqa: E402
from bench.latency import describe_assumptions, timeline  # noqa: E402
from local.stack import EmbeddedStack, environment  # noqa: E402

REQUEST = """
import base64, hashlib, hmac, time
from urllib.parse import urlencode
body = urlencode({"command": "/errors", "text": "my-api 2h", "user_id": "U0BENCH", "channel_id": "C0BENCH",
                  "team_id": "T0", "trigger_id": str(time.time_ns()),  # a request of its own (replay memory)
                  "response_url": "http://127.0.0.1:9/x"})
stamp = str(int(time.time()))
signature = "v0=" + hmac.new(b"bench-secret", f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
event = {"version": "2.0", "rawPath": "/", "rawQueryString": "", "isBase64Encoded": True,
         "body": base64.b64encode(body.encode()).decode(),
         "headers": {"content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": stamp,
                     "x-slack-signature": signature},
         "requestContext": {"http": {"method": "POST", "path": "/"}}}
class Context:
    function_name = "lookout-slack"; memory_limit_in_mb = 1024; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lookout-slack"
    def get_remaining_time_in_millis(self): return 30000
"""
ACK = (
    """
import handlers.slack as handler
"""
    + REQUEST
    + """
response = handler.lambda_handler(event, Context())
assert response["statusCode"] == 200 and "Running /errors" in response["body"], response
"""
)
PLAIN_BOLT = (
    """
import json, os
import boto3
from slack_bolt import App
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_sdk import WebClient
secrets = boto3.client("secretsmanager")
secret = json.loads(secrets.get_secret_value(SecretId=os.environ["SLACK_TOKEN_SECRET_ARN"])["SecretString"])
client = WebClient(token=secret["bot_token"], base_url=os.environ["SLACK_API_URL"])
app = App(client=client, signing_secret=secret["signing_secret"], process_before_response=True,
          token_verification_enabled=False)
def ack_now(ack, command):
    ack(f"Running {command['command']}: {command['text']}…")
def run(command):
    pass
app.command("/errors")(ack=ack_now, lazy=[run])
handler = SlackRequestHandler(app)
"""
    + REQUEST
    + """
response = handler.handle(event, Context())
assert response["statusCode"] == 200 and "Running /errors" in response["body"], response
"""
)
IMPORT_BOTO3 = "import boto3\nboto3.client('secretsmanager')"


def slash_env(stack: EmbeddedStack) -> dict[str, str]:
    """A Slack function's environment on the embedded stack, as the template sets it: the Slack secret by ARN,
    the incidents table, the code's (= the template's) defaults."""
    import json

    import boto3

    stack.aws.sink_invocations = True  # the self-invocations are accepted, not run
    secret = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="bench/slack", SecretString=json.dumps({"bot_token": "xoxb-bench", "signing_secret": "bench-secret"})
    )
    boto3.client("dynamodb", region_name="us-east-1").create_table(  # the replay memory's table, as deployed
        TableName="lookout-incidents",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    base = {
        **os.environ,
        **stack.env(),
        "SLACK_TOKEN_SECRET_ARN": secret["ARN"],
        "INCIDENTS_TABLE": "lookout-incidents",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    for name in ("LOOKOUT_TRACING", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        base.pop(name, None)
    return base


def estimated(samples: list[Sample], memory: int) -> float:
    return median([s.estimated_s(memory) for s in samples])


def main() -> None:
    with EmbeddedStack() as stack, environment(stack.env()):
        base = slash_env(stack)
        ours: list[Sample] = []
        bolt: list[Sample] = []
        boto: list[Sample] = []
        for run in range(RUNS + 1):  # interleaved: the machine's state is the same for all three
            samples = (
                child(ACK, base, latency=True),
                child(PLAIN_BOLT, base, latency=True),
                child(IMPORT_BOTO3, base, latency=True),
            )
            if run:  # the first warms the file cache
                ours.append(samples[0])
                bolt.append(samples[1])
                boto.append(samples[2])
        inits = [child("import handlers.slack", base) for _ in range(RUNS)]  # the init phase alone
    memory = memory_of("SlackFunction")
    latency, plain, floor = estimated(ours, memory), estimated(bolt, memory), estimated(boto, memory)
    print(f"slash command cold start → ack, median of {RUNS} fresh processes, with call latency")
    print(describe_assumptions())
    print(f"  CPU to the ack     {median([s.cpu_s for s in ours]) * 1000:7.1f} ms")
    print(f"  estimated Lambda   {latency:5.2f} s at {memory} MB   target ≤ 0.80 s   {verdict(latency, 0.8)}")
    print(
        f"  plain Bolt app     {plain:5.2f} s   ratio {latency / plain:4.2f}×   target ≤ 1.10×   "
        f"{verdict(latency / plain, 1.1)}"
    )
    print(f"  import boto3 + one client + nothing else {floor:5.2f} s")
    init = median([s.cpu_s for s in inits])
    print(f"  of which init      CPU {init * 1000:7.1f} ms (what a SnapStart snapshot keeps)")
    print(rss_line(median([s.max_rss_mb for s in ours]), memory))
    typical = sorted(ours, key=lambda s: s.response_s)[len(ours) // 2]
    print("  call sequence of the median run (ms after process start):")
    for line in timeline(list(typical.calls), 0.0):
        print(line)


if __name__ == "__main__":
    with published(__file__):
        main()
