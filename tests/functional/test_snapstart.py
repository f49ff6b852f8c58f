"""SnapStart: both handlers register after-restore hooks that reseed ``random``, drop pooled connections and
forget cached secrets — through the runtime's ``snapshot_restore_py``, here a stand-in module that records
them (the real one exists only in Lambda's python3.12+ runtime); each handler is imported in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_HOOKS = "hooks = []\ndef register_after_restore(fn, *args, **kwargs):\n    hooks.append(fn)\n"
PROBE = """
import json
import snapshot_restore_py
import {module} as handler
names = [getattr(h, "__qualname__", repr(h)) for h in snapshot_restore_py.hooks]
for hook in snapshot_restore_py.hooks:
    hook()
print(json.dumps(names))
"""


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("handlers.alarm", ["reseed", "Clients.close", "AlertService.forget_secrets"]),
        ("handlers.slack", ["reseed", "Clients.close", "SlackCredentials.forget"]),
    ],
)
def test_handlers_register_after_restore_hooks(tmp_path: Path, module: str, expected: list[str]) -> None:
    (tmp_path / "snapshot_restore_py.py").write_text(RUNTIME_HOOKS)
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "LOOKOUT_CONFIG": str(ROOT / "infra" / "lookout.yaml"),
        "LOOKOUT_QUERIES": str(ROOT / "infra" / "queries"),
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == expected
