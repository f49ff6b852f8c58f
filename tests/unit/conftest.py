"""Unit tests are pure: a test that starts a process or opens a connection fails at once, naming the rule (such a
test belongs in ``tests/functional``, ``tests/integration`` or ``tests/standins``)."""

from __future__ import annotations

import socket
import subprocess
from typing import Any

import pytest

RULE = "unit tests start no process and open no connection: move this test to tests/functional"


@pytest.fixture(autouse=True)
def _pure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(self: Any, args: Any, *more: Any, **options: Any) -> None:
        raise AssertionError(f"{RULE} (it started {args!r})")

    def no_connection(self: Any, address: Any) -> None:
        raise AssertionError(f"{RULE} (it connected to {address!r})")

    monkeypatch.setattr(subprocess.Popen, "__init__", no_process)
    monkeypatch.setattr(socket.socket, "connect", no_connection)
    monkeypatch.setattr(socket.socket, "connect_ex", no_connection)
