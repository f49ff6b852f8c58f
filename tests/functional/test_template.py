"""template.yaml: cfn-lint clean, translates with the SAM translator offline, IAM scoped to the calls made."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from tests.support.cfn import resolve

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:lookout/slack-AbCdEf"

# Every AWS call each function makes, and the ones that support no resource-level permission.
CALLS = {
    "AlarmFunctionRole": {
        "xray:GetServiceGraph",
        "xray:GetTraceSummaries",
        "cloudwatch:GetMetricData",
        "cloudwatch:ListTagsForResource",
        "cloudwatch:DescribeAlarms",
        "logs:FilterLogEvents",
        "logs:DescribeMetricFilters",
        "secretsmanager:GetSecretValue",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchGetItem",  # a storm round's entries (tests/unit/test_iam_grants_calls.py reads the calls)
        "cloudtrail:LookupEvents",  # what changed before the alarm, where the change ledger has no records
    },
    "SlackFunctionRole": {
        "lambda:InvokeFunction",
        "logs:StartQuery",
        "logs:GetQueryResults",
        "logs:StopQuery",
        "logs:DescribeQueries",
        "athena:StartQueryExecution",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:StopQueryExecution",
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetPartitions",
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:AbortMultipartUpload",
        "secretsmanager:GetSecretValue",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "logs:FilterLogEvents",
    },
}
UNSCOPABLE = {
    "xray:GetServiceGraph",
    "xray:GetTraceSummaries",
    "cloudwatch:GetMetricData",
    "cloudwatch:DescribeAlarms",  # composite alarms are described only to a permission scoped to *
    "cloudtrail:LookupEvents",
    "logs:GetQueryResults",
    "logs:StopQuery",
    "logs:DescribeQueries",
}


class NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def translated(**parameters: str) -> dict[str, Any]:
    template = yaml_parse(TEMPLATE.read_text())
    for name, resource in template["Resources"].items():  # as `sam package` does
        if resource["Type"] == "AWS::Serverless::Function":
            template["Resources"][name]["Properties"]["CodeUri"] = "s3://bucket/lookout.zip"
    required = {"SlackTokenSecretArn": SECRET, "OperationsEmail": "oncall@example.com"}
    return transform(template, {**required, **parameters}, NoManagedPolicies())  # type: ignore[no-any-return]


def statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """The role's inline statements and those of the template's own managed policies it is given."""
    properties = template["Resources"][role]["Properties"]
    found = []
    for policy in properties.get("Policies", []):
        found.extend(policy["PolicyDocument"]["Statement"])
    for arn in properties.get("ManagedPolicyArns", []):
        if isinstance(arn, dict) and "Ref" in arn:
            found.extend(template["Resources"][arn["Ref"]]["Properties"]["PolicyDocument"]["Statement"])
    return [_when_on(s) for s in found if _when_on(s) is not None]


def _when_on(statement: dict[str, Any]) -> Any:
    """A statement as granted when its condition holds (``Fn::If``: the first branch; ``AWS::NoValue``: none)."""
    if "Fn::If" in statement:
        statement = statement["Fn::If"][1]
    return None if statement == {"Ref": "AWS::NoValue"} else statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_cfn_lint_is_clean() -> None:
    from cfnlint.api import lint_all

    matches = [m for m in lint_all(TEMPLATE.read_text()) if not m.rule.id.startswith("I")]  # I = informational
    assert [str(m) for m in matches] == []


@pytest.mark.parametrize("tracing", ["true", "false"])
@pytest.mark.parametrize("eventbridge", ["true", "false"])
def test_translates_offline(monkeypatch: pytest.MonkeyPatch, tracing: str, eventbridge: str) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated(EnableTracing=tracing, EnableEventBridgeRule=eventbridge)
    function = out["Resources"]["AlarmFunction"]["Properties"]
    assert function["Runtime"] >= "python3.12" and function["Architectures"] == ["arm64"]
    assert function["Handler"] == "handlers.alarm.lambda_handler"
    kinds = {r["Type"] for r in out["Resources"].values()}
    assert {
        "AWS::SNS::Subscription",
        "AWS::SQS::Queue",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::CloudWatch::Alarm",
    } <= kinds


def test_on_failure_destination_and_its_alarm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated()
    config = out["Resources"]["AlarmFunctionEventInvokeConfig"]["Properties"]
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["OnFailureQueue", "Arn"]}
    alarm = out["Resources"]["OnFailureDepthAlarm"]["Properties"]
    assert alarm["Namespace"] == "AWS/SQS" and alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"


@pytest.mark.parametrize("role", sorted(CALLS))
def test_iam_grants_exactly_the_calls_made(monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    granted: set[str] = set()
    for statement in statements(translated(), role):
        actions = as_list(statement["Action"])
        assert not any("*" in action for action in actions), f"wildcard action in {statement}"
        if "*" in as_list(statement["Resource"]):
            assert set(actions) <= UNSCOPABLE, f"resource * for scopable actions {actions}"
        granted.update(a for a in actions if not a.startswith("sqs:"))
    assert granted == CALLS[role]


def test_slack_function_has_a_url_and_the_workgroup_a_cutoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated()
    assert out["Resources"]["SlackFunctionUrl"]["Properties"]["AuthType"] == "NONE"
    config = out["Resources"]["QueryWorkGroup"]["Properties"]["WorkGroupConfiguration"]
    assert (
        config["BytesScannedCutoffPerQuery"] == {"Ref": "BytesScannedCutoff"}
        and config["EnforceWorkGroupConfiguration"]
    )
    table = out["Resources"]["AccessEventsTable"]["Properties"]["TableInput"]
    assert table["Parameters"]["projection.enabled"] == "true" and table["PartitionKeys"] == [
        {"Name": "day", "Type": "string"}
    ]


def test_the_query_workgroup_and_database_are_the_stacks_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # two stacks in one account must not share (or fight over) a workgroup or a Glue database
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated()
    resources = out["Resources"]
    assert resources["QueryWorkGroup"]["Properties"]["Name"] == {"Fn::Sub": "${AWS::StackName}-queries"}
    name = resources["QueryDatabase"]["Properties"]["DatabaseInput"]["Name"]
    assert "AWS::StackName" in json.dumps(name) and "Fn::Split" in json.dumps(name)  # hyphens → underscores
    for function in ("SlackFunction", "DigestFunction"):
        env = resources[function]["Properties"]["Environment"]["Variables"]
        assert env["LOOKOUT_ATHENA_WORKGROUP"] == {"Ref": "QueryWorkGroup"}
        assert env["LOOKOUT_ATHENA_DATABASE"] == {"Ref": "QueryDatabase"}


def test_incidents_table_is_on_demand_with_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    table = translated()["Resources"]["IncidentsTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]


@pytest.mark.parametrize("snapstart", ["true", "false"])
def test_snapstart_switch_and_everything_on_the_published_alias(
    monkeypatch: pytest.MonkeyPatch, snapstart: str
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    resources = translated(EnableSnapStart=snapstart)["Resources"]
    for function in ("AlarmFunction", "SlackFunction"):
        apply_on = resources[function]["Properties"]["SnapStart"]["ApplyOn"]
        assert apply_on == {"Fn::If": ["SnapStartOn", "PublishedVersions", "None"]}
        assert resources[f"{function}Aliaslive"]["Type"] == "AWS::Lambda::Alias"
    assert resources["AlarmFunctionAlarms"]["Properties"]["Endpoint"] == {"Ref": "AlarmFunctionAliaslive"}
    assert resources["SlackFunctionUrl"]["Properties"]["TargetFunctionArn"] == {"Ref": "SlackFunctionAliaslive"}
    assert resources["AlarmFunctionEventInvokeConfig"]["Properties"]["Qualifier"] == "live"
    assert resources["AlarmActionPermission"]["Properties"]["FunctionName"] == {"Ref": "AlarmFunctionAliaslive"}


def test_tracing_is_off_by_default_as_in_the_code() -> None:
    from bot.config import Settings

    template = yaml_parse(TEMPLATE.read_text())
    assert template["Parameters"]["EnableTracing"]["Default"] == "false"
    assert Settings.from_env({}).tracing is False
    assert Settings.from_env({"LOOKOUT_TRACING": "true"}).tracing is True


def test_the_public_slack_function_cannot_starve_alerting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    resources = translated()["Resources"]
    assert resources["SlackFunction"]["Properties"]["ReservedConcurrentExecutions"] == {"Ref": "SlackConcurrency"}
    assert "ReservedConcurrentExecutions" not in resources["AlarmFunction"]["Properties"]


@pytest.mark.parametrize("to_slack", ["true", "false"])
def test_lookouts_own_alarms_go_to_the_operations_topic(monkeypatch: pytest.MonkeyPatch, to_slack: str) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated(OperationsEmail="oncall@example.com", OperationsToSlack=to_slack)
    resources = out["Resources"]
    own = [
        "OnFailureDepthAlarm",
        "AlarmFunctionErrorsAlarm",
        "AlarmFunctionThrottlesAlarm",
        "SlackFunctionErrorsAlarm",
        "SlackFunctionThrottlesAlarm",
    ]
    for name in own:
        actions = resources[name]["Properties"]["AlarmActions"]
        assert actions == {
            "Fn::If": [
                "OperationsToSlackOn",
                [{"Ref": "OperationsTopic"}, {"Ref": "AlarmTopic"}],
                [{"Ref": "OperationsTopic"}],
            ]
        }, name
        assert resources[name]["Properties"]["OKActions"] == [{"Ref": "OperationsTopic"}]
    subscription = resources["OperationsEmailSubscription"]
    assert "Condition" not in subscription  # every deployment has a person outside Slack (#25.9)
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "OperationsTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "OperationsEmail"},
    }


@pytest.mark.parametrize(
    ("prefixes", "arns"),
    [
        ("", ["/aws/lambda/*"]),  # the default: Lambda functions' groups (the code reads an alarm's own only)
        ("/ecs/orders", ["/aws/lambda/*", "/ecs/orders*"]),
        ("/a/,/b/,/c/,/d/,/e/", ["/aws/lambda/*", "/a/*", "/b/*", "/c/*", "/d/*", "/e/*"]),
    ],
)
@pytest.mark.parametrize("role", ["AlarmFunctionRole", "ChecksFunctionRole", "LogErrorsFunctionRole"])
def test_log_lines_are_read_only_of_functions_and_under_the_allowed_prefixes(
    monkeypatch: pytest.MonkeyPatch, role: str, prefixes: str, arns: list[str]
) -> None:
    # GIVEN the stack deployed with these prefixes
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated(AlarmLogGroupPrefixes=prefixes, AlertChannels="#payments,#orders")
    # WHEN CloudFormation resolves the role's FilterLogEvents statement
    (read,) = [s for s in statements(out, role) if s["Action"] == "logs:FilterLogEvents"]
    resources = resolve(read["Resource"], out, {"AlarmLogGroupPrefixes": prefixes})
    # THEN it names Lambda's groups and one log-group ARN per prefix, no other, and the code gets the prefixes
    assert resources == [f"arn:aws:logs:*:123456789012:log-group:{arn}" for arn in arns]
    function = role.removesuffix("Role")
    env = out["Resources"][function]["Properties"]["Environment"]["Variables"]
    assert resolve(env["LOOKOUT_LOG_GROUP_PREFIXES"], out, {"AlarmLogGroupPrefixes": prefixes}) == prefixes


def test_more_than_five_prefixes_are_refused_by_the_parameter() -> None:
    pattern = re.compile(yaml_parse(TEMPLATE.read_text())["Parameters"]["AlarmLogGroupPrefixes"]["AllowedPattern"])
    assert pattern.fullmatch("/a/,/b/,/c/,/d/,/e/") and pattern.fullmatch("/aws/lambda/") and pattern.fullmatch("")
    assert not pattern.fullmatch("/a/,/b/,/c/,/d/,/e/,/f/")  # a sixth would silently get no IAM grant
    assert not pattern.fullmatch("aws/lambda/") and not pattern.fullmatch("/a/,,/b/")


def test_no_resource_is_named_the_same_in_every_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    from local.deploy_check import fixed_names

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    everything = translated(EnableDigest="true", LogErrors="account")  # the schedules, the account policy
    assert fixed_names(everything) == []
    assert fixed_names({"Resources": {"S": {"Type": "AWS::Scheduler::Schedule", "Properties": {"Name": "x"}}}})


def test_the_deploy_check_refuses_what_cloudformation_refuses() -> None:
    from local.deploy_check import findings

    # GIVEN a policy built as three of the template's once were: ARNs split from a Join whose delimiter is a
    # function, which CloudFormation refuses (the delimiter must be a plain string) and cfn-lint 1.58 only sees
    # once SAM has transformed the template
    joined = {"Fn::Join": [{"Fn::Sub": "*,arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:"}, ["/a/"]]}
    statement = {"Effect": "Allow", "Action": "logs:FilterLogEvents", "Resource": {"Fn::Split": [",", joined]}}
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    bad = {"Resources": {"Reads": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": policy}}}}
    # THEN the check names it, where it is
    assert any(f.startswith("E1018") and "Resources/Reads" in f for f in findings(bad, {}))


STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/config/stream/2026-11-01T00:00:00.000"


def test_the_normalizer_is_off_without_a_stream_and_complete_with_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    off = translated()["Resources"]
    conditional = [k for k, r in off.items() if "Normalize" in k or k.startswith("Settings")]
    assert conditional and all(off[k].get("Condition") == "NormalizerOn" for k in conditional)
    out = translated(ConfigTableStreamArn=STREAM)["Resources"]
    mapping = next(r for r in out.values() if r["Type"] == "AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["EventSourceArn"] == {"Ref": "ConfigTableStreamArn"}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    # its own failure queue: replay never takes a stream batch for an alert (#25.7)
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["NormalizerFailureQueue", "Arn"]
    }
    granted = statements({"Resources": out}, "NormalizeFunctionRole")
    actions = {a for s in granted for a in as_list(s["Action"])}
    assert {"s3:PutObject", "sqs:SendMessage", "dynamodb:DescribeStream"} <= actions
    assert not any("*" in a for a in actions)
    # a tenant's settings changes go to the change ledger (on by default): UpdateItem on the incidents table only
    (ledger,) = [s for s in granted if s["Action"] == "dynamodb:UpdateItem"]
    assert ledger["Resource"] == {"Fn::GetAtt": ["IncidentsTable", "Arn"]}
    # the rows go to the generic tables' prefixes only; the key schema is read of this stream only
    (rows,) = [s for s in granted if s["Action"] == "s3:PutObject"]
    assert rows["Resource"] == [
        {"Fn::Sub": "${DataBucket.Arn}/settings_events/*"},
        {"Fn::Sub": "${DataBucket.Arn}/settings_snapshot/*"},
    ]
    (schema,) = [s for s in granted if s["Action"] == "dynamodb:DescribeStream"]
    assert schema["Resource"] == {"Ref": "ConfigTableStreamArn"}
    variables = out["NormalizeFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["CONFIG_STREAM_ARN"] == {"Ref": "ConfigTableStreamArn"}
    assert {"SettingsEventsTable", "SettingsSnapshotTable"} <= out.keys()


def test_the_settings_tables_have_the_columns_the_long_form_writes() -> None:
    """bot/analytics/long_form.py's rows and template.yaml's generic tables must not drift apart."""
    from bot.analytics.long_form import long_form_rows
    from bot.analytics.mapping import SettingsForm
    from bot.analytics.normalize import read_change
    from tests.support.streams import image, record

    template = yaml_parse(TEMPLATE.read_text())
    change = read_change(record("MODIFY", image(("email", 1)), image(("phone", 2))))
    events, snapshot = long_form_rows(change, SettingsForm(tenant="tenant"))
    for table, rows in (("SettingsEventsTable", events), ("SettingsSnapshotTable", snapshot)):
        columns = template["Resources"][table]["Properties"]["TableInput"]["StorageDescriptor"]["Columns"]
        assert [c["Name"] for c in columns] == [k for k in rows[0] if k != "day"]  # day: the partition


def test_the_demos_mapped_tables_have_the_columns_its_mapping_writes() -> None:
    """The demo's analytics.configuration and its Glue tables (local/demo/config) must not drift apart."""
    from bot.analytics.mapping import load_configuration_mapping
    from local.demo.config import CONFIG, GLUE_TABLES

    mapping = load_configuration_mapping(str(CONFIG))
    assert mapping is not None
    template = yaml_parse(GLUE_TABLES.read_text())
    glue = {
        "string": "string",
        "bigint": "bigint",
        "double": "double",
        "boolean": "boolean",
        "timestamp": "timestamp",
    }
    written = [("op", "string"), ("at", "timestamp"), ("item_key", "string"), ("sequence", "string")]
    written += [(c.name, glue[c.type]) for c in mapping.all_columns]
    for table, extra in (
        ("FieldMappingsEventsTable", []),
        ("FieldMappingsSnapshotTable", [("deleted", "boolean")]),
    ):
        columns = template["Resources"][table]["Properties"]["TableInput"]["StorageDescriptor"]["Columns"]
        assert [(c["Name"], c["Type"]) for c in columns] == written + extra
        name = template["Resources"][table]["Properties"]["TableInput"]["Name"]
        assert name.startswith(mapping.name + "_")


