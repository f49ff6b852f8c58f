"""The cold paths stay lean: a new process that handles one alarm (enrichment, lifecycle, post) against the
embedded stack never imports boto3, and one that acknowledges a slash command imports neither boto3, Bolt nor
slack_sdk. (How fast that is, is ``make bench``'s business; this guards what it depends on.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bench.cold_alarm import HANDLE
from bench.cold_slash import ACK
from local.demo import alarm_reason
from local.firing import fire
from local.scenario import ALARM, INCIDENTS_TABLE, seed
from local.stack import EmbeddedStack, environment

ROOT = Path(__file__).resolve().parents[2]
LOADED = "\nimport sys\nprint(sorted(m for m in ('boto3', 'slack_bolt', 'slack_sdk') if m in sys.modules))"


def run(code: str, env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + LOADED], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))  # type: ignore[no-any-return]


def test_cold_alarm_and_cold_ack_load_only_what_they_need(tmp_path: Path) -> None:
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        event = fire(incident, ALARM, "ALARM", alarm_reason(incident), at=incident.now - timedelta(minutes=8))
        (tmp_path / "event.json").write_text(json.dumps(event))
        base = {**os.environ, **stack.env(), "LOOKOUT_TRACING": "false", "POWERTOOLS_METRICS_DISABLED": "true"}
        alarm = {
            **base,
            "SLACK_TOKEN_SECRET_ARN": incident.secret_arn,
            "SLACK_CHANNEL": "#lean",
            "INCIDENTS_TABLE": INCIDENTS_TABLE,
            "BENCH_EVENT": str(tmp_path / "event.json"),
        }
        assert run(HANDLE, alarm) == ["slack_sdk"]  # the message is built with slack_sdk's Block Kit models
        assert stack.slack.posts("#lean"), "the alarm was posted"
        stack.aws.sink_invocations = True
        slash = {**base, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "bench-secret"}
        assert run(ACK, slash) == []
        assert ("lambda", "Invoke") in stack.aws.calls  # the query was started for Bolt to run
