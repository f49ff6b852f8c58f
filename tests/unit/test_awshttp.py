"""The lean AWS client's pieces checked against botocore itself: SigV4 signatures, the operation table
(protocols, paths, timestamp and blob members), endpoint resolution and when boto3 takes over."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch
from urllib.parse import quote

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import aws
from bot.awshttp import LeanClient, lean_available
from bot.awshttp.client import endpoint_for
from bot.awshttp.operations import SERVICES, snake_to_operation
from bot.awshttp.signing import Credentials, sign

MOMENT = datetime(2026, 11, 26, 9, 30, 15, tzinfo=UTC)


@pytest.mark.parametrize("token", [None, "session-token"])
@pytest.mark.parametrize(
    ("service", "path", "headers"),
    [
        (
            "logs",
            "/",
            {
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "Logs_20140328.FilterLogEvents",
                "User-Agent": "lookout/0.1 (awshttp)",  # not signed, as botocore does not sign it
            },
        ),
        ("xray", "/ServiceGraph", {"Content-Type": "application/json"}),
        ("lambda", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/invocations", {}),
    ],
)
def test_signatures_match_botocore(
    service: str, path: str, headers: dict[str, str], token: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: MOMENT.replace(tzinfo=None))
    body = b'{"logGroupName":"/aws/lambda/orders-api","limit":10}'
    ours = sign(
        Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token),
        method="POST",
        host=f"{service}.eu-west-1.amazonaws.com",
        path=path,
        headers=headers,
        body=body,
        region="eu-west-1",
        service=service,
        now=MOMENT,
    )
    request = AWSRequest(
        method="POST", url=f"https://{service}.eu-west-1.amazonaws.com{path}", data=body, headers=dict(headers)
    )
    signer = SigV4Auth(
        BotocoreCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), service, "eu-west-1"
    )
    signer.add_auth(request)
    assert ours["Authorization"] == request.headers["Authorization"]
    assert ours.get("X-Amz-Security-Token") == request.headers.get("X-Amz-Security-Token")


@settings(max_examples=200, deadline=None)
@given(
    segments=st.lists(
        st.text(min_size=1, max_size=12).filter(lambda t: t not in {".", ".."}), min_size=1, max_size=4
    ),
    values=st.lists(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30), max_size=3),
    body=st.binary(max_size=200),
    region=st.sampled_from(["us-east-1", "eu-central-2", "cn-north-1", "us-gov-west-1"]),
)
def test_any_request_is_signed_as_botocore_signs_it(
    segments: list[str], values: list[str], body: bytes, region: str
) -> None:
    path = "/" + "/".join(quote(segment, safe="-_.~") for segment in segments)
    headers = {f"X-Test-{i}": value for i, value in enumerate(values)}
    credentials = ("AKID", "secret/with+chars", "token")
    ours = sign(
        Credentials(*credentials),
        method="POST",
        host="h.example",
        path=path,
        headers=headers,
        body=body,
        region=region,
        service="logs",
        now=MOMENT,
    )
    request = AWSRequest(method="POST", url=f"https://h.example{path}", data=body, headers=dict(headers))
    with patch("botocore.auth.get_current_datetime", lambda: MOMENT.replace(tzinfo=None)):
        SigV4Auth(BotocoreCredentials(*credentials), "logs", region).add_auth(request)
    assert ours["Authorization"] == request.headers["Authorization"]


def _members(shape: Any, kind: str, path: str = "", seen: frozenset[str] = frozenset()) -> set[str]:
    if shape is None or shape.name in seen:
        return set()
    seen = seen | {shape.name}
    if shape.type_name == kind:
        return {path.lstrip(".")}
    if shape.type_name == "structure":
        return set().union(*(_members(m, kind, f"{path}.{k}", seen) for k, m in shape.members.items()), set())
    if shape.type_name == "list":
        return _members(shape.member, kind, path + "[]", seen)
    return set()  # maps: DynamoDB attribute values, whose binaries Lookout never stores


@pytest.mark.parametrize(
    ("service", "operation"), [(s, o) for s, spec in SERVICES.items() for o in spec.operations]
)
def test_operation_table_matches_the_service_models(service: str, operation: str) -> None:
    model = botocore.session.get_session().get_service_model(service)
    spec, op = SERVICES[service], model.operation_model(operation)
    assert spec.endpoint_prefix == model.endpoint_prefix == (model.signing_name or model.endpoint_prefix)
    assert spec.service_id == model.service_id.upper().replace(" ", "_")
    if spec.target_prefix:
        assert "json" in model.metadata.get("protocols", [model.protocol])
        assert (spec.target_prefix, spec.json_version) == (
            model.metadata["targetPrefix"],
            model.metadata["jsonVersion"],
        )
    else:
        assert model.protocol == "rest-json" and op.http["method"] == "POST"
        assert spec.operations[operation].path == op.http["requestUri"]
    assert set(spec.operations[operation].timestamps) == _members(op.output_shape, "timestamp")
    assert set(spec.operations[operation].blobs) == _members(op.output_shape, "blob")


def test_endpoints_follow_the_sdk_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name, raising=False)
    assert endpoint_for(SERVICES["logs"], "eu-west-1") == "https://logs.eu-west-1.amazonaws.com"
    assert endpoint_for(SERVICES["cloudwatch"], "cn-north-1") == "https://monitoring.cn-north-1.amazonaws.com.cn"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/")
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:9999")
    assert endpoint_for(SERVICES["xray"], "eu-west-1") == "http://127.0.0.1:4566"
    assert endpoint_for(SERVICES["logs"], "eu-west-1") == "http://127.0.0.1:9999"
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert endpoint_for(SERVICES["logs"], "eu-west-1") == "https://logs.eu-west-1.amazonaws.com"


def test_boto3_takes_over_where_the_lean_client_cannot(monkeypatch: pytest.MonkeyPatch) -> None:
    aws.configure(lean=True)
    assert isinstance(aws.client("logs", "us-east-1"), LeanClient)
    assert not isinstance(aws.client("athena", "us-east-1"), LeanClient)  # not a cold-path service
    assert not isinstance(aws.client("logs", "us-iso-east-1"), LeanClient)  # endpoints botocore knows
    for variable, value in (("AWS_USE_FIPS_ENDPOINT", "true"), ("HTTPS_PROXY", "http://proxy:3128")):
        monkeypatch.setenv(variable, value)
        assert not lean_available("logs")
        monkeypatch.delenv(variable)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")  # credentials from a profile or SSO: boto3's chain decides
    assert not lean_available("logs")
    aws.reset()
    assert not isinstance(aws.client("logs", "us-east-1"), LeanClient)


def test_other_operations_go_to_the_boto3_client() -> None:
    made: list[str] = []

    class Fallback:
        def describe_log_groups(self, **kwargs: Any) -> dict[str, Any]:
            return {"logGroups": [], "asked": kwargs}

    def fallback() -> Fallback:
        made.append("boto3")
        return Fallback()

    client: Any = LeanClient("logs", "us-east-1", fallback, credentials=Credentials("a", "b"))
    assert callable(client.filter_log_events) and made == []  # a lean operation: no boto3 client
    assert client.describe_log_groups(limit=1) == {"logGroups": [], "asked": {"limit": 1}}
    client.describe_log_groups()
    assert made == ["boto3"]  # created once, on first use
    assert snake_to_operation("get_metric_data") == "GetMetricData"
