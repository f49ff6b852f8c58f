"""One naming scheme for both sides of the ledger: a change is filed under the names the alarm's dimensions and
X-Ray's service graph give the resource, so the card finds a change to the alarmed resource and to its
neighbours by what it already knows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.alarms import MetricRef
from bot.changes import resources
from bot.changes.model import short_principal
from bot.table_keys import CHANGE_RESOURCE_CHARS, change, change_state

XRAY = Path(__file__).resolve().parents[1] / "fixtures" / "aws"


def test_an_alarms_metrics_name_its_resources() -> None:
    metrics = [
        MetricRef("AWS/Lambda", "Errors", (("FunctionName", "orders-api"), ("Resource", "orders-api:live"))),
        MetricRef("AWS/ApiGateway", "5XXError", (("ApiName", "orders"), ("Stage", "prod"))),
        MetricRef("AWS/ApiGateway", "5xx", (("ApiId", "a1b2c3d4e5"), ("Stage", "$default"))),
        MetricRef("AWS/DynamoDB", "ThrottledRequests", (("TableName", "Music"), ("Operation", "PutItem"))),
        MetricRef("AWS/ECS", "CPUUtilization", (("ClusterName", "default"), ("ServiceName", "web"))),
        MetricRef("AWS/Lambda", "Throttles", (("FunctionName", "orders-api"),)),
        MetricRef("Custom/App", "Latency", (("Service", "orders"),)),
    ]
    assert resources.of_metrics(metrics) == [
        "lambda:orders-api",
        "apigateway:orders",
        "apigateway:a1b2c3d4e5",
        "dynamodb:Music",
        "ecs:web",
    ]


def test_xray_nodes_name_their_resources() -> None:
    # GIVEN the X-Ray Developer Guide's service graph: an Elastic Beanstalk app, its DynamoDB table, SNS
    graph = json.loads((XRAY / "xray_devguide_service_graph.json").read_text())
    keys = resources.of_nodes(graph["response"]["Services"])
    assert keys == ["dynamodb:awseb-e-dixzws4s9p-stack-StartupSignupsTable-4IMSMHAYX2BA"]
    assert resources.of_node({"Name": "orders/prod", "Type": "AWS::ApiGateway::Stage"}) == "apigateway:orders"
    assert resources.of_node({"Name": "orders-api", "Type": "AWS::Lambda::Function"}) == "lambda:orders-api"
    assert resources.of_node({"Name": "orders-api", "Type": "client"}) is None


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("lambda:orders-api", "orders-api"),
        ("dynamodb:Music", "Music"),
        ("apigateway:67ge356u6d", "67ge356u6d"),  # CloudTrail names a REST API by its id
        ("apigateway:orders", None),  # an ApiName: CloudTrail cannot be searched by it
        ("account:123456789012", None),
        ("ssm:/app/flags", "/app/flags"),
    ],
)
def test_what_cloudtrail_can_be_searched_by(key: str, name: str | None) -> None:
    assert resources.lookup_name(key) == name


def test_the_ledgers_keys() -> None:
    assert change("lambda:orders-api", 499_000) == "change#lambda:orders-api#499000"
    assert change_state("lambda:orders-api") == "change-state#lambda:orders-api"
    long = "ssm:/" + "a" * CHANGE_RESOURCE_CHARS
    assert change(long, 1).startswith("change#sha256:") and len(change(long, 1)) < 100


@pytest.mark.parametrize(
    ("arn", "short"),
    [
        ("arn:aws:sts::123456789012:assumed-role/deploy-role/gha-run-42", "deploy-role/gha-run-42"),
        ("arn:aws:iam::123456789012:user/ana", "user/ana"),
        ("arn:aws:iam::123456789012:root", "root"),
        ("cloudformation.amazonaws.com", "cloudformation.amazonaws.com"),
        ("", ""),
    ],
)
def test_who_in_short(arn: str, short: str) -> None:
    assert short_principal(arn) == short
