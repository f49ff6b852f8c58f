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
