"""The Slack app's credentials (bot token, signing secret): from a Secrets Manager secret through Powertools
Parameters (``SecretsProvider``, cached five minutes), or from the settings for local runs.

``read(force=True)`` reads the secret again, past the cache: the poster does it when Slack answers
``invalid_auth`` or ``token_revoked``, so a rotated token reaches warm containers without a redeploy;
``forget()`` drops the cache after a SnapStart restore.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from mypy_boto3_secretsmanager import SecretsManagerClient

MAX_AGE_S = 300


class SecretError(ValueError):
    """The secret (or the settings) hold no bot token; the message says where to put it."""


@dataclass(frozen=True)
class SlackSecret:
    bot_token: str
    signing_secret: str | None = None


class SlackCredentials:
    def __init__(
        self,
        secret_id: str | None,
        *,
        secretsmanager: SecretsManagerClient | None = None,
        bot_token: str | None = None,
        signing_secret: str | None = None,
        max_age: int = MAX_AGE_S,
    ) -> None:
        self.secret_id = secret_id
        self._local = SlackSecret(bot_token or "", signing_secret)
        self.max_age = max_age
        self._provider: SecretsProvider | None = None
        if secret_id:
            from aws_lambda_powertools.utilities.parameters import SecretsProvider

            self._provider = SecretsProvider(boto3_client=secretsmanager)

    def read(self, *, force: bool = False) -> SlackSecret:
        """The secret's bot token (and signing secret); the settings' signing secret when the secret has none."""
        if self._provider is None:
            if not self._local.bot_token:
                raise SecretError("set SLACK_TOKEN_SECRET_ARN (or SLACK_BOT_TOKEN for local runs)")
            return self._local
        value = self._provider.get(str(self.secret_id), max_age=self.max_age, force_fetch=force)
        secret = parse_secret(str(self.secret_id), value.decode() if isinstance(value, bytes) else str(value))
        return SlackSecret(secret.bot_token, secret.signing_secret or self._local.signing_secret)

    def bot_token(self) -> str:
        return self.read().bot_token

    def fresh_bot_token(self) -> str:
        """The bot token read from the secret now (after Slack refused the cached one)."""
        return self.read(force=True).bot_token

    def forget(self) -> None:
        if self._provider is not None:
            self._provider.clear_cache()


def parse_secret(secret_id: str, text: str) -> SlackSecret:
    """JSON (``{"bot_token": …, "signing_secret": …}``) or the bare bot token."""
    if not text.lstrip().startswith("{"):
        return SlackSecret(bot_token=text.strip())
    data = json.loads(text)
    token = next((str(data[k]) for k in ("bot_token", "SLACK_BOT_TOKEN", "token") if data.get(k)), None)
    if token is None:
        raise SecretError(f"secret {secret_id} has no bot_token key")
    signing = next((str(data[k]) for k in ("signing_secret", "SLACK_SIGNING_SECRET") if data.get(k)), None)
    return SlackSecret(bot_token=token, signing_secret=signing)
