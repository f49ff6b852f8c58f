"""The composition root's wiring: the alert lifecycle is built only when an incidents table is configured and
Lookout is not offline."""

from __future__ import annotations


def test_the_lifecycle_is_wired_when_a_table_is_configured() -> None:
    from bot.aws import Clients
    from bot.config import Settings
    from bot.observability import Telemetry
    from bot.wiring import build_alert_service

    settings = Settings(incidents_table="lookout-incidents", slack_bot_token="xoxb-x")
    clients = Clients("us-east-1")
    assert build_alert_service(settings, Telemetry.for_cli(settings), clients).lifecycle is not None
    assert build_alert_service(Settings(), Telemetry.for_cli(settings), clients).lifecycle is None
    assert build_alert_service(settings, Telemetry.for_cli(settings), clients, offline=True).lifecycle is None
