"""Typed cards for what else arrives on the topic, from real payloads (tests/fixtures/events/README.md)."""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

import pytest

from bot.alarms import Notification
from bot.events import parse_event
from bot.notices import READERS, typed_notice
from bot.slack.blocks.notice import render_notification
from tests.support.fixtures import load_event


def notification(event: str | dict[str, Any]) -> Notification:
    (delivery,) = parse_event(load_event(event) if isinstance(event, str) else event)
    assert isinstance(delivery.item, Notification)
    return delivery.item


def blocks(note: Notification) -> dict[str, str]:
    out = {}
    for block in render_notification(note).blocks:
        raw = block.to_dict()
        out[raw["block_id"]] = raw["text"]["text"] if "text" in raw else raw["elements"][0]["text"]
    return out


@pytest.mark.parametrize(
    ("fixture", "header", "facts"),
    [
        (
            "eventbridge_health_elb_issue.json",
            "🔴 AWS Health: ELASTICLOADBALANCING · AWS_ELASTICLOADBALANCING_API_ISSUE",
            ["*Service:* ELASTICLOADBALANCING", "*Category:* issue", "*Region:* ap-southeast-2"],
        ),
        (
            "eventbridge_guardduty_ssh_brute_force.json",
            "🟠 GuardDuty: 198.51.100.23 is performing SSH brute force attacks against i-0123456789abcdef0.",
            ["*Severity:* 5 (Medium)", "*Type:* UnauthorizedAccess:EC2/SSHBruteForce", "*Resource:* Instance i-0"],
        ),
        (
            "sns_glue_job_failed.json",
            "🔴 Glue: test_job · FAILED",
            ["*Job:* test_job", "*State:* FAILED", "> SystemExit: 1"],
        ),
        (
            "eventbridge_rust_codebuild_state.json",
            "✅ CodeBuild: my-sample-project · SUCCEEDED",
            ["*Project:* my-sample-project", "*Initiator:* MyCodeBuildDemoUser"],
        ),
        (
            "eventbridge_rust_codedeploy_deployment.json",
            "✅ CodeDeploy: myApplication / myDeploymentGroup · SUCCESS",
            ["*Deployment:* d-123456789"],
        ),
        (
            "eventbridge_rust_codepipeline_execution.json",
            "📣 CodePipeline: myPipeline · STARTED",
            ["*Execution:* 01234567-0123-0123-0123-012345678901"],
        ),
        (
            "eventbridge_rust_autoscaling_launch_unsuccessful.json",
            "🔴 Auto Scaling: my-auto-scaling-group · Instance Launch Unsuccessful",
            ["*Instance:* i-1234567890abcdef0", "*Status:* Failed", "*Zone:* us-west-2b"],
        ),
        (
            "eventbridge_backup_job_failed.json",
            "🔴 AWS Backup: Backup Job · type · FAILED",
            ["*State:* FAILED", "does not exist."],
        ),
    ],
)
def test_each_kind_leads_with_what_matters_and_keeps_the_raw_event(
    fixture: str, header: str, facts: list[str]
) -> None:
    note = notification(fixture)
    assert note.notice is not None
    shown = blocks(note)
    assert shown["lookout:header"] == header
    for line in facts:
        assert line in shown["lookout:notice"], (line, shown["lookout:notice"])
    assert shown["lookout:raw"].startswith("```{") and len(shown["lookout:raw"]) <= 1300  # compact, cut


def test_a_documentation_account_typo_is_not_shown_as_an_account() -> None:
    (finding, backup) = (
        notification("eventbridge_guardduty_ssh_brute_force.json"),
        notification("eventbridge_backup_job_failed.json"),
    )
    assert "Account" not in blocks(finding)["lookout:notice"]  # "1234567891234": 13 digits
    assert "Account" not in blocks(backup)["lookout:notice"]


def test_a_failed_pipeline_is_red() -> None:
    event = deepcopy(load_event("eventbridge_rust_codepipeline_execution.json"))
    event["detail"]["state"] = "FAILED"
    assert blocks(notification(event))["lookout:header"] == "🔴 CodePipeline: myPipeline · FAILED"