def test_access_logs_flow_through_firehose_with_decompression_extraction_and_the_transform(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated(AccessLogGroupName="/aws/apigateway/orders-api-access")["Resources"]
    stream = out["AccessEventsStream"]["Properties"]["ExtendedS3DestinationConfiguration"]
    assert stream["Prefix"] == "access_events/day=!{partitionKeyFromLambda:day}/"  # the table's partition layout
    assert stream["DynamicPartitioningConfiguration"] == {"Enabled": True}
    processors = [p["Type"] for p in stream["ProcessingConfiguration"]["Processors"]]
    assert processors == ["Decompression", "CloudWatchLogProcessing", "Lambda"]
    subscription = out["AccessLogsSubscription"]["Properties"]
    assert subscription["LogGroupName"] == {"Ref": "AccessLogGroupName"}
    assert subscription["DestinationArn"] == {"Fn::GetAtt": ["AccessEventsStream", "Arn"]}
    for resource in (
        "AccessLogsFunction",
        "AccessEventsStream",
        "AccessLogsSubscription",
        "AccessEventsFirehoseRole",
    ):
        assert out[resource].get("Condition") == "AccessEventsOn"
    table = yaml_parse(TEMPLATE.read_text())["Resources"]["AccessEventsTable"]["Properties"]["TableInput"]
    assert table["Parameters"]["storage.location.template"] == {
        "Fn::Sub": "s3://${DataBucket}/access_events/day=${!day}/"
    }
    # Parquet where the Glue schema allows: Firehose converts with the table's own columns
    conversion = stream["DataFormatConversionConfiguration"]
    assert conversion["Enabled"] is True and stream["CompressionFormat"] == "UNCOMPRESSED"
    assert conversion["OutputFormatConfiguration"]["Serializer"] == {"ParquetSerDe": {"Compression": "SNAPPY"}}
    assert conversion["SchemaConfiguration"]["TableName"] == table["Name"] == "access_events"
    assert "parquet" in table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].lower()
    assert all(":" not in c["Type"] for c in table["StorageDescriptor"]["Columns"])  # primitives only
    granted = {
        a for st in statements({"Resources": out}, "AccessEventsFirehoseRole") for a in as_list(st["Action"])
    }
    assert {"glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"} <= granted


