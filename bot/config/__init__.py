"""Lookout's configuration: the environment (``bot.config.settings.Settings``, read once at the edge) and the
configuration files (``bot.config.model``: ``infra/lookout.yaml`` and ``infra/checks.yaml``), each validated
when read, with errors (``ConfigError``) that name the variable, or the file and the field."""

from __future__ import annotations

from bot.config.errors import ConfigError
from bot.config.settings import Settings

__all__ = ["ConfigError", "Settings"]
