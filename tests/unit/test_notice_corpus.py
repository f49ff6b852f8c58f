"""Every notification in the corpus (tests/fixtures/notices, SOURCES.md names each payload's public source) reads
right: what on-call must see outside the raw block — the state, the resource, the reason, the event's own time,
links as Slack links — with a failure's icon distinct from its success twin. The expected facts come from the
payloads and the services' documentation of each kind (what a state or a field means), not from running the code.
"""

from __future__ import annotations

import json
import re
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.alarms import Notification
from bot.config import Settings
from bot.events import parse_event
from bot.notices.reading import URL, is_placeholder
from bot.slack.blocks.notice import LEVEL_ICON, RAW_CHARS, render_notification
from tests.support.messages import assert_valid_message

CORPUS = Path(__file__).parents[1] / "fixtures" / "notices"
FAILED, WARNING, GOOD, INFO = LEVEL_ICON["bad"], LEVEL_ICON["warn"], LEVEL_ICON["good"], LEVEL_ICON["info"]


@dataclass(frozen=True)
class Seen:
    """What on-call must see: the header's icon and words, facts (Slack mrkdwn as sent), and when."""

    icon: str
    header: tuple[str, ...]
    facts: tuple[str, ...]
    when: str


def console(url: str) -> str:
    """How a link must look: ``<url|`` (its text follows)."""
    return f"<{url.replace('&', '&amp;')}|"