@pytest.mark.parametrize(
    ("parameters", "source"),
    [
        ({"EnableAppEvents": "true"}, "DirectPut"),
        (
            {"AppEventsKinesisStreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/app"},
            "KinesisStreamAsSource",
        ),
    ],
)
def test_app_events_land_partitioned_by_the_day_of_their_at(
    monkeypatch: pytest.MonkeyPatch, parameters: dict[str, str], source: str
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated(**parameters)["Resources"]
    stream = out["AppEventsStream"]
    assert stream["Condition"] == "AppEventsOn"
    assert source in json.dumps(stream["Properties"]["DeliveryStreamType"])
    s3 = stream["Properties"]["ExtendedS3DestinationConfiguration"]
    assert s3["Prefix"] == "app_events/day=!{partitionKeyFromQuery:day}/"
    extraction = s3["ProcessingConfiguration"]["Processors"][0]["Parameters"][0]["ParameterValue"]
    assert extraction == "{day: .at[0:10]}"
    columns = [
        c["Name"] for c in out["AppEventsTable"]["Properties"]["TableInput"]["StorageDescriptor"]["Columns"]
    ]
    documented = [
        line.split("`")[1]
        for line in (TEMPLATE.parent / "docs/app-events.md").read_text().splitlines()
        if line.startswith("| `")
    ]
    assert columns == documented


def test_the_digest_runs_weekly_on_a_cron_in_its_time_zone_with_the_query_permissions_and_its_claim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated(EnableDigest="true")["Resources"]
    assert out["DigestFunction"]["Condition"] == "DigestOn"
    schedule = next(
        r["Properties"]
        for r in out.values()
        if r["Type"] == "AWS::Scheduler::Schedule" and "DigestFunction" in json.dumps(r["Properties"]["Target"])
    )
    # EventBridge Scheduler's cron (minutes hours day-of-month month day-of-week year; "?" where the day of the
    # week is given), evaluated in the parameter's time zone: no hourly wake-up, no due-check in the function
    assert schedule["ScheduleExpression"] == {"Fn::Sub": "cron(0 ${DigestHour} ? * ${DigestDay} *)"}
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "DigestTimezone"}
    assert "<aws.scheduler.scheduled-time>" in schedule["Target"]["Input"]  # a retry claims the week it was due
    environment = out["DigestFunction"]["Properties"]["Environment"]["Variables"]
    assert environment["LOOKOUT_DIGEST_TIMEZONE"] == {"Ref": "DigestTimezone"}  # the claim's week, in that zone
    parameters = yaml_parse(TEMPLATE.read_text())["Parameters"]
    assert (parameters["DigestDay"]["Default"], parameters["DigestHour"]["Default"]) == ("MON", 8)
    assert all(re.fullmatch(parameters["DigestTimezone"]["AllowedPattern"], zone) for zone in TIME_ZONES)
    statements_ = statements({"Resources": out}, "DigestFunctionRole")
    granted = {a for s in statements_ for a in as_list(s["Action"]) if not a.startswith("dynamodb:")}
    slack = {a for s in statements({"Resources": out}, "SlackFunctionRole") for a in as_list(s["Action"])}
    assert granted <= slack - {"lambda:InvokeFunction", "logs:FilterLogEvents"}
    claim = next(s for s in statements_ if s.get("Sid") == "WeeklyClaim")
    assert claim["Resource"] == {"Fn::GetAtt": ["IncidentsTable", "Arn"]}
    assert set(as_list(claim["Action"])) == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }


