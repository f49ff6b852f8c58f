"""The Slack app's secret (bot token, signing secret) from Secrets Manager, cached per container.

Apart from ``bot.slack.post`` so that reading it loads no slack_sdk (the Slack function's cold ack needs none).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any


class SecretError(ValueError):
    """The secret holds no bot token."""


@dataclass(frozen=True)
class SlackSecret:
    bot_token: str
    signing_secret: str | None = None


_SECRETS: dict[str, tuple[float, str]] = {}


def read_slack_secret(secret_id: str, client: Any = None, max_age: int = 300) -> SlackSecret:
    """The bot token (and signing secret) from Secrets Manager, cached for ``max_age`` seconds per container.

    The secret is JSON (``{"bot_token": …, "signing_secret": …}``) or the bare bot token. Why not Powertools
    Parameters' ``SecretsProvider``: it imports boto3 (~140 ms of a cold start) for one call that the lean
    client makes without it; the cache it would add is these few lines.
    """
    cached = _SECRETS.get(secret_id)
    if cached and cached[0] > time.monotonic():
        value: Any = cached[1]
    else:
        if client is None:
            from bot import aws

            client = aws.client("secretsmanager")
        response = client.get_secret_value(SecretId=secret_id)
        value = response.get("SecretString") or response.get("SecretBinary") or ""
        value = value.decode() if isinstance(value, bytes) else str(value)
        _SECRETS[secret_id] = (time.monotonic() + max_age, value)
    text = str(value)
    if not text.lstrip().startswith("{"):
        return SlackSecret(bot_token=text.strip())
    data = json.loads(text)
    token = next((str(data[k]) for k in ("bot_token", "SLACK_BOT_TOKEN", "token") if data.get(k)), None)
    if token is None:
        raise SecretError(f"secret {secret_id} has no bot_token key")
    signing = next((str(data[k]) for k in ("signing_secret", "SLACK_SIGNING_SECRET") if data.get(k)), None)
    return SlackSecret(bot_token=token, signing_secret=signing)
