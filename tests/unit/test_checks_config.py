"""Scheduled checks without running one: the checks file's validation (the shipped file loads, mistakes name
the file and the field, nothing is silently capped) and the standing's decisions (failing after N consecutive
failures, passing again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.checks.config import Check, HttpProbe, load_checks
from bot.checks.model import Result
from bot.checks.state import Standing, advance
from bot.config import ConfigError

NOW = datetime(2026, 11, 26, 9, 14, tzinfo=UTC)


# --- the checks file ---------------------------------------------------------------------------------------


def load(tmp_path: Path, text: str) -> tuple[Check, ...]:
    path = tmp_path / "checks.yaml"
    path.write_text(text)
    return load_checks(path)


def test_the_shipped_file_and_a_full_http_check_load(tmp_path: Path) -> None:
    assert all(c.name for c in load_checks(Path("infra/checks.yaml")))
    (check,) = load(
        tmp_path,
        """
checks:
  - name: api-health
    description: The public health endpoint
    http:
      url: https://api.example.com/health
      method: post
      expect_status: [200, 204]
      json: {expression: "checks[?name=='db'].status | [0]", equals: ok}
      headers_secret: lookout/checks/api
      timeout: 3s
      max_latency: 800ms
      retries: 2
    every: 5m
    fail_after: 3
    regions: [us-east-1, eu-west-1]
    tags: {lookout:channel: "#api"}
""",
    )
    probe = check.probe
    assert isinstance(probe, HttpProbe) and probe.method == "POST" and probe.expect_status == (200, 204)
    assert (probe.timeout_s, probe.max_latency_ms, probe.retries) == (3.0, 800.0, 2)
    assert (check.every_min, check.fail_after, check.regions) == (5, 3, ("us-east-1", "eu-west-1"))
    assert check.due(10) and not check.due(11) and check.runs_in("eu-west-1") and not check.runs_in("ap-south-1")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("checks: [{name: Bad_Name, http: {url: 'https://x'}}]", "checks[0].name: 'Bad_Name' is not valid"),
        ("checks: [{name: a}]", "checks[0]: give exactly one of http or xray"),
        ("checks: [{name: a, http: {url: 'ftp://x'}}]", "checks[0].http.url: an http(s) URL"),
        ("checks: [{name: a, http: {url: 'https://x', headers: {X-Key: s3cret}}}]", "never go in the file"),
        ("checks: [{name: a, http: {url: 'https://x', json: {expression: '[', equals: 1}}}]", "not JMESPath"),
        ("checks: [{name: a, http: {url: 'https://x', retries: 9}}]", "checks[0].http.retries: must be at most 5"),
        ("checks: [{name: a, http: {url: 'https://x'}, every: 90s}]", "checks[0].every: whole minutes"),
        (
            "checks: [{name: a, http: {url: 'https://x'}, regions: [mars-1]}]",
            "'mars-1' is not valid (a region code",
        ),
        ("checks: [{name: a, xray: {service: s}}]", "give at least one of max_error_rate"),
        ("checks: [{name: a, xray: {service: s, max_fault_rate: 150%}}]", "a rate between 0% and 100%"),
        ("checks: [{name: a, xray: {service: s, max_p95: 1s, window: 30s}}]", "checks[0].xray.window: from 1m"),
        ("checks: [{name: a, http: {url: 'https://x'}}, {name: a, http: {url: 'https://y'}}]", "defined twice"),
        ("checks: {a: 1}", "checks: expected a list"),
        # a typo is an error, not a setting silently ignored; a limit is an error, not silently capped
        ("checks: [{name: a, http: {url: 'https://x'}, evry: 5m}]", "checks[0].evry: unknown key"),
        ("checks: [{name: a, http: {url: 'https://x', timout: 5s}}]", "checks[0].http.timout: unknown key"),
        ("checks: [{name: a, http: {url: 'https://x', timeout: 45s}}]", "checks[0].http.timeout: at most 30s"),
    ],
)
def test_mistakes_name_the_file_and_the_field(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, body)
    assert message in str(raised.value) and str(tmp_path / "checks.yaml") in str(raised.value)


def test_a_file_whose_checks_are_all_commented_out_has_none(tmp_path: Path) -> None:
    assert load(tmp_path, "checks:\n  # - name: a\n") == () and load_checks(tmp_path / "absent.yaml") == ()


# --- the standing -------------------------------------------------------------------------------------------


def run(ok: bool, minute: int, judged: bool = True) -> Result:
    return Result("c", ok, NOW + timedelta(minutes=minute), summary="s", judged=judged)


def test_failing_after_n_consecutive_failures_and_passing_at_the_first_good_run() -> None:
    standing, decisions = Standing(), []
    for minute, ok in enumerate([False, True, False, False, False, False, True, True]):
        standing, transition = advance(standing, run(ok, minute), fail_after=2)
        decisions.append(transition)
    assert decisions == [None, None, None, "failing", None, None, "passing", None]
    assert not standing.failing and standing.failures == 0


def test_an_unjudged_run_changes_nothing_and_a_pending_transition_stays_pending() -> None:
    failing, transition = advance(Standing(), run(False, 0), fail_after=1)
    assert transition == "failing" and not failing.announced
    again, none = advance(failing, run(False, 1), fail_after=1)
    assert none is None and not again.announced and again.summary == failing.summary  # still to announce
    assert advance(again, run(True, 2, judged=False), fail_after=1) == (again, None)