def test_the_raw_event_under_a_typed_card_is_redacted() -> None:
    event = deepcopy(load_event("sns_glue_job_failed.json"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["detail"]["message"] = "connect failed password=hunter2"
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    shown = blocks(notification(event))
    assert "hunter2" not in json.dumps(shown)


def test_an_unknown_kind_keeps_the_generic_card_and_a_broken_one_too() -> None:
    unknown = {"detail-type": "Some Other Event", "source": "aws.other", "detail": {"x": 1}}
    assert notification(unknown).notice is None
    assert "lookout:notification" in blocks(notification(unknown))
    broken = {"detail-type": "GuardDuty Finding", "source": "aws.guardduty", "detail": "not an object"}
    note = notification(broken)
    assert note.notice is None or note.notice.kind == "GuardDuty"  # never an exception, never lost
    assert blocks(note)["lookout:header"]


def test_every_registered_kind_has_a_fixture() -> None:
    covered = {
        load_event(n).get("detail-type")
        for n in (
            "eventbridge_health_elb_issue.json",
            "eventbridge_guardduty_ssh_brute_force.json",
            "eventbridge_rust_codebuild_state.json",
            "eventbridge_rust_codedeploy_deployment.json",
            "eventbridge_rust_codepipeline_execution.json",
            "eventbridge_rust_autoscaling_launch_unsuccessful.json",
            "eventbridge_backup_job_failed.json",
        )
    }
    modules = {READERS[c].__module__ for c in covered if c in READERS} | {"bot.notices.pipelines"}  # + Glue (SNS)
    assert modules == {f"bot.notices.{m}" for m in ("health", "guardduty", "pipelines", "autoscaling", "backup")}
    assert typed_notice({"detail-type": "CloudWatch Alarm State Change"}) is None  # alarms are not notices


def test_an_elastic_beanstalk_text_notification_gets_its_card() -> None:
    note = notification("sns_elastic_beanstalk_degraded.json")
    assert note.notice is not None
    shown = blocks(note)
    assert shown["lookout:header"] == "🔴 Elastic Beanstalk: Api-Fechamento-env · Info → Degraded"
    assert "*Application:* Api-Fechamento-Validacao" in shown["lookout:notice"]
    assert "Incorrect application version found on 1 instance." in shown["lookout:notice"]  # the whole message
    recovered = deepcopy(load_event("sns_elastic_beanstalk_degraded.json"))
    sns = recovered["Records"][0]["Sns"]
    sns["Message"] = sns["Message"].replace("from Info to Degraded.", "from Degraded to Ok.")
    assert blocks(notification(recovered))["lookout:header"].startswith("✅ Elastic Beanstalk")


def test_plain_text_that_is_not_a_known_kind_stays_generic() -> None:
    note = notification("sns_plain_text.json")
    assert note.notice is None and "lookout:notification" in blocks(note)


@pytest.mark.parametrize(
    ("fixture", "header", "facts"),
    [
        (
            "sns_budgets_actual_monthly.json",
            "🔴 AWS Budgets: Test Budget · ACTUAL $0.59 vs threshold &gt; $0.16",
            ["*Budgeted:* $0.20", "*Alert:* ACTUAL &gt; $0.16 for the current month", "*Of budget:* 295%"],
        ),
        (
            "sns_budgets_actual_daily.json",
            "🟠 AWS Budgets: killswitch · ACTUAL $1.70 vs threshold &gt; $0.75",
            ["*Alert:* ACTUAL &gt; $0.75 per day", "*Actual:* $1.70", "Yesterday, the ACTUAL Cost"],
        ),
        (
            "sqs_budgets_forecasted.json",
            "🟠 AWS Budgets: test · FORECASTED $0.95 vs threshold &gt; $0.00",
            ["*Forecasted:* $0.95", "*Account:* 391613010373"],
        ),
    ],
)
def test_a_budgets_alert_leads_with_the_budget_and_actual_vs_threshold(
    fixture: str, header: str, facts: list[str]
) -> None:
    note = notification(fixture)
    assert note.notice is not None and note.notice.kind == "AWS Budgets"
    shown = blocks(note)
    assert shown["lookout:header"] == header
    for line in facts:
        assert line in shown["lookout:notice"], (line, shown["lookout:notice"])
    assert shown["lookout:raw"].startswith("```AWS Budget Notification")  # AWS's own text stays reachable


def test_a_budgets_alert_is_red_only_when_actual_spend_is_over_the_whole_budget() -> None:
    event = deepcopy(load_event("sns_budgets_actual_daily.json"))
    sns = event["Records"][0]["Sns"]
    assert notification(event).notice.level == "warn"  # type: ignore[union-attr]  # $1.70 of $5.00
    sns["Message"] = sns["Message"].replace("ACTUAL Amount: $1.70", "ACTUAL Amount: $5.00")
    assert notification(event).notice.level == "bad"  # type: ignore[union-attr]
    forecast = sns["Message"].replace("ACTUAL", "FORECASTED")
    sns["Message"] = forecast.replace("FORECASTED Amount: $5.00", "FORECASTED Amount: $9.00")
    assert notification(event).notice.level == "warn"  # type: ignore[union-attr]  # a forecast is a warning


def test_a_budgets_text_without_its_fields_stays_generic_and_loses_nothing() -> None:
    event = deepcopy(load_event("sns_budgets_actual_monthly.json"))
    sns = event["Records"][0]["Sns"]
    sns["Message"] = "AWS Budget Notification September 26, 2022\nsomething else entirely"
    note = notification(event)
    assert note.notice is None and "something else entirely" in json.dumps(blocks(note))


def test_an_auto_scaling_groups_own_notification_gets_its_card() -> None:
    note = notification("sns_autoscaling_launch.json")
    assert note.notice is not None
    shown = blocks(note)
    assert shown["lookout:header"] == "📣 Auto Scaling: dev-idp · instance launch"
    for line in (
        "*Instance:* i-06e5a36f44cf8a51c",
        "*Status:* InProgress",
        "*Alarm:* TargetTracking-dev-idp-AlarmHigh-",
        "*Zone:* us-west-2a",
        "*Region:* us-west-2",
        "*Account:* 894947205914",
        "changing the desired capacity from 2 to 3",
    ):
        assert line in shown["lookout:notice"], (line, shown["lookout:notice"])
    failed = deepcopy(load_event("sns_autoscaling_launch.json"))
    sns = failed["Records"][0]["Sns"]
    message = json.loads(sns["Message"])
    message.update(Event="autoscaling:EC2_INSTANCE_LAUNCH_ERROR", StatusCode="Failed")
    sns["Message"] = json.dumps(message)
    assert blocks(notification(failed))["lookout:header"] == "🔴 Auto Scaling: dev-idp · instance launch failed"
