"""Slash command cold start to the ack: a new process imports ``handlers.slack`` (its init: clients, secret,
configuration, front door) and answers one signed ``/errors`` request arriving as a Function URL event (the
self-invocation goes to the embedded stack, which accepts it). Reported as the estimated Lambda latency at the
template's memory (CPU to the response × 1769 / MemorySize); Slack gives up at 3 s. Median of fresh processes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RUNS, child, estimated_latency_s, median, memory_of, published, rss_line, verdict  # noqa: E402
from local.stack import EmbeddedStack, environment  # noqa: E402

ACK = """
import base64, hashlib, hmac, time
from urllib.parse import urlencode
import handlers.slack as handler
body = urlencode({"command": "/errors", "text": "orders-api 2h", "user_id": "U0BENCH", "channel_id": "C0BENCH",
                  "team_id": "T0", "trigger_id": "t", "response_url": "http://127.0.0.1:9/x"})
stamp = str(int(time.time()))
signature = "v0=" + hmac.new(b"bench-secret", f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
event = {"version": "2.0", "rawPath": "/", "rawQueryString": "", "isBase64Encoded": True,
         "body": base64.b64encode(body.encode()).decode(),
         "headers": {"content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": stamp,
                     "x-slack-signature": signature},
         "requestContext": {"http": {"method": "POST", "path": "/"}}}
class Context:
    function_name = "lookout-slack"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lookout-slack"
    def get_remaining_time_in_millis(self): return 30000
response = handler.lambda_handler(event, Context())
assert response["statusCode"] == 200 and "Running /errors" in response["body"], response
"""


def slash_env(stack: EmbeddedStack) -> dict[str, str]:
    """A Slack function's environment on the embedded stack, with the code's (= the template's) defaults."""
    stack.aws.sink_invocations = True  # the self-invocations are accepted, not run
    base = {
        **os.environ,
        **stack.env(),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-secret",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    base.pop("LOOKOUT_TRACING", None)
    return base


def main() -> None:
    with EmbeddedStack() as stack, environment(stack.env()):
        base = slash_env(stack)
        acked = []
        for run in range(RUNS + 1):
            sample = child(ACK, base)
            if run:
                acked.append(sample)
        inits = [child("import handlers.slack", base) for _ in range(RUNS)]  # the init phase alone
    memory = memory_of("SlackFunction")
    cpu = median([s.cpu_s for s in acked])
    rss = median([s.max_rss_mb for s in acked])
    latency = estimated_latency_s(cpu, memory)
    print(f"slash command cold start → ack response, median of {RUNS} fresh processes")
    wall = median([s.wall_s for s in acked])
    print(f"  CPU to the ack     {cpu * 1000:7.1f} ms   (wall here {wall * 1000:.0f} ms)")
    print(f"  estimated Lambda   {latency:5.2f} s at {memory} MB   target ≤ 1.00 s   {verdict(latency, 1.0)}")
    init = median([s.cpu_s for s in inits])
    after = estimated_latency_s(cpu - init, memory)
    print(f"  of which init      CPU {init * 1000:7.1f} ms   (SnapStart: restore + ~{after:.2f} s of handling)")
    print(rss_line(rss, memory))


if __name__ == "__main__":
    with published(__file__):
        main()
