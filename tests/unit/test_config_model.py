"""One model for the configuration files and one for the environment (``bot.config``): every shipped and demo file
validates; a typo or a wrong type anywhere is an error that names the file and the field (or the variable), never
a setting silently ignored or capped."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.config.model import ChecksFile, LookoutFile, load_checks_file, load_lookout, read_yaml, validated

ROOT = Path(__file__).resolve().parents[2]
SERVICES = "services: {my-api: {log_groups: [/aws/lambda/my-api]}}\n"


@pytest.mark.parametrize("path", ["infra/lookout.yaml", "local/demo/config/lookout.yaml"])
def test_every_shipped_and_demo_configuration_validates(path: str) -> None:
    config = load_lookout(ROOT / path)
    assert config.services and config.digest is not None and config.digest.queries


def test_the_shipped_checks_and_the_documented_example_validate() -> None:
    from bot.checks import config as checks_config

    assert [c.name for c in load_checks_file(ROOT / "infra/checks.yaml").checks] == ["slack-status"]
    example = checks_config.__doc__.split("::", 1)[1].split("\n\n", 2)[1]  # the module's own example
    documented = validated(__import__("yaml").safe_load(example), ChecksFile, file="bot/checks/config.py")
    assert [c.name for c in documented.checks] == ["orders-api-health", "orders-api-xray"]


def test_a_key_with_no_value_is_as_if_absent(tmp_path: Path) -> None:
    # GIVEN every check commented out, and sections left empty
    config = validated(read_yaml_text(tmp_path, SERVICES + "access:\nanalytics:\n"), LookoutFile, file="f")
    assert config.access == {} and config.analytics.settings is None
    assert validated(read_yaml_text(tmp_path, "checks:\n  # - name: a\n"), ChecksFile, file="f").checks == []


def read_yaml_text(tmp_path: Path, text: str) -> object:
    path = tmp_path / "file.yaml"
    path.write_text(text)
    return read_yaml(path)


TYPOS = [
    # (the file's text, the field and what is said of it)
    (
        SERVICES + "defualt_service: my-api",
        "defualt_service: unknown key (expected one of: services, default_service",
    ),
    ("services: {my-api: {log_group: [/aws/lambda/my-api]}}", "services.my-api.log_group: unknown key"),
    (
        SERVICES + "window: {default: 1h, maximum: 7d}",
        "window.maximum: unknown key (expected one of: default, max)",
    ),
    (SERVICES + "traffic: {bakend: athena}", "traffic.bakend: unknown key"),
    (SERVICES + "traffic: {fields: {custommer: clientKey}}", "traffic.fields.custommer: unknown key"),
    (SERVICES + "athena: {work_group: lookout}", "athena.work_group: unknown key"),
    (SERVICES + "insights: {max_concurent: 4}", "insights.max_concurent: unknown key"),
    (SERVICES + "access: {/traffic: {user: [U012ABC]}}", "access./traffic.user: unknown key"),
    (SERVICES + "access: {/trafic: {users: [U012ABC]}}", "access./trafic: unknown key"),
    (SERVICES + "digest: {chanel: '#c', queries: [/traffic 7d]}", "digest.chanel: unknown key"),
    (SERVICES + "analytics: {access_event: {}}", "analytics.access_event: unknown key"),
    (SERVICES + "analytics: {access_events: {attribution: {fields: x}}}", "attribution.fields: unknown key"),
    (SERVICES + "analytics: {settings: {ignored: [a]}}", "analytics.settings.ignored: unknown key"),
    (
        SERVICES + "analytics: {configuration: {name: t, key: [k], columns: {a: {form: a}}}}",
        "analytics.configuration.columns.a.form: unknown key (expected one of: from, type)",
    ),
    (
        SERVICES + "analytics: {configuration: {name: t, key: [k], columns: {a: {from: a}}, explod: {}}}",
        "analytics.configuration.explod: unknown key",
    ),
]
WRONG_TYPES = [
    ("services: [my-api]", "services: expected a mapping, got ['my-api']"),
    ("services: {my-api: {log_groups: /aws/lambda/my-api}}", "services.my-api.log_groups: expected a list"),
    (SERVICES + "window: {default: 60}", "window.default: a duration such as 30s, 15m, 2h or 7d, got 60"),
    (SERVICES + "window: {default: 1h, max: 7 days}", "window.max: '7 days' is not a duration"),
    (
        SERVICES + "insights: {max_concurrent: four}",
        "insights.max_concurrent: expected a whole number, got 'four'",
    ),
    (SERVICES + "insights: {max_concurrent: 0}", "insights.max_concurrent: must be at least 1, got 0"),
    (SERVICES + "traffic: {backend: [athena]}", "traffic.backend: expected text, got ['athena']"),
    (
        SERVICES + "digest: {channel: '#c', queries: /traffic 7d}",
        "digest.queries: expected a list, got '/traffic 7d'",
    ),
    (SERVICES + "digest: {channel: '#c', queries: []}", "digest.queries: must not be empty"),
    (SERVICES + "digest: {queries: [/traffic 7d]}", "digest.channel: required (the channel to post to)"),
    (SERVICES + "analytics: {access_events: {attribution: {path_segment: two}}}", "path_segment: expected"),
    (
        SERVICES + "analytics: {configuration: {name: t, key: tenant, columns: {a: {from: a}}}}",
        "analytics.configuration.key: expected a list, got 'tenant'",
    ),
    (
        SERVICES + "analytics: {configuration: {name: t, key: [k], columns: {a: {from: a, type: varchar}}}}",
        "columns.a.type: 'varchar' is not one of string, bigint, double, boolean, timestamp",
    ),
    (
        "services: {my-api: {log_groups: [/x]}}\ndigest: {channel: '#c', queries: [/t], schedule: {hour: 8}}",
        "moved",
    ),
]
CHECK_MISTAKES = [
    (
        "checks: [{name: a, http: {url: 'https://x'}}, {name: b, xray: {service: s, max_p95: 1s}, evry: 5m}]",
        "checks[1].evry: unknown key",
    ),
    (
        "checks: [{name: a, http: {url: 'https://x', exepct_status: [200]}}]",
        "checks[0].http.exepct_status: unknown key",
    ),
    ("checks: [{name: a, xray: {service: s, max_p99: 1s}}]", "checks[0].xray.max_p99: unknown key"),
    (
        "checks: [{name: a, http: {url: 'https://x', json: {expression: a, equal: 1}}}]",
        "checks[0].http.json.equal: unknown key",
    ),
    ("checks: [{name: a, http: {url: 'https://x', timeout: 31s}}]", "checks[0].http.timeout: at most 30s"),
    (
        "checks: [{name: a, http: {url: 'https://x', retries: two}}]",
        "checks[0].http.retries: expected a whole number, got 'two'",
    ),
    ("checks: [{name: a, http: {url: 'https://x', expect_status: ok}}]", "checks[0].http.expect_status: expected"),
    (
        "checks: [{name: a, http: {url: 'https://x'}, fail_after: 0}]",
        "checks[0].fail_after: must be at least 1, got 0",
    ),
    ("checks: [{name: a, http: {url: 'https://x'}, tags: [a]}]", "checks[0].tags: expected a mapping"),
    (
        "checks: [{name: a, xray: {service: s, max_error_rate: lots}}]",
        "checks[0].xray.max_error_rate: a rate such as 5%",
    ),
    ("checks: [{name: a, xray: {service: s, max_p95: 1500}}]", "checks[0].xray.max_p95: a duration such as"),
    ("checks: [{name: a, xray: {service: s, max_p95: 1s, window: 7h}}]", "checks[0].xray.window: from 1m to 6h"),
    ("checks: [{name: a, http: {url: 'https://x'}, every: 25h}]", "checks[0].every: whole minutes up to 24h"),
]


@pytest.mark.parametrize(("text", "message"), TYPOS + WRONG_TYPES)
def test_each_mistake_in_the_configuration_names_the_file_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "lookout.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_lookout(path)
    assert str(raised.value).startswith(f"{path}: ") and message in str(raised.value)


@pytest.mark.parametrize(("text", "message"), CHECK_MISTAKES)
def test_each_mistake_in_the_checks_names_the_file_and_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "checks.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_checks_file(path)
    assert f"{path}: {message}" in str(raised.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"absent.yaml: cannot be read \(No such file or directory\)"):
        load_lookout(tmp_path / "absent.yaml")


def test_settings_read_the_environment_as_before() -> None:
    settings = Settings.from_env(
        {
            "LOG_LINES": " 7 ",  # the whitespace around a value is not part of it
            "XRAY_DEADLINE_S": "2.5",
            "LOOKOUT_TRACING": "yes",
            "LOOKOUT_RENOTIFY": "never",
            "LOOKOUT_ALERT_CHANNELS": "#a, #b #c",
            "LOOKOUT_ATHENA_DATABASE": "Lookout_Prod",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "SLACK_CHANNEL": "",  # empty: the default
        }
    )
    assert (settings.log_lines, settings.xray_deadline_s, settings.tracing) == (7, 2.5, True)
    assert settings.renotify_s is None and settings.alert_channels == ("#a", "#b", "#c")
    assert (settings.athena_database, settings.region, settings.slack_channel) == (
        "lookout_prod",
        "eu-west-1",
        "#alerts",
    )
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env({"LOOKOUT_RENOTIFY": "15m"}).renotify_s == 900


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LOG_LINES", "80", "LOG_LINES='80': must be at most 50"),
        ("LOG_LINES", "ten", "LOG_LINES='ten': expected a whole number"),
        ("XRAY_DEADLINE_S", "0", "XRAY_DEADLINE_S='0': must be at least 0.1"),
        ("STORM_WINDOW_S", "5", "STORM_WINDOW_S='5': must be at least 10"),
        ("LOOKOUT_TRACING", "maybe", "LOOKOUT_TRACING='maybe': expected true or false"),
        ("LOOKOUT_POST_LONE_OKS", "sometimes", "LOOKOUT_POST_LONE_OKS='sometimes': expected true or false"),
        ("LOOKOUT_RENOTIFY", "soon", "LOOKOUT_RENOTIFY='soon': use never or a period such as 15m"),
        ("LOOKOUT_ESCALATE_PAGE_AFTER", "never", "LOOKOUT_ESCALATE_PAGE_AFTER='never': use a period"),
        (
            "LOOKOUT_ESCALATE_TO",
            "payments-leads",
            "LOOKOUT_ESCALATE_TO='payments-leads': not valid (Slack user-group",
        ),
        ("LOOKOUT_DIGEST_TIMEZONE", "Mars/Olympus", "LOOKOUT_DIGEST_TIMEZONE='Mars/Olympus': an IANA time zone"),
    ],
)
def test_a_malformed_variable_is_named_with_what_it_takes(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({variable: value})
    assert str(raised.value).startswith(message)
