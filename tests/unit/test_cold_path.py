"""Cold-start hygiene: importing the alarm handler creates no AWS client and, with tracing off, no X-Ray SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys, json; import handlers.alarm as h; "
    "from bot import aws; "
    "print(json.dumps({'xray': 'aws_xray_sdk' in sys.modules, 'bolt': 'slack_bolt' in sys.modules, "
    "'clients': len(aws._CLIENTS)}))"
)


def probe(**env: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_tracing_off_never_imports_the_xray_sdk() -> None:
    assert probe(LOOKOUT_TRACING="false") == {"xray": False, "bolt": False, "clients": 0}


TRACED = """
from concurrent.futures import ThreadPoolExecutor
from bot.config import Settings
from bot.observability import Telemetry
t = Telemetry(Settings(tracing=True))
with t.span("## slack"):
    pass
with ThreadPoolExecutor(1) as pool:
    result = pool.submit(t.in_thread("## xray", lambda x: x * 2), 21).result()
import sys
print(result, "aws_xray_sdk" in sys.modules)
"""


def test_tracing_on_wraps_work_without_changing_results() -> None:
    out = subprocess.run(
        [sys.executable, "-c", TRACED], cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == ["42", "True"]


def test_the_lifecycle_is_wired_when_a_table_is_configured() -> None:
    from bot.alerting import build_alert_service
    from bot.config import Settings
    from bot.observability import Telemetry

    settings = Settings(incidents_table="lookout-incidents", slack_bot_token="xoxb-x")
    assert build_alert_service(settings, Telemetry.for_cli(settings)).lifecycle is not None
    assert build_alert_service(Settings(), Telemetry.for_cli(settings)).lifecycle is None
    assert build_alert_service(settings, Telemetry.for_cli(settings), offline=True).lifecycle is None


LEAN_TRACED = """
import json, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Answer(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
threading.Thread(target=server.serve_forever, daemon=True).start()
import os
os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{server.server_port}"
from aws_xray_sdk.core import xray_recorder
from bot import aws
from bot.config import Settings
from bot.observability import Telemetry
t = Telemetry(Settings(tracing=True))
aws.configure(lean=True, span=t.aws_span)
segment = xray_recorder.begin_segment("lookout-test")
aws.client("dynamodb", "eu-west-1").get_item(TableName="t", Key={})
sub = segment.subsegments[0]
print(json.dumps([sub.name, sub.namespace, sub.aws["operation"], sub.aws["region"]]))
"""


def test_lean_clients_calls_are_traced_when_tracing_is_on() -> None:
    env = {k: v for k, v in os.environ.items() if k != "POWERTOOLS_TRACE_DISABLED"}
    out = subprocess.run(
        [sys.executable, "-c", LEAN_TRACED],
        cwd=ROOT,
        env={**env, "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "AWS_XRAY_SDK_ENABLED": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["dynamodb", "aws", "GetItem", "eu-west-1"]