TIME_ZONES = ("UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "America/Port-au-Prince", "Etc/GMT+5")


def test_alb_logs_are_off_without_a_bucket_and_read_each_new_log_object_with_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated(AlbLogBucketName="my-alb-logs", AlbLogPrefix="prod/")["Resources"]
    for name in ("AlbLogsFunction", "AlbLogsFunctionRole", "AlbLogsFunctionLogGroup", "AlbEventsTable"):
        assert out[name].get("Condition") == "AlbEventsOn", name
    rule = next(
        r["Properties"]
        for r in out.values()
        if r["Type"] == "AWS::Events::Rule" and r["Properties"]["EventPattern"]["source"] == ["aws.s3"]
    )
    assert rule["EventPattern"]["detail-type"] == ["Object Created"]
    assert rule["EventPattern"]["detail"]["bucket"]["name"] == [{"Ref": "AlbLogBucketName"}]
    target = rule["Targets"][0]
    assert "DeadLetterConfig" in target and target["RetryPolicy"]["MaximumRetryAttempts"] == 10
    granted = {
        (a, json.dumps(st["Resource"], sort_keys=True))
        for st in statements({"Resources": out}, "AlbLogsFunctionRole")
        for a in as_list(st["Action"])
    }
    actions = {a for a, _ in granted}
    assert actions == {"s3:GetObject", "s3:PutObject"}  # read the log object, write rows: nothing else
    tables = {
        r["Properties"]["TableInput"]["Name"]: r["Properties"]["TableInput"]
        for r in yaml_parse(TEMPLATE.read_text())["Resources"].values()
        if r["Type"] == "AWS::Glue::Table"
    }
    # /traffic reads either table with the same query
    assert (
        tables["alb_events"]["StorageDescriptor"]["Columns"]
        == tables["access_events"]["StorageDescriptor"]["Columns"]
    )


def test_checks_run_every_minute_with_a_heartbeat_alarm_outside_the_slack_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated()["Resources"]  # on by default: the heartbeat is how Lookout notices its own silence
    schedule = next(
        r["Properties"]
        for r in out.values()
        if r["Type"] == "AWS::Scheduler::Schedule" and "ChecksFunction" in json.dumps(r["Properties"]["Target"])
    )
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert "<aws.scheduler.scheduled-time>" in schedule["Target"]["Input"]
    heartbeat = out["HeartbeatMissingAlarm"]["Properties"]
    assert heartbeat["TreatMissingData"] == "breaching" and heartbeat["MetricName"] == "Heartbeat"
    assert heartbeat["AlarmActions"] == [{"Ref": "OperationsTopic"}]  # never through the topic it watches
    environment = out["ChecksFunction"]["Properties"]["Environment"]["Variables"]
    assert "LOOKOUT_HEARTBEAT_URL" not in environment  # the outside witness's URL lives in the secret
    assert "HeartbeatUrl" not in yaml_parse(TEMPLATE.read_text())["Parameters"]
    secrets = next(s for s in statements({"Resources": out}, "ChecksFunctionRole") if "secretsmanager" in str(s))
    assert "CheckSecretsPrefix" in json.dumps(secrets["Resource"])  # check headers only under the prefix


def test_log_errors_by_account_policy_exclude_the_forwarders_own_group_and_carry_the_pattern_as_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = yaml_parse(TEMPLATE.read_text())
    policy = template["Resources"]["LogErrorsAccountPolicy"]["Properties"]
    assert policy["PolicyType"] == "SUBSCRIPTION_FILTER_POLICY" and policy["Scope"] == "ALL"
    assert 'NOT IN ["/aws/lambda/${LogErrorsFunction}"]' in policy["SelectionCriteria"]["Fn::Sub"]
    # the document is JSON once CloudFormation fills it: evaluate its Join/Split on the default pattern
    text, values = policy["PolicyDocument"]["Fn::Sub"]
    outer = values["Pattern"]["Fn::Join"]
    inner = outer[1][1]["Fn::Join"]
    pattern = template["Parameters"]["LogErrorFilterPattern"]["Default"]
    escaped = outer[0].join([outer[1][0], inner[0].join(pattern.split(inner[1]["Fn::Split"][0])), outer[1][2]])
    document = json.loads(
        text.replace("${Destination}", "arn:aws:lambda:us-east-1:1:function:f:live").replace("${Pattern}", escaped)
    )
    assert document["FilterPattern"] == pattern == '?ERROR ?Exception ?"Task timed out"'
    out = translated(LogErrors="groups", LogErrorGroups="/aws/lambda/a,/aws/lambda/b")["Resources"]
    assert out["LogErrorSubscription1"]["Condition"] == "LogErrorGroup1"
    assert out["LogErrorSubscription1"]["Properties"]["FilterPattern"] == {"Ref": "LogErrorFilterPattern"}
    assert out["LogErrorsInvokePermission"]["Properties"]["Principal"] == "logs.amazonaws.com"


def test_an_operations_address_is_required_and_every_failure_store_and_function_is_watched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    parameters = yaml_parse(TEMPLATE.read_text())["Parameters"]
    assert "Default" not in parameters["OperationsEmail"]  # the deploy refuses to go on without one
    assert re.fullmatch(parameters["OperationsEmail"]["AllowedPattern"], "oncall@example.com")
    assert not re.fullmatch(parameters["OperationsEmail"]["AllowedPattern"], "")
    out = translated(
        EnableDigest="true",
        LogErrors="groups",
        LogErrorGroups="/aws/lambda/a",
        ConfigTableStreamArn=STREAM,
        AccessLogGroupName="/aws/apigateway/x",
        AlbLogBucketName="logs",
    )["Resources"]
    alarms = [r["Properties"] for r in out.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = json.dumps(alarms)
    functions = [k for k, r in out.items() if r["Type"] == "AWS::Lambda::Function"]
    queues = [k for k, r in out.items() if r["Type"] == "AWS::SQS::Queue"]
    for name in functions:  # every function's errors
        assert json.dumps({"Name": "FunctionName", "Value": {"Ref": name}}) in watched, name
    for name in queues:  # every failure and dead-letter queue's depth
        assert json.dumps({"Fn::GetAtt": [name, "QueueName"]}) in watched, name
    for metric in ("AlertsUntracked", "DeadChannel", "Heartbeat"):
        (alarm,) = [a for a in alarms if a["MetricName"] == metric]
        assert alarm["Dimensions"] == [{"Name": "service", "Value": {"Ref": "AWS::StackName"}}]  # per stack
        assert alarm["AlarmActions"] == [{"Ref": "OperationsTopic"}]


def test_the_log_error_forwarder_cannot_starve_alerting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    out = translated(LogErrors="account")["Resources"]
    assert out["LogErrorsFunction"]["Properties"]["ReservedConcurrentExecutions"] == 5
