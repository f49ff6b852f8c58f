"""What CloudFormation would refuse, checked without an account: ``template.yaml`` transformed by the SAM
translator (what ``sam deploy`` hands to CloudFormation) and linted by cfn-lint, which checks it against
CloudFormation's own resource schemas — intrinsic-function rules (a ``Fn::Join`` delimiter must be a plain
string), required properties, values' types, lengths and patterns *as resolved* (names built from the stack
name are resolved with the longest stack name the README allows), IAM policy grammar and that every action
exists — for each set of parameters that switches a part of the template on. And one check cfn-lint has
no rule for: a resource named by a fixed string would collide with the same resource of a second stack in the
account and region (the README says two stacks can share them).

``python -m local.deploy_check`` (``make template``) prints every finding and exits 1 on any. What this cannot
see — quotas, account-wide singletons, the Slack side — is listed in ``docs/deployment.md``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:lookout/slack-AbCdEf"
REQUIRED = {"SlackTokenSecretArn": SECRET_ARN, "OperationsEmail": "oncall@example.com"}
"""The parameters without a default, as a deployment must give them."""
LONGEST_STACK_NAME = "lookout-" + "x" * 50
"""58 characters, the most the README allows: the Slack function is named ``<stack>-slack`` (Lambda: 64)."""
PROBE = "LookoutProbeStackName"
REGION = "us-east-1"

PARAMETER_SETS: dict[str, dict[str, str]] = {
    "defaults": {},
    "everything on, log errors from five groups": {
        "EnableTracing": "true",
        "EnableSnapStart": "true",
        "EnableEventBridgeRule": "true",
        "EnableDigest": "true",
        "AppEventsKinesisStreamArn": "arn:aws:kinesis:us-east-1:111122223333:stream/app-events",
        "AccessLogGroupName": "/aws/apigateway/orders-api-access",
        "AlbLogBucketName": "orders-alb-logs",
        "AlbLogPrefix": "prod/",
        "ConfigTableStreamArn": (
            "arn:aws:dynamodb:us-east-1:111122223333:table/config/stream/2026-11-01T00:00:00.000"
        ),
        "LogErrors": "groups",
        "LogErrorGroups": "/aws/lambda/a,/aws/lambda/b,/aws/lambda/c,/aws/lambda/d,/ecs/e",
        "OperationsEmail": "oncall@example.com",
        "OperationsToSlack": "true",
        "AlarmLogGroupPrefixes": "/aws/lambda/orders-,/aws/lambda/pay-,/ecs/,/aws/apigateway/,/app/",
        "AlertChannels": "#payments,#orders",
    },
    "log errors from the whole account, checks off": {"LogErrors": "account", "EnableChecks": "false"},
}


class NoManagedPolicies:
    """The SAM translator asks IAM for AWS managed policy ARNs only when a template names one by its name."""

    def load(self) -> dict[str, str]:
        return {}


def transformed(parameters: dict[str, str]) -> dict[str, Any]:
    """The template as ``sam deploy`` sends it (code packaged to S3), for these parameters."""
    import logging

    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)  # "unpublished metrics"
    template = yaml_parse(TEMPLATE.read_text())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://lookout-artifacts/lookout.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)  # the translator's pseudo-parameter values
    result: dict[str, Any] = transform(template, {**REQUIRED, **parameters}, NoManagedPolicies())
    return result


def with_probe_stack_name(template: dict[str, Any]) -> dict[str, Any]:
    """The stack name as a parameter whose value is the longest allowed: cfn-lint resolves names with it."""

    def swap(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("Ref") == "AWS::StackName":
                return {"Ref": PROBE}
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        if isinstance(node, str):
            return node.replace("${AWS::StackName}", "${" + PROBE + "}")
        return node

    probed: dict[str, Any] = swap(template)
    probed.setdefault("Parameters", {})[PROBE] = {"Type": "String", "Default": LONGEST_STACK_NAME}
    return probed


def findings(template: dict[str, Any], parameters: dict[str, str]) -> list[str]:
    """cfn-lint's findings (errors and warnings) on a transformed template, values resolved with ``parameters``."""
    from cfnlint.api import ManualArgs, lint

    declared = template.get("Parameters", {})
    values = {k: v for k, v in {**REQUIRED, PROBE: LONGEST_STACK_NAME, **parameters}.items() if k in declared}
    config = ManualArgs(regions=[REGION], parameters=[values])
    return [
        f"{m.rule.id} {m.message} (at {_where(m)})" for m in lint(json.dumps(template, indent=1), config=config)
    ]


NAME_PROPERTIES = (
    "Name",
    "FunctionName",
    "RoleName",
    "ManagedPolicyName",
    "TopicName",
    "QueueName",
    "BucketName",
    "TableName",
    "DeliveryStreamName",
    "LogGroupName",
    "PolicyName",
    "AlarmName",
    "StateMachineName",
)
"""Top-level properties that give a resource its physical name (unique per account and region)."""
NAMED_WITHIN_A_PARENT = {"AWS::Lambda::Alias", "AWS::Lambda::Version", "AWS::Glue::Table"}
"""Their names are unique within their function or database, which is the stack's own."""


def fixed_names(template: dict[str, Any]) -> list[str]:
    """Resources named by a plain string: the same in every stack, so a second stack cannot create them. A name
    built from the stack name or from another resource of the stack (a generated name) is the stack's own."""
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] in NAMED_WITHIN_A_PARENT:
            continue
        properties = resource.get("Properties") or {}
        for key in NAME_PROPERTIES:
            if isinstance(properties.get(key), str):
                found.append(f"{logical_id}: {key} {properties[key]!r} is the same in every stack")
    return found


def _where(match: Any) -> str:
    path = [str(p) for p in (getattr(match, "path", None) or [])]
    return "/".join(path[:5]) if path else f"line {match.linenumber}"


def main() -> int:
    failed = 0
    for name, parameters in PARAMETER_SETS.items():
        template = transformed(parameters)
        problems = findings(with_probe_stack_name(template), parameters) + fixed_names(template)
        print(f"{'✓' if not problems else '✗'} transformed template, {name}: {len(problems)} findings")
        for problem in problems:
            print(f"    {problem}")
        failed += len(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
