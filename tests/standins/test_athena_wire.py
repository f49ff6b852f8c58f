"""Athena on the embedded front in each protocol botocore has spoken for it: awsJson1_1 (before 1.44.18) and
rest-json (1.44.18 on), through real boto3 clients whatever botocore this venv has. Each client is built from
this botocore's own Athena model with the other protocol's metadata and bindings written in, loaded through
botocore's documented ``data_path`` (``AWS_DATA_PATH``), so both wire shapes run in every venv. The metadata and
bindings below are copied from botocore's ``data/athena/2017-05-18/service-2.json``: 1.44.8 for awsJson1_1,
1.44.18 for rest-json; the first test checks them against the installed botocore.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.athena.wire import BUILT_IN_ROUTES
from local.aws_front import AwsFault
from local.stack import REGION, EmbeddedStack

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

API_VERSION = "2017-05-18"
JSON_METADATA = {"protocol": "json", "protocols": ["json"], "jsonVersion": "1.1", "targetPrefix": "AmazonAthena"}
REST_JSON_METADATA = {"protocol": "rest-json", "protocols": ["rest-json"]}
CBOR_METADATA = {
    "protocol": "smithy-rpc-v2-cbor",
    "protocols": ["smithy-rpc-v2-cbor"],
    "targetPrefix": "AmazonAthena",
}
REST_BINDINGS: dict[str, tuple[str, str, dict[str, str]]] = {
    # operation: (http.method, http.requestUri, {input member: location})
    "StartQueryExecution": ("POST", "/query-executions", {}),
    "GetQueryExecution": ("GET", "/query-executions/{QueryExecutionId}", {"QueryExecutionId": "uri"}),
    "GetQueryResults": (
        "GET",
        "/query-executions/{QueryExecutionId}/results",
        {
            "QueryExecutionId": "uri",
            "NextToken": "querystring",
            "MaxResults": "querystring",
            "QueryResultType": "querystring",
        },
    ),
    "StopQueryExecution": ("POST", "/query-executions/{QueryExecutionId}/stop", {"QueryExecutionId": "uri"}),
    "CreateWorkGroup": ("POST", "/workgroups", {}),
    "GetWorkGroup": ("GET", "/workgroups/{WorkGroup}", {"WorkGroup": "uri"}),
}
CUSTOMERS = (
    "SELECT customer, n FROM (VALUES ('acme', 1), ('globex', 2), ('initech', 3)) AS t(customer, n) WHERE n >= ?"
)
PROTOCOLS = ["json", "rest-json"]


def installed_model() -> dict[str, Any]:
    return dict(
        botocore.session.get_session().get_component("data_loader").load_service_model("athena", "service-2")
    )


def model_in(protocol: str) -> dict[str, Any]:
    """This botocore's Athena model, spoken in ``protocol``."""
    model = copy.deepcopy(installed_model())
    for key in ("protocol", "protocols", "jsonVersion", "targetPrefix"):
        model["metadata"].pop(key, None)
    model["metadata"].update(
        {"json": JSON_METADATA, "rest-json": REST_JSON_METADATA, "smithy-rpc-v2-cbor": CBOR_METADATA}[protocol]
    )
    for name, operation in model["operations"].items():
        members = model["shapes"][operation["input"]["shape"]]["members"] if "input" in operation else {}
        if protocol == "rest-json" and name in REST_BINDINGS:
            method, uri, locations = REST_BINDINGS[name]
            operation["http"] = {"method": method, "requestUri": uri}
            for member, location in locations.items():
                members[member].update({"location": location, "locationName": member})
        elif protocol != "rest-json":  # the RPC protocols: every call a POST to one path, every member in the body
            operation["http"] = {"method": "POST", "requestUri": "/"}
            for member in members.values():
                member.pop("location", None)
                member.pop("locationName", None)
    return model


@pytest.fixture(scope="module")
def stack() -> Iterator[EmbeddedStack]:
    with EmbeddedStack() as running:
        yield running


@pytest.fixture(scope="module")
def sent() -> list[tuple[str, str, str]]:
    """What the clients put on the wire: (method, path, X-Amz-Target or "")."""
    return []