EXPECTED: dict[str, Seen] = {
    # --- AWS Backup: the vault's SNS text, its state only in the `State` attribute --------------------------
    "sns_backup_job_completed.json": Seen(
        GOOD,
        ("AWS Backup", "vol-012f345df6789012e", "COMPLETED"),
        (
            "*State:* COMPLETED",
            "*Recovery point:* arn:aws:ec2:us-west-1:123456789012:volume/vol-012f345df6789012d",
        ),
        "received 2019-08-02 18:46:02 UTC",
    ),
    "sns_backup_job_failed.json": Seen(
        FAILED,
        ("AWS Backup", "vol-012f345df6789012e", "FAILED"),
        ("*State:* FAILED", "*Job:* 1b2345b2-f22c-4dab-5eb6-bbc7890ed123", "> An AWS Backup job failed."),
        "received 2019-08-02 18:46:02 UTC",
    ),
    "sns_backup_job_expired.json": Seen(
        FAILED,
        ("Backup job", "EXPIRED"),
        ("*State:* EXPIRED", "> An AWS Backup job failed to complete in time."),
        "received 2019-08-02 18:46:02 UTC",
    ),
    "sns_backup_copy_job_failed.json": Seen(
        FAILED,
        ("Copy job", "FAILED"),
        ("*Job:* 2c3456c3-f33d-5ec6-cdc7-ccd890fe2345", "*Started:* 2026-05-19T15:22:57.759Z"),
        "received 2026-05-19 15:25:00 UTC",
    ),
    # --- Database services ----------------------------------------------------------------------------------
    "sns_dms_replication_task_stopped.json": Seen(
        WARNING,
        ("DMS", "hello-world", "Replication task has stopped"),
        (
            "*Event:* DMS-EVENT-0079",
            console("https://console.aws.amazon.com/dms/home?region=us-east-1#tasks:ids=hello-world"),
        ),
        "2019-02-12 15:45:24 UTC",
    ),
    "sns_rds_finished_backup.json": Seen(
        INFO,
        ("Amazon RDS", "dbinstanceid", "Finished DB Instance backup"),
        (
            "*Event:* RDS-EVENT-0002",
            console("https://console.aws.amazon.com/rds/home?region=eu-west-1#dbinstance:id=dbinstanceid"),
        ),
        "2019-01-02 12:45:06 UTC",
    ),
    "sns_rds_cluster_snapshot_created.json": Seen(
        INFO,
        ("db-instance-aurora", "Automated cluster snapshot created"),
        ("*Source type:* db-cluster-snapshot", "*Event:* RDS-EVENT-0169"),
        "2021-11-07 17:43:51 UTC",
    ),
    "sns_rds_db_instance_event_eventbridge.json": Seen(
        WARNING,
        ("rds:my-db-instance", "Multi-AZ failover has completed"),
        ("*Categories:* failover", "*Event:* RDS-EVENT-0049"),
        "2018-09-27 22:36:43 UTC",
    ),
    "sns_elasticache_cache_cluster_created.json": Seen(
        INFO,
        ("ElastiCache", "memcache-ni", "Cache cluster created"),
        ("*Cluster:* memcache-ni",),
        "2015-12-05 01:02:18 UTC",
    ),
    # --- GuardDuty ------------------------------------------------------------------------------------------------
    "sns_guardduty_malware_threats_found.json": Seen(
        FAILED,
        ("GuardDuty Malware Protection", "amzn-s3-demo-bucket", "THREATS_FOUND"),
        ("*Threats:* EICAR-Test-File (not a virus)", "*Bucket:* amzn-s3-demo-bucket"),
        "2024-02-28 01:01:01 UTC",
    ),
    "sns_guardduty_port_probe_sample.json": Seen(
        FAILED,
        ("GuardDuty", "port on EC2 instance i-123123123 is being probed"),
        (
            "*Severity:* 9 (Critical)",
            "*Count:* 1234",
            "*First seen:* 2020-01-02T01:02:03Z",
            "*Last seen:* 2020-01-03T01:02:03Z",
        ),
        "2020-01-03 01:02:03 UTC",
    ),
    "sns_guardduty_port_probe_ssh.json": Seen(
        INFO,
        ("GuardDuty", "i-0123456789abcdef0 is being probed"),
        ("*Remote IP:* 198.51.100.23", "*Port:* 22 SSH", "*Severity:* 2 (Low)", "*Blocked:* no"),
        "2025-10-01 14:40:03 UTC",
    ),
    "sns_guardduty_root_credential_usage.json": Seen(
        FAILED,
        ("GuardDuty", "Root user"),
        ("*Severity:* 8 (High)", "*Type:* Policy:IAMUser/RootCredentialUsage", "*Resource:* AccessKey root"),
        "2025-10-01 14:40:03 UTC",
    ),
    # --- Security Hub, Inspector, ECR -----------------------------------------------------------------------
    "sns_securityhub_macie_high.json": Seen(
        FAILED,
        ("Security Hub", "Macie", "HIGH"),
        ("*Severity:* HIGH", "*Resource:* AwsS3Bucket arn:aws:s3:::test-bucket-12", "*Workflow:* NEW"),
        "2019-04-11 21:52:15 UTC",
    ),
    "sns_securityhub_macie_low.json": Seen(
        INFO,
        ("Security Hub", "LOW"),
        ("*Severity:* LOW", "*Account:* 123456789012"),
        "2019-04-11 21:52:15 UTC",
    ),
    "sns_inspector2_package_vulnerability.json": Seen(
        WARNING,
        ("Inspector", "CVE-2024-29069", "MEDIUM"),
        (
            "*Resource:* AWS_EC2_INSTANCE i-12345678901234567",
            "*Fix available:* YES",
            console("https://people.canonical.com/~ubuntu-security/cve/2024/CVE-2024-29069.html"),
        ),
        "2024-09-04 17:00:36 UTC",
    ),
    "sns_inspector2_network_reachability.json": Seen(
        WARNING,
        ("Port 22 is reachable", "MEDIUM"),
        ("*Open ports:* TCP 22–22", "*Type:* NETWORK_REACHABILITY"),
        "2024-09-05 13:06:56 UTC",
    ),
    "sns_inspector2_initial_scan.json": Seen(
        INFO,
        ("i-087d63509b8c97098", "INITIAL_SCAN_COMPLETE", "no findings"),
        ("*Scan:* INITIAL_SCAN_COMPLETE",),
        "2023-01-20 22:52:35 UTC",
    ),
    "sns_ecr_image_scan_findings.json": Seen(
        FAILED,
        ("tribble-image-scan-test", "10 critical"),
        ("*Findings:* 10 critical, 2 high, 9 medium, 3 low", "*Image tags:* 1572471135"),
        "2019-10-30 21:32:27 UTC",
    ),
    # --- Systems Manager ------------------------------------------------------------------------------------
    "sns_ssm_run_command_success.json": Seen(
        GOOD,
        ("Run Command", "AWS-RunPatchBaseline", "Success"),
        ("*Status:* Success", "*Instance:* i-99999999999999999"),
        "2023-12-14 10:52:22 UTC",
    ),
    "sns_ssm_run_command_failed.json": Seen(
        FAILED,
        ("Run Command", "AWS-RunPatchBaseline", "Failed"),
        ("*Status:* Failed", "*Command:* 6f69316a-e502-5a20-99bc-2408825b6dee"),
        "2023-12-14 10:52:22 UTC",
    ),
    "sns_ssm_run_command_timed_out.json": Seen(
        FAILED, ("TimedOut",), ("*Status:* TimedOut (DeliveryTimedOut)",), "2023-12-14 10:52:22 UTC"
    ),
    "sns_ssm_run_command_summary.json": Seen(
        INFO,
        ("AWS-RunPowerShellScript", "InProgress"),
        ("*Instances:* i-1234567890abcdef0, i-9876543210abcdef0",),
        "2019-04-25 17:57:09 UTC",
    ),
    "sns_ssm_command_status_change.json": Seen(
        GOOD, ("AWS-RunPowerShellScript", "Success"), ("*Instance:* i-abcd1111",), "2016-07-10 21:51:32 UTC"
    ),
    "sns_ssm_command_invocation_status_change.json": Seen(
        GOOD,
        ("i-9bb89e2b", "Success"),
        ("*Command:* e8d3c0e4-71f7-4491-898f-c9b35bee5f3b",),
        "2016-07-10 21:51:32 UTC",
    ),
    "sns_ssm_automation_execution_status.json": Seen(
        GOOD,
        ("SSM Automation", "runcommand1", "Success"),
        ("*Execution:* 333ba70b-2333-48db-b17e-a5e69c6f4d1c",),
        "2016-11-29 19:43:35 UTC",
    ),
    "sns_ssm_patch_non_compliant.json": Seen(
        FAILED,
        ("i-01234567890abcdef", "Patch", "NON_COMPLIANT"),
        ("*Compliance:* NON_COMPLIANT", "*Severity:* critical", "*Patch baseline:* PB789"),
        "2017-07-17 19:02:31 UTC",
    ),
    # --- S3 -------------------------------------------------------------------------------------------------------
    "sns_s3_replication_operation_failed.json": Seen(
        FAILED,
        ("s3://test/test.png", "OperationFailedReplication"),
        ("*Failure:* SrcObjectNotFound", "*Destination:* arn:aws:s3:::test-replica", "*Operation:* OBJECT_DELETE"),
        "2024-12-12 17:04:56 UTC",
    ),
    "sns_s3_replication_assume_role_not_permitted.json": Seen(
        FAILED,
        ("replication-test.png", "OperationFailedReplication"),
        ("*Failure:* AssumeRoleNotPermitted", "*Replication rule:* notification-test-replication-rule"),
        "2024-09-05 21:04:32 UTC",
    ),
    "sns_s3_object_created_multipart.json": Seen(
        INFO,
        ("s3://test/test.png", "ObjectCreated:CompleteMultipartUpload"),
        ("*Size:* 557056 bytes",),
        "2024-12-12 14:44:56 UTC",
    ),
    "sns_s3_object_restore_completed.json": Seen(
        INFO,
        ("glacier-test.txt", "ObjectRestore:Completed"),
        ("*Restored until:* 2023-05-17T15:00:00.456Z", "*Storage class:* STANDARD"),
        "2023-05-10 15:00:00 UTC",
    ),
    "sns_s3_eventbridge_object_deleted.json": Seen(
        INFO,
        ("s3://example-bucket/IMG_m7fzo3.jpg", "Object Deleted", "DeleteObject"),
        ("*Deletion:* Delete Marker Created", "*Source IP:* 34.252.34.74"),
        "2021-11-12 00:00:00 UTC",
    ),
    "sns_s3_eventbridge_object_expired.json": Seen(
        INFO, ("Object Deleted", "Lifecycle Expiration"), ("*By:* s3.amazonaws.com",), "2021-11-12 00:00:00 UTC"
    ),
    "sns_s3_eventbridge_restore_completed.json": Seen(
        INFO,
        ("Object Restore Completed",),
        ("*Restored until:* 2021-11-13T00:00:00Z", "*Storage class:* GLACIER"),
        "2021-11-12 00:00:00 UTC",
    ),
    # --- ECS ------------------------------------------------------------------------------------------------------
    "sns_ecs_deployment_failed.json": Seen(
        FAILED,
        ("servicetest", "SERVICE_DEPLOYMENT_FAILED"),
        ("*Deployment:* ecs-svc/123", "> ECS deployment circuit breaker: task failed to start."),
        "2020-05-23 12:31:14 UTC",
    ),
    "sns_ecs_deployment_completed.json": Seen(
        GOOD,
        ("servicetest", "SERVICE_DEPLOYMENT_COMPLETED"),
        ("*Deployment:* ecs-svc/123",),
        "2020-05-23 12:31:14 UTC",
    ),
    "sns_ecs_deployment_in_progress.json": Seen(
        INFO, ("SERVICE_DEPLOYMENT_IN_PROGRESS",), ("*Type:* INFO",), "2020-05-23 12:31:14 UTC"
    ),
    "sns_ecs_service_task_placement_failure.json": Seen(
        FAILED,
        ("SERVICE_TASK_PLACEMENT_FAILURE",),
        ("*Capacity providers:* FARGATE_SPOT", "> RESOURCE:FARGATE"),
        "2019-11-19 19:55:38 UTC",
    ),
    "sns_ecs_service_task_start_impaired.json": Seen(
        WARNING, ("SERVICE_TASK_START_IMPAIRED",), ("*Cluster:* default",), "2019-11-19 19:55:38 UTC"
    ),
    "sns_ecs_service_steady_state.json": Seen(
        INFO, ("SERVICE_STEADY_STATE",), ("*Type:* INFO",), "2019-11-19 19:27:22 UTC"
    ),
    "sns_ecs_task_running.json": Seen(
        INFO,
        ("FargateCluster", "RUNNING"),
        ("*Task:* c13b4cb40f1f4fe4a2971f76ae5a47ad", "*Task definition:* sample-fargate:1"),
        "2020-01-23 17:57:58 UTC",
    ),
    "sns_ecs_container_instance_state_change.json": Seen(
        INFO, ("i-f3a8506b", "ACTIVE"), ("*Agent connected:* yes", "*Cluster:* default"), "2016-12-06 16:41:06 UTC"
    ),
    # --- Pipelines: EventBridge, CodeStar notification rules, CodeDeploy triggers, approvals ----------------------
    "sns_codestar_pipeline_started.json": Seen(
        INFO,
        ("CodePipeline", "myPipeline", "STARTED"),
        ("*Notification rule:* a69c62c21EXAMPLE",),
        "2021-06-24 00:44:50 UTC",
    ),
    "sns_codestar_pipeline_succeeded.json": Seen(
        GOOD,
        ("myPipeline", "SUCCEEDED"),
        ("*Execution:* 12345678-1234-5678-abcd-12345678abcd",),
        "2021-06-30 22:13:51 UTC",
    ),
    "sns_codestar_action_failed.json": Seen(
        FAILED,
        ("myPipeline / Deploy / Deploy", "FAILED"),
        ("*Error:* JobFailed", "*Provider:* Deploy / CodeDeploy", "> Deployment &lt;ID&gt; failed"),
        "2021-06-24 00:46:16 UTC",
    ),
    "sns_codepipeline_pipeline_failed.json": Seen(
        FAILED, ("myPipeline", "FAILED"), ("*State:* FAILED",), "2020-01-31 18:55:43 UTC"
    ),
    "sns_codepipeline_stage_stopped.json": Seen(
        FAILED, ("myPipeline / Deploy", "STOPPED"), ("*Stage:* Deploy",), "2020-01-31 18:21:39 UTC"
    ),
    "sns_codepipeline_action_abandoned.json": Seen(
        WARNING, ("ABANDONED",), ("*Action:* Deploy",), "2020-01-31 18:21:39 UTC"
    ),
    "sns_codepipeline_action_manual_approval_started.json": Seen(
        INFO,
        ("mypipeline / Deploy / Deploy", "STARTED"),
        ("*Provider:* Deploy / Manual",),
        "2018-11-06 21:36:10 UTC",
    ),
    "sns_codepipeline_approval_needed.json": Seen(
        WARNING,
        ("MyFirstPipeline / MyApprovalStage / MyApprovalAction", "approval needed"),
        (
            "*Expires:* 2016-07-07T20:22Z",
            "*Review:* "
            + console(
                "https://console.aws.amazon.com/codepipeline/home?region=us-east-2#/view/MyFirstPipeline/"
                "MyApprovalStage/MyApprovalAction/approve/1a2b3c4d-573f-4ea7-a67E-XAMPLETOKEN"
            ),
            "*Change to review:* <http://example.com|example.com>",
            "> Review the latest changes and approve or reject within seven days.",
        ),
        "received 2019-05-23 17:13:04 UTC",
    ),
    "sns_codepipeline_approval_request_arabold.json": Seen(
        WARNING,
        ("mypipeline.name / Deploy / Deploy_Approval", "approval needed"),
        (
            "*Expires:* 2018-11-13T21:36Z",
            "*Change to review:* <https://my.reviewwebsite.com|my.reviewwebsite.com>",
        ),
        "received 1970-01-01 00:00:00 UTC",
    ),
    "sns_codedeploy_trigger_deployment_failed.json": Seen(
        FAILED,
        ("ProductionApp-us-west-3 / dep-group-def-456", "Failed"),
        ("*Error:* IAM_ROLE_MISSING", "*Instances:* Failed 10", "> IAM Role is missing for deployment group"),
        "2015-11-05 17:23:10 UTC",  # completeTime 1446744190.402
    ),
    "sns_codedeploy_trigger_instance_succeeded.json": Seen(
        GOOD,
        ("d-75I7MBT7C", "i-496589f7", "Succeeded"),
        ("*Lifecycle:* ApplicationStop Succeeded, BeforeInstall Succeeded",),
        "2015-11-05 17:23:27 UTC",  # lastUpdatedAt 1446744207.564
    ),
    "sns_codedeploy_instance_succeeded.json": Seen(
        GOOD,
        ("myApplication / myDeploymentGroup", "SUCCESS"),
        ("*Instance:* i-0000000aaaaaaaaaa",),
        "2016-06-30 23:18:50 UTC",
    ),
    "eventbridge_rust_codebuild_phase_change.json": Seen(
        GOOD,
        ("my-sample-project", "COMPLETED"),
        (
            "*Build logs:* <https://console.aws.amazon.com/cloudwatch/home?region=us-west-2#logEvent:"
            "group=/aws/codebuild/my-sample-project;stream=8745a7a9-c340-456a-9166-edf953571bEX|",
        ),
        "2017-09-01 16:14:21 UTC",
    ),
    "eventbridge_rust_codepipeline_action_change.json": Seen(
        INFO,
        ("myPipeline / Prod / myAction", "STARTED"),
        ("*Provider:* Deploy / CodeDeploy",),
        "2017-04-22 03:31:47 UTC",
    ),
    "eventbridge_rust_codepipeline_stage_change.json": Seen(
        INFO, ("myPipeline", "STARTED"), ("*Pipeline:* myPipeline",), "2017-04-22 03:31:47 UTC"
    ),
    # --- Auto Scaling -------------------------------------------------------------------------------------------
    "sns_autoscaling_test_notification.json": Seen(
        INFO,
        ("org-staging-docker-asg-80fd91af", "test notification"),
        ("*Account:* 341288657826", "*Region:* us-east-1"),
        "2014-12-22 20:58:56 UTC",
    ),
    "eventbridge_rust_autoscaling_terminate_unsuccessful.json": Seen(
        FAILED, ("Instance Terminate Unsuccessful",), ("*Status:* Failed",), "1970-01-01 00:00:00 UTC"
    ),
    "eventbridge_rust_autoscaling_lifecycle_action.json": Seen(
        INFO,
        ("my-asg", "Lifecycle Action"),
        ("*Transition:* autoscaling:EC2_INSTANCE_LAUNCHING",),
        "1970-01-01 00:00:00 UTC",
    ),
    # --- AWS Config ------------------------------------------------------------------------------------------------
    "sns_config_compliance_change_compliant.json": Seen(
        GOOD,
        ("AWS::::Account 123456789012", "COMPLIANT with cloudtrail-enabled"),
        ("*Compliance:* COMPLIANT", "*Previously:* NON_COMPLIANT", "*Rule:* cloudtrail-enabled"),
        "2016-09-27 19:48:42 UTC",
    ),
    "sns_config_item_change_volume_attached.json": Seen(
        INFO,
        ("AWS::EC2::VOLUME vol-ce676ccc", "updated"),
        (
            "*Configuration.State:* available → in-use",
            "*Configuration.Attachments.0:* added: vol-ce676ccc, i-344c463d",
        ),
        "2014-03-07 23:47:08 UTC",
    ),
    "sns_config_item_change_instance_security_group.json": Seen(
        INFO,
        ("i-007d374c8912e3e90", "updated"),
        (
            "*Configuration.SecurityGroups.0:* removed: example-security-group-1, sg-c8b141b4",
            "*Configuration.SecurityGroups.1:* added: example-security-group-2, sg-3f1fef43",
        ),
        "2017-01-09 22:50:14 UTC",
    ),
    # --- CloudWatch alarm configuration changes: what changed, old → new -----------------------------------------
    "sns_cloudwatch_alarm_config_updated_threshold.json": Seen(
        INFO, ("ServerCpuTooHigh", "updated"), ("*Threshold:* 70 → 80",), "2022-03-03 17:06:34 UTC"
    ),
    "sns_cloudwatch_alarm_config_updated_suppressor.json": Seen(
        INFO,
        ("ServiceAggregatedAlarm", "updated"),
        ("*Actions suppressor extension period:* 180 → 360",),
        "2022-07-14 13:59:56 UTC",
    ),
    "sns_cloudwatch_alarm_config_created_composite.json": Seen(
        INFO,
        ("ServiceAggregatedAlarm", "created"),
        ("*Rule:* ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)",),
        "2022-03-03 17:06:22 UTC",
    ),
    "sns_cloudwatch_alarm_config_deleted_metric_math.json": Seen(
        WARNING,
        ("TotalNetworkTrafficTooHigh", "deleted"),
        ("*Condition:* GreaterThanThreshold 10000",),
        "2022-03-03 17:07:13 UTC",
    ),
    # --- Cost, Health, Trusted Advisor ----------------------------------------------------------------------------
    "sns_cost_anomaly_cloudtrail.json": Seen(
        WARNING,
        ("Cost Anomaly Detection", "AWS CloudTrail", "$11.82"),
        (
            "*Actual:* $12.09",
            "*Expected:* $0.27",
            "*Usage type:* EU-InsightsEvents",
            console("https://console.aws.amazon.com/cost-management/home#/anomaly-detection/monitors/"),
        ),
        "2023-04-10 00:00:00 UTC",  # anomalyEndDate: the delivery's own Timestamp has spaces in it
    ),
    "sns_health_rds_operational_literal_newlines.json": Seen(
        INFO,
        ("AWS Health", "RDS", "AWS_RDS_OPERATIONAL_NOTIFICATION"),
        (
            "*Affected:* database-training-0",
            'are listed in the "Affected resources" tab.',
            "*Reference:* " + console("https://aws.amazon.com/support"),
        ),
        "2022-12-15 23:25:00 UTC",
    ),
    "sns_trusted_advisor_rds_idle.json": Seen(
        WARNING,
        ("Amazon RDS Idle DB Instances", "WARN"),
        (
            "*Estimated Monthly Savings (On Demand):* $230",
            "*Resource:* arn:aws:rds:eu-west-1:123456789012:db:sam-eu-west-1a",
        ),
        "2016-11-13 13:31:34 UTC",
    ),
    "sns_trusted_advisor_unassociated_eip.json": Seen(
        WARNING,
        ("Unassociated Elastic IP Addresses", "WARN"),
        ("*IP Address:* 123.456.789.012",),
        "2023-08-28 19:39:15 UTC",
    ),
    # --- Kinds without a typed reader: the generic card surfaces their facts ---------------------------------------
    "sns_cloudformation_stack_update_in_progress.json": Seen(
        INFO,
        ("AWS CloudFormation", "UPDATE_IN_PROGRESS"),
        (
            "*Resource status:* UPDATE_IN_PROGRESS",
            "*Resource type:* AWS::CloudFormation::Stack",
            "> User Initiated",
        ),
        "2019-01-19 14:40:38 UTC",
    ),
    "sns_ec2_instance_terminated_replay.json": Seen(
        INFO,
        ("Amazon EC2", "EC2 Instance State-change Notification", "terminated"),
        ("*State:* terminated", "*Instance ID:* i-1234567890abcdef0"),
        "2017-12-22 18:43:48 UTC",
    ),
    "sns_plain_text_just_testing.json": Seen(
        INFO, ("Just Testing",), ("> This is a test eh",), "received 2014-12-22 20:32:08 UTC"
    ),
}


