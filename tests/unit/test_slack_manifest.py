"""The Slack app manifests: the Socket Mode one is the deployed app without URLs, and the deployed one declares
every command the app listens to."""

from __future__ import annotations

import json
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def test_the_socket_mode_manifest_is_the_same_app_without_urls() -> None:
    import yaml

    folder = TEMPLATE.parent / "infra"
    deployed = yaml.safe_load((folder / "slack-app-manifest.yaml").read_text())
    dev = yaml.safe_load((folder / "slack-app-manifest.dev.yaml").read_text())
    assert dev["settings"]["socket_mode_enabled"] is True and dev["settings"]["interactivity"]["is_enabled"]
    assert "REQUEST_URL" not in json.dumps(dev)
    assert [c["command"] for c in dev["features"]["slash_commands"]] == [
        c["command"] for c in deployed["features"]["slash_commands"]
    ]
    assert dev["oauth_config"] == deployed["oauth_config"]


def test_slack_manifest_declares_every_command_the_app_listens_to() -> None:
    import yaml

    from bot.slack.edge.app import COMMANDS

    manifest = yaml.safe_load((TEMPLATE.parent / "infra" / "slack-app-manifest.yaml").read_text())
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == set(COMMANDS)
    assert {"commands", "chat:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])
