"""The one boto3 client factory: Lookout's timeouts and retry mode on every client, botocore's own endpoint
settings (``AWS_ENDPOINT_URL``), one client per service and region per container."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.aws import CONNECT_TIMEOUT_S, MAX_ATTEMPTS, READ_TIMEOUT_S, Clients

if TYPE_CHECKING:
    import pytest


def test_clients_carry_timeouts_and_standard_retries() -> None:
    config = Clients("us-east-1")("dynamodb").meta.config
    assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
    assert config.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}
    assert "lookout" in config.user_agent_extra


def test_one_client_per_service_and_region_built_at_warm_up() -> None:
    clients = Clients("eu-west-1").warm(["logs", "xray"])
    assert sorted(service for service, _ in clients._clients) == ["logs", "xray"]
    assert clients("logs") is clients("logs", "eu-west-1")
    assert clients("logs", "us-west-2") is not clients("logs")
    assert clients("logs", "us-west-2").meta.region_name == "us-west-2"
    clients.close()
    assert clients("logs") is clients("logs")  # closing drops pooled connections, not the clients


def test_the_endpoint_comes_from_botocore_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    assert Clients("us-east-1")("logs").meta.endpoint_url == "http://127.0.0.1:4566"