def client_in(protocol: str, stack: EmbeddedStack, root: Path, sent: list[tuple[str, str, str]]) -> Any:
    folder = root / "athena" / API_VERSION
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "service-2.json").write_text(json.dumps(model_in(protocol)))
    session = botocore.session.get_session()
    session.set_config_variable("data_path", str(root))
    client = boto3.Session(botocore_session=session).client(
        "athena",
        region_name=REGION,
        endpoint_url=stack.aws.url,
        aws_access_key_id="embedded",
        aws_secret_access_key="embedded",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),  # a fault is seen, not retried
    )
    assert client.meta.service_model.protocol == protocol

    def record(request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target") or b""
        sent.append(
            (request.method, urlsplit(request.url).path, target.decode() if isinstance(target, bytes) else target)
        )

    client.meta.events.register("before-send.athena", record)
    return client


@pytest.fixture(scope="module", params=PROTOCOLS)
def athena(
    request: pytest.FixtureRequest,
    stack: EmbeddedStack,
    tmp_path_factory: pytest.TempPathFactory,
    sent: list[tuple[str, str, str]],
) -> Any:
    return client_in(request.param, stack, tmp_path_factory.mktemp(request.param), sent)


def wait(athena: Any, query_id: str) -> dict[str, Any]:
    for _ in range(10):
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] not in ("QUEUED", "RUNNING"):
            return dict(execution)
    raise AssertionError(f"{query_id} still running")


def test_copied_metadata_and_bindings_are_botocores() -> None:
    # GIVEN this venv's botocore model WHEN it speaks one of the two protocols THEN our copy of it says the same
    model = installed_model()
    if model["metadata"]["protocol"] == "json":
        assert {key: model["metadata"].get(key) for key in JSON_METADATA} == JSON_METADATA
        return
    assert {key: model["metadata"].get(key) for key in REST_JSON_METADATA} == REST_JSON_METADATA
    for name, (method, uri, locations) in REST_BINDINGS.items():
        operation = model["operations"][name]
        members = model["shapes"][operation["input"]["shape"]]["members"]
        assert (operation["http"]["method"], operation["http"]["requestUri"]) == (method, uri)
        assert {m: v["location"] for m, v in members.items() if "location" in v} == locations
        assert all(v.get("locationName", m) == m for m, v in members.items())


def test_the_fronts_own_routes_are_botocores() -> None:
    # GIVEN the routes the front keeps for a botocore whose model binds no paths THEN they are 1.44.18's
    assert {
        route.operation: (
            route.method,
            route.uri,
            {m.name: "uri" for m in route.labels} | {m.name: "querystring" for m in route.query},
        )
        for route in BUILT_IN_ROUTES
    } == REST_BINDINGS