def names() -> list[str]:
    return sorted(p.name for p in CORPUS.glob("*.json"))


def notifications(name: str | dict[str, Any]) -> list[Notification]:
    event = json.loads((CORPUS / name).read_text()) if isinstance(name, str) else name
    found = [d.item for d in parse_event(event)]
    assert found and all(isinstance(n, Notification) for n in found), found
    return found  # type: ignore[return-value]


def card(note: Notification) -> dict[str, str]:
    out = {}
    for block in render_notification(note).blocks:
        raw = block.to_dict()
        out[raw["block_id"]] = raw["text"]["text"] if "text" in raw else raw["elements"][0]["text"]
    return out


def facts_of(shown: dict[str, str]) -> str:
    return shown.get("lookout:notice") or shown["lookout:notification"]


def test_the_corpus_is_what_its_sources_name() -> None:
    # GIVEN the corpus and its SOURCES.md
    listed = set(re.findall(r"^\| `([\w.-]+\.json)` \|", (CORPUS / "SOURCES.md").read_text(), re.MULTILINE))
    # THEN every payload names its source, at least 60 payloads from 15 sources, and each has an expectation here
    assert listed == set(names())
    assert len(listed) >= 60
    repos = set(re.findall(r"`([\w.-]+/[\w.-]+)`", (CORPUS / "SOURCES.md").read_text()))
    assert len(repos) >= 15, sorted(repos)
    assert set(EXPECTED) == set(names())


