"""The composition root's wiring: the alert lifecycle is built only when an incidents table is configured,
Lookout is not offline and incidents are tracked; a given poster carries the alerts; checks record their
standings only when asked to and there is a table."""

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
    assert (
        build_alert_service(settings, Telemetry.for_cli(settings), clients, track_incidents=False).lifecycle
        is None
    )


def test_a_given_poster_carries_the_alerts() -> None:
    from bot.aws import Clients
    from bot.cli.recording import RecordingPoster
    from bot.config import Settings
    from bot.delivery import Deadline
    from bot.observability import Telemetry
    from bot.wiring import build_alert_service
    from tests.support.fixtures import load_event

    # GIVEN a table and a token: the production service would track the incident and post to Slack
    settings = Settings(incidents_table="lookout-incidents", slack_bot_token="xoxb-x", slack_channel="#alerts")
    poster = RecordingPoster()
    service = build_alert_service(
        settings, Telemetry.for_cli(settings), Clients("us-east-1"), offline=True, poster=poster
    )
    # WHEN an alarm comes in
    service.handle(load_event("sns_alarm_metric_math.json"), Deadline.after(10))
    # THEN it went to the given poster, once
    assert [c["method"] for c in poster.calls] == ["chat.postMessage"]


def test_the_check_runner_records_standings_only_when_asked_and_there_is_a_table() -> None:
    from bot.aws import Clients
    from bot.config import Settings
    from bot.observability import Telemetry
    from bot.wiring import build_check_runner

    settings = Settings(incidents_table="lookout-incidents", account="111122223333")
    clients = Clients("us-east-1")
    telemetry = Telemetry.for_cli(settings)
    assert build_check_runner(settings, telemetry, clients).store is not None
    assert build_check_runner(settings, telemetry, clients, record=False).store is None
    assert build_check_runner(Settings(), telemetry, clients).store is None
    assert build_check_runner(Settings(), telemetry, clients).account == "unknown"