def test_start_poll_and_page_through_results(athena: Any, sent: list[tuple[str, str, str]]) -> None:
    protocol = athena.meta.service_model.protocol
    workgroup = f"wire-{protocol}"
    athena.create_work_group(Name=workgroup, Configuration={"BytesScannedCutoffPerQuery": 10 * 1024**3})
    sent.clear()

    query_id = athena.start_query_execution(
        QueryString=CUSTOMERS,
        WorkGroup=workgroup,
        ExecutionParameters=["2"],
        ClientRequestToken=f"wire-round-trip-{protocol}".ljust(32, "0"),
    )["QueryExecutionId"]
    execution = wait(athena, query_id)
    rows, token, pages = [], None, 0
    while True:
        page = athena.get_query_results(
            QueryExecutionId=query_id, MaxResults=2, **({"NextToken": token} if token else {})
        )
        rows += [[cell.get("VarCharValue") for cell in row["Data"]] for row in page["ResultSet"]["Rows"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break

    assert execution["Status"]["State"] == "SUCCEEDED" and execution["WorkGroup"] == workgroup
    assert execution["ExecutionParameters"] == ["2"]
    assert rows == [["customer", "n"], ["globex", "2"], ["initech", "3"]] and pages == 2
    assert page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"][1]["Type"] == "integer"
    if protocol == "json":
        assert {(method, path) for method, path, _ in sent} == {("POST", "/")}
        assert [target for *_, target in sent][0] == "AmazonAthena.StartQueryExecution"
    else:
        assert sent[0] == ("POST", "/query-executions", "")
        assert sent[1] == ("GET", f"/query-executions/{query_id}", "")
        assert sent[-1] == ("GET", f"/query-executions/{query_id}/results", "")


def test_stop_cancels_a_queued_query(athena: Any) -> None:
    query_id = athena.start_query_execution(QueryString="SELECT 1 AS one")["QueryExecutionId"]

    athena.stop_query_execution(QueryExecutionId=query_id)

    status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
    assert status["State"] == "CANCELLED" and status["StateChangeReason"] == "Query cancelled by user"


def test_unknown_execution_is_an_invalid_request(athena: Any) -> None:
    with pytest.raises(ClientError) as raised:
        athena.get_query_execution(QueryExecutionId="00000000-0000-0000-0000-000000000000")

    error = raised.value.response
    assert error["Error"]["Code"] == "InvalidRequestException"
    assert error["Error"]["Message"] == "QueryExecution 00000000-0000-0000-0000-000000000000 was not found"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_results_before_the_query_finished_are_an_invalid_request(athena: Any) -> None:
    query_id = athena.start_query_execution(QueryString="SELECT 1 AS one")["QueryExecutionId"]

    with pytest.raises(ClientError) as raised:
        athena.get_query_results(QueryExecutionId=query_id)

    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    assert raised.value.response["Error"]["Message"] == "Query has not yet finished. Current state: QUEUED"


def test_a_workgroup_created_twice_is_an_invalid_request(athena: Any) -> None:
    # GIVEN a workgroup (moto's, or the front's when moto cannot serve this botocore's Athena)
    name = f"twice-{athena.meta.service_model.protocol}"
    athena.create_work_group(Name=name)

    with pytest.raises(ClientError) as raised:
        athena.create_work_group(Name=name)

    assert raised.value.response["Error"]["Code"] == "InvalidRequestException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_fault_matches_the_operation_in_either_protocol(athena: Any, stack: EmbeddedStack) -> None:
    query_id = athena.start_query_execution(QueryString="SELECT 1 AS one")["QueryExecutionId"]
    stack.aws.fail(AwsFault("athena", "GetQueryExecution", status=400, code="ThrottlingException", times=1))

    with pytest.raises(ClientError) as raised:
        athena.get_query_execution(QueryExecutionId=query_id)

    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"] == "RUNNING"


def test_the_stand_ins_own_workgroup_reads_are_not_the_bots_calls(athena: Any, stack: EmbeddedStack) -> None:
    # GIVEN a fault on every Athena call WHEN the bot's start reads the workgroup's cutoff THEN only the bot's
    # own call fails, and the call log holds only it
    workgroup = f"cutoff-{athena.meta.service_model.protocol}"
    athena.create_work_group(Name=workgroup, Configuration={"BytesScannedCutoffPerQuery": 10 * 1024**3})
    stack.aws.calls.clear()
    stack.aws.fail(AwsFault("athena", "GetWorkGroup", status=500, code="InternalFailure"))
    try:
        query_id = athena.start_query_execution(QueryString="SELECT 1 AS one", WorkGroup=workgroup)[
            "QueryExecutionId"
        ]
    finally:
        stack.aws.clear_faults()

    assert wait(athena, query_id)["Status"]["State"] == "SUCCEEDED"
    assert ("athena", "GetWorkGroup") not in stack.aws.calls


def test_a_protocol_botocore_never_used_for_athena_gets_a_clear_error(
    stack: EmbeddedStack, tmp_path: Path, sent: list[tuple[str, str, str]]
) -> None:
    # GIVEN a client whose model says rpc-v2-cbor (no botocore release does, for Athena)
    cbor = client_in("smithy-rpc-v2-cbor", stack, tmp_path, sent)

    with pytest.raises(ClientError) as raised:
        cbor.start_query_execution(QueryString="SELECT 1 AS one")

    # THEN the front says so in the caller's protocol instead of forwarding to moto's bare 404
    assert raised.value.response["Error"]["Code"] == "NotImplemented"
    assert "rpc-v2-cbor" in raised.value.response["Error"]["Message"]