@pytest.mark.parametrize("name", names())
def test_every_payload_reads_right_outside_the_raw_block(name: str) -> None:
    (note,) = notifications(name)
    message = render_notification(note)
    assert_valid_message(message.payload("#alerts"))
    shown = card(note)
    expected = EXPECTED[name]
    header, facts = shown["lookout:header"], facts_of(shown)
    # the icon says how bad, the header names the source and the state
    assert header.startswith(expected.icon + " "), header
    for word in expected.header:
        assert word in header, (word, header)
    # the facts, not a dump: labelled lines, links as Slack links
    assert not facts.startswith("```") and ("*" in facts or facts.startswith(">")), facts
    for line in expected.facts:
        assert line in facts, (line, facts)
    # the event's own time (or, when the event has none, when SNS received it)
    assert shown["lookout:context"].startswith(expected.when), shown["lookout:context"]
    # the raw message, if shown, is short and last before the context
    order = list(shown)
    if "lookout:raw" in shown:
        assert order.index("lookout:raw") == len(order) - 2
        assert len(shown["lookout:raw"]) <= RAW_CHARS + 20


@pytest.mark.parametrize("name", names())
def test_no_placeholder_is_a_fact_and_every_address_is_a_link(name: str) -> None:
    (note,) = notifications(name)
    facts = facts_of(card(note))
    for label, value in re.findall(r"^\*([^*]+):\* (.+)$", facts, re.MULTILINE):
        assert value.startswith("<http") or not is_placeholder(value, label), (label, value)
    # every string value of the message that is one web address is on the card as <url|text>
    addresses = (
        [v for v in strings(json.loads(note.body)) if URL.fullmatch(v.strip())]
        if note.body.strip()[:1] == "{"
        else []
    )
    for url in addresses:
        assert console(url.strip().rstrip(".,;)")) in facts, (url, facts)
    # no bare address outside a link (a quoted description may carry its own)
    lines = [line for line in facts.splitlines() if not line.startswith(">")]
    assert not [line for line in lines if re.search(r"(?<![<|])https?://", line)], facts


def strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


TWINS = (
    ("sns_backup_job_completed.json", "sns_backup_job_failed.json"),
    ("sns_backup_job_completed.json", "sns_backup_job_expired.json"),
    ("sns_ssm_run_command_success.json", "sns_ssm_run_command_failed.json"),
    ("sns_ssm_run_command_success.json", "sns_ssm_run_command_timed_out.json"),
    ("sns_codestar_pipeline_succeeded.json", "sns_codepipeline_pipeline_failed.json"),
    ("sns_ecs_deployment_completed.json", "sns_ecs_deployment_failed.json"),
    ("sns_s3_object_created_multipart.json", "sns_s3_replication_operation_failed.json"),
    ("sns_codedeploy_trigger_instance_succeeded.json", "sns_codedeploy_trigger_deployment_failed.json"),
    ("sns_securityhub_macie_low.json", "sns_securityhub_macie_high.json"),
)


@pytest.mark.parametrize(("success", "failure"), TWINS)
def test_a_failure_never_looks_like_its_success_twin(success: str, failure: str) -> None:
    good, bad = card(notifications(success)[0]), card(notifications(failure)[0])
    assert bad["lookout:header"][:1] == FAILED[:1] != good["lookout:header"][:1]


def sns_message(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    event = deepcopy(json.loads((CORPUS / name).read_text()))
    return event, json.loads(event["Records"][0]["Sns"]["Message"])


def with_message(event: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def test_config_non_compliant_is_a_failure_and_says_which_rule() -> None:
    # GIVEN the guide's compliance change with its results swapped: now NON_COMPLIANT, was COMPLIANT
    event, message = sns_message("sns_config_compliance_change_compliant.json")
    new, old = message["newEvaluationResult"], message["oldEvaluationResult"]
    new["complianceType"], old["complianceType"] = "NON_COMPLIANT", "COMPLIANT"
    shown = card(notifications(with_message(event, message))[0])
    assert shown["lookout:header"].startswith(
        f"{FAILED} AWS Config: AWS::::Account 123456789012 · NON_COMPLIANT with"
    )
    assert "*Previously:* COMPLIANT" in shown["lookout:notice"]


def test_config_rules_compliance_change_through_eventbridge_reads_the_same() -> None:
    # GIVEN the same message as the detail of a "Config Rules Compliance Change" event
    _, message = sns_message("sns_config_compliance_change_compliant.json")
    message["newEvaluationResult"]["complianceType"] = "NON_COMPLIANT"
    event = {
        "detail-type": "Config Rules Compliance Change",
        "source": "aws.config",
        "time": "2016-09-27T19:48:42Z",
    }
    shown = card(notifications({**event, "region": "us-east-2", "detail": message})[0])
    assert (
        shown["lookout:header"].startswith(f"{FAILED} AWS Config:") and "NON_COMPLIANT" in shown["lookout:header"]
    )


def test_malware_scan_without_threats_is_not_red() -> None:
    event, message = sns_message("sns_guardduty_malware_threats_found.json")
    message["detail"]["scanResultDetails"] = {"scanResultStatus": "NO_THREATS_FOUND", "threats": None}
    assert card(notifications(with_message(event, message))[0])["lookout:header"].startswith(GOOD)


def test_an_inspector_finding_that_is_critical_is_red_and_a_closed_one_green() -> None:
    event, message = sns_message("sns_inspector2_package_vulnerability.json")
    message["detail"]["severity"] = "CRITICAL"
    assert card(notifications(with_message(event, message))[0])["lookout:header"].startswith(FAILED)
    message["detail"]["status"] = "CLOSED"
    assert card(notifications(with_message(event, message))[0])["lookout:header"].startswith(GOOD)


def test_an_ecs_task_that_stopped_because_its_container_exited_is_red_with_why() -> None:
    # GIVEN the guide's task event as the task stops: exit code 1, EssentialContainerExited
    event, message = sns_message("sns_ecs_task_running.json")
    message["detail"].update(
        lastStatus="STOPPED",
        stopCode="EssentialContainerExited",
        stoppedReason="Essential container in task exited",
    )
    message["detail"]["containers"][0].update(exitCode=1, lastStatus="STOPPED")
    shown = card(notifications(with_message(event, message))[0])
    assert shown["lookout:header"].startswith(
        f"{FAILED} Amazon ECS: FargateCluster / family:sample-fargate · STOPPED"
    )
    assert "*Containers:* FargateApp exit 1" in shown["lookout:notice"]
    assert "> Essential container in task exited" in shown["lookout:notice"]


def test_a_health_description_shows_no_literal_backslash_n() -> None:
    (note,) = notifications("sns_health_rds_operational_literal_newlines.json")
    assert "\\n" in note.body  # the delivery carries them, escaped
    shown = card(note)["lookout:notice"]
    assert "\\n" not in shown  # none reach the card: a backslash and an n, as two characters
    assert "maintenance window over the 3 weeks" in shown and "are listed in the" in shown


def test_a_backup_text_without_its_state_attribute_still_reads_its_sentence() -> None:
    # GIVEN the failed job's text delivered without message attributes (a forwarder dropped them)
    event = deepcopy(json.loads((CORPUS / "sns_backup_job_failed.json").read_text()))
    event["Records"][0]["Sns"]["MessageAttributes"] = {}
    assert card(notifications(event)[0])["lookout:header"].startswith(f"{FAILED} AWS Backup: Backup job")


def test_the_whole_corpus_renders_through_the_alert_path_offline() -> None:
    from bot.cli.render import render_calls

    for name in names():
        calls = render_calls(
            json.loads((CORPUS / name).read_text()), Settings(slack_channel="#alerts"), offline=True
        )
        assert [c["method"] for c in calls] == ["chat.postMessage"], name
        assert_valid_message(calls[0]["payload"])


def test_a_codebuild_failure_through_a_notification_rule_reads_like_the_eventbridge_event() -> None:
    # GIVEN the CodeBuild state change a CodeStar notification rule delivers: `detailType`, the event in `detail`
    event = json.loads((CORPUS.parent / "events" / "eventbridge_rust_codebuild_state.json").read_text())
    event["detail"]["build-status"] = "FAILED"
    rule = "arn:aws:codestar-notifications:us-west-2:123456789012:notificationrule/0123456789abcdef"
    delivered = {
        "account": event["account"],
        "detailType": event["detail-type"],
        "region": event["region"],
        "source": event["source"],
        "time": event["time"],
        "notificationRuleArn": rule,
        "detail": event["detail"],
        "resources": event["resources"],
        "additionalAttributes": {},
    }
    shown = card(notifications(with_message(sns_of(delivered), delivered))[0])
    assert shown["lookout:header"] == f"{FAILED} CodeBuild: my-sample-project · FAILED"
    assert "*Notification rule:* 0123456789abcdef" in shown["lookout:notice"]
    assert shown["lookout:context"].startswith("2017-09-01 16:14:28 UTC · CodeBuild Build State Change")


def sns_of(message: dict[str, Any]) -> dict[str, Any]:
    event = deepcopy(json.loads((CORPUS / "sns_codestar_pipeline_started.json").read_text()))
    return with_message(event, message)


@pytest.mark.parametrize(
    ("event", "icon"),
    [  # event names and messages from the ElastiCache guide's table of SNS events
        ("ElastiCache:SnapshotFailed", FAILED),
        ("ElastiCache:FailoverComplete", WARNING),
        ("ElastiCache:CacheClusterProvisioningComplete", INFO),
    ],
)
def test_elasticache_notifications_by_event_name(event: str, icon: str) -> None:
    shown = card(notifications(sns_of({event: "my-redis-cluster"}))[0])
    assert shown["lookout:header"].startswith(f"{icon} ElastiCache: my-redis-cluster · ")
    assert f"*Event:* {event.removeprefix('ElastiCache:')}" in shown["lookout:notice"]
