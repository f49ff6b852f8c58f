"""`lookout` when AWS cannot be reached — no credentials (botocore asks the instance metadata service on the
network), or an endpoint nobody listens on — and when its output pipe is closed (the CLI in a child process): one
line and exit code 2, or a quiet end; a traceback only when asked for."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from bot.cli import main
from tests.support.fixtures import EVENTS

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_SESSION_TOKEN": None},
            "no AWS credentials",
        ),
        # no region, but an endpoint: Lookout's default region applies, never a NoRegionError
        (
            {"AWS_DEFAULT_REGION": None, "AWS_REGION": None, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"},
            "cannot reach AWS",
        ),
        ({"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, "cannot reach AWS"),
    ],
)
def test_aws_failures_are_one_line_and_exit_2(
    env: dict[str, str | None], says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in env.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    code = main(["query", "trace", "key=abc"])
    err = capsys.readouterr().err
    assert (
        code == 2 and err.startswith(f"lookout: {says}") and "Traceback" not in err and len(err.splitlines()) == 1
    )


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import NoCredentialsError

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(NoCredentialsError):
        main(["--debug", "query", "trace", "key=abc"])


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    event = json.loads((EVENTS / "sns_multi_record.json").read_text())
    event["Records"] = event["Records"] * 100  # megabytes of output: far more than a pipe's buffer
    big = tmp_path / "many.json"
    big.write_text(json.dumps(event))
    reader = subprocess.Popen(  # noqa: S603 - our own CLI, our own fixture
        [sys.executable, "-m", "bot.cli", "render", str(big), "--offline"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None
    reader.stdout.read(10)
    reader.stdout.close()  # `| head -c 10`
    _, err = reader.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err
    assert reader.returncode == 1  # it did meet the closed pipe, and ended as Python's guide advises
