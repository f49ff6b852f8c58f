"""Slash handler cold start to the ``ack()`` response: a new process imports ``handlers.slack`` and answers one
signed ``/errors`` request arriving as a Function URL event (the lazy invoke goes to the embedded stack, which
accepts it); compared with a new process that only does ``import boto3``; median of several runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RUNS, child, median, verdict  # noqa: E402
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


def main() -> None:
    with EmbeddedStack() as stack, environment(stack.env()):
        stack.aws.sink_invocations = True
        base = {
            **os.environ,
            **stack.env(),
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench-secret",
            "LOOKOUT_TRACING": "false",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        acked, imported = [], []
        for run in range(RUNS + 1):
            sample, reference = child(ACK, base), child("import boto3", base)
            if run:
                acked.append(sample)
                imported.append(reference)
    cpu, ref = median([s.cpu_s for s in acked]), median([s.cpu_s for s in imported])
    print(f"slash handler cold start to the ack() response, median of {RUNS} fresh processes")
    print(
        f"  import + ack       CPU {cpu * 1000:7.1f} ms   wall {median([s.wall_s for s in acked]) * 1000:7.1f} ms"
    )
    print(f"  import boto3       CPU {ref * 1000:7.1f} ms")
    print(f"  ratio              {cpu / ref:5.2f}x   target ≤ 1.30x   {verdict(cpu / ref, 1.3)}")


if __name__ == "__main__":
    main()
