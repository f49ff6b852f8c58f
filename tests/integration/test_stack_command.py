"""``python -m local.stack``: the embedded stack on its own, reachable with nothing but the environment it
prints — as a user's shell, the AWS CLI or a notebook would reach it."""

from __future__ import annotations

import subprocess
import sys

import boto3


def test_the_stack_command_prints_an_environment_that_reaches_the_seeded_stack() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack", "--for", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        env: dict[str, str] = {}
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                env[key] = value
            if line.startswith("# ready"):
                break
        assert {"AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "SLACK_API_URL", "SLACK_TOKEN_SECRET_ARN"} <= env.keys()
        session = boto3.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_DEFAULT_REGION"],
        )
        glue = session.client("glue", endpoint_url=env["AWS_ENDPOINT_URL"])
        tables = {t["Name"] for t in glue.get_tables(DatabaseName="lookout")["TableList"]}
        assert "access_events" in tables
        logs = session.client("logs", endpoint_url=env["AWS_ENDPOINT_URL"])
        groups = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
        assert "/aws/lambda/orders-api" in groups
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0  # SIGTERM stops it cleanly
