"""Athena on the wire, in the protocols botocore has spoken for it: awsJson1_1 (``X-Amz-Target:
AmazonAthena.<Operation>`` and a JSON body, botocore before 1.44.18) and rest-json (the operation in the method
and path, its members in the path, the query string and a JSON body, botocore 1.44.18 on).

The embedded front reads either into one ``AthenaRequest`` for the stand-in, writes answers and errors back in
the caller's protocol, and re-encodes rest-json calls as awsJson1_1 for moto, whose Athena serves only that
(``POST /`` by ``X-Amz-Target``). Not a general AWS protocol codec: only the bindings Athena's model uses (path
labels, query-string members, headers, a JSON body; no payload members, no status or header members in its
answers). The rpc-v2-cbor protocol botocore has for other services is refused in words, not decoded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from botocore.model import ServiceModel

Protocol = Literal["json", "rest-json"]
Reply = tuple[int, dict[str, str], bytes]

TARGET_PREFIX = "AmazonAthena."  # metadata.targetPrefix of the awsJson1_1 model
JSON_1_1 = "application/x-amz-json-1.1"  # metadata.jsonVersion 1.1
REST_JSON = "application/json"


class UnsupportedProtocol(Exception):
    """An Athena call in a protocol botocore has never used for Athena (say rpc-v2-cbor)."""


@dataclass(frozen=True)
class Member:
    name: str
    """The member's name in the input structure (what boto3 takes, what the JSON body holds)."""
    wire: str
    """Its name in the path template, the query string or the headers (the model's ``locationName``)."""
    kind: str = "string"
    """The model's type: string, integer, long, boolean, list …"""


@dataclass(frozen=True)
class Route:
    """One operation's rest-json binding, as botocore's model states it (``http.method``, ``http.requestUri``
    and the members with a ``location``)."""

    operation: str
    method: str
    uri: str
    labels: tuple[Member, ...] = ()
    query: tuple[Member, ...] = ()
    headers: tuple[Member, ...] = ()

    def path_parameters(self, method: str, path: str) -> dict[str, str] | None:
        """The path members of a request for this operation, or None when it is not one."""
        if method.upper() != self.method:
            return None
        found = _pattern(self.uri).fullmatch(path)
        if found is None:
            return None
        by_wire = {member.wire: member.name for member in self.labels}
        return {
            by_wire.get(label, label): unquote(found.group(index + 1))
            for index, label in enumerate(_labels(self.uri))
        }


_EXECUTION_ID = (Member("QueryExecutionId", "QueryExecutionId"),)
# The operations the embedded stack itself needs (the stand-in's four, and the workgroup the scenario creates and
# the stand-in reads its cutoff from), copied from botocore 1.44.18's data/athena/2017-05-18/service-2.json. They
# let a front running on an older botocore (whose model is awsJson1_1 and binds no paths) still serve a newer
# client — the AWS CLI v2 or another venv against ``make stack``. On botocore 1.44.18 and later every operation's
# route comes from its own model (``routes``).
BUILT_IN_ROUTES = (
    Route("StartQueryExecution", "POST", "/query-executions"),
    Route("GetQueryExecution", "GET", "/query-executions/{QueryExecutionId}", labels=_EXECUTION_ID),
    Route(
        "GetQueryResults",
        "GET",
        "/query-executions/{QueryExecutionId}/results",
        labels=_EXECUTION_ID,
        query=(
            Member("NextToken", "NextToken"),
            Member("MaxResults", "MaxResults", "integer"),
            Member("QueryResultType", "QueryResultType"),
        ),
    ),
    Route("StopQueryExecution", "POST", "/query-executions/{QueryExecutionId}/stop", labels=_EXECUTION_ID),
    Route("CreateWorkGroup", "POST", "/workgroups"),
    Route("GetWorkGroup", "GET", "/workgroups/{WorkGroup}", labels=(Member("WorkGroup", "WorkGroup"),)),
)


@dataclass(frozen=True)
class AthenaRequest:
    operation: str
    params: dict[str, Any]
    protocol: Protocol


def read_request(method: str, path: str, headers: dict[str, str], body: bytes) -> AthenaRequest | None:
    """The Athena operation and parameters of a request in either protocol; None when it names no operation
    this front knows (not Athena's target prefix, or a path no route matches)."""
    if _header(headers, "smithy-protocol"):
        raise UnsupportedProtocol(
            f"the embedded Athena speaks awsJson1_1 and rest-json, the protocols botocore uses for Athena; "
            f"this client sent {_header(headers, 'smithy-protocol')}"
        )
    target = _header(headers, "X-Amz-Target")
    if target:
        if not target.startswith(TARGET_PREFIX):
            return None
        return AthenaRequest(target[len(TARGET_PREFIX) :], _json_object(body), "json")
    parts = urlsplit(path)
    for route in routes():
        labels = route.path_parameters(method, parts.path)
        if labels is None:
            continue
        params = _json_object(body)
        params.update(labels)
        params.update(_query_parameters(route.query, parts.query))
        params.update({m.name: value for m in route.headers if (value := _header(headers, m.wire)) is not None})
        return AthenaRequest(route.operation, params, "rest-json")
    return None


def operation_for(method: str, path: str) -> str | None:
    """The operation a rest-json Athena request is for (what faults and the call log match on)."""
    route = urlsplit(path).path
    return next((r.operation for r in routes() if r.path_parameters(method, route) is not None), None)


def answer(protocol: Protocol, payload: dict[str, Any]) -> Reply:
    """A success in the caller's protocol: the same JSON body either way, under the protocol's content type
    (Athena's outputs bind nothing to headers or the status code)."""
    content_type = JSON_1_1 if protocol == "json" else REST_JSON
    return 200, {"Content-Type": content_type}, json.dumps(payload, default=str).encode()


def error(protocol: Protocol, status: int, code: str, message: str) -> Reply:
    """An error botocore parses into ``ClientError`` with this code and message: awsJson1_1 reads ``__type``
    from the body; rest-json the ``x-amzn-ErrorType`` header first (botocore's ``RestJSONParser``)."""
    body = json.dumps({"__type": code, "Message": message}).encode()  # Athena's error members: Message, …
    if protocol == "json":
        return status, {"Content-Type": JSON_1_1}, body
    return status, {"Content-Type": REST_JSON, "x-amzn-ErrorType": code}, body


def for_moto(request: AthenaRequest, headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """The headers and body of ``request`` as awsJson1_1, the only Athena protocol moto's server routes (it
    dispatches ``POST /`` by ``X-Amz-Target``); the signature headers stay, which moto reads the region from."""
    dropped = {"content-type", "content-length", "x-amz-target"}
    kept = {key: value for key, value in headers.items() if key.lower() not in dropped}
    kept.update({"Content-Type": JSON_1_1, "X-Amz-Target": TARGET_PREFIX + request.operation})
    return kept, json.dumps(request.params, default=str).encode()


def from_moto(protocol: Protocol, reply: Reply) -> Reply:
    """moto's awsJson1_1 answer in the caller's protocol: the body as is, the error code also in the header
    rest-json reads it from."""
    status, headers, body = reply
    if protocol == "json":
        return reply
    kept = {key: value for key, value in headers.items() if key.lower() != "content-type"}
    kept["Content-Type"] = REST_JSON
    if status >= 400:
        code = str(_json_object(body).get("__type") or "")
        if code:
            kept["x-amzn-ErrorType"] = code.split(":", 1)[0].rsplit("#", 1)[-1]
    return status, kept, body


@cache
def routes() -> tuple[Route, ...]:
    """Every Athena operation's rest-json route: botocore's own model when it speaks rest-json, else the built-in
    ones; routes with more literal path segments first, so ``/workgroups/{WorkGroup}/notebooks/list`` wins
    over a label in the same place."""
    by_name = {route.operation: route for route in BUILT_IN_ROUTES}
    if "rest-json" in installed_protocols():
        by_name.update({route.operation: route for route in routes_of(_installed_model())})
    return tuple(sorted(by_name.values(), key=lambda r: (len(_labels(r.uri)), -len(r.uri))))


def installed_protocols() -> tuple[str, ...]:
    """The protocols this botocore's model of Athena lists (``metadata.protocols``, else ``protocol``)."""
    model = _installed_model()
    return tuple(model.metadata.get("protocols") or (model.protocol,))


@cache
def _installed_model() -> ServiceModel:
    from botocore.session import get_session

    return get_session().get_service_model("athena")


def routes_of(model: ServiceModel) -> tuple[Route, ...]:
    """The rest-json routes a service model states (its ``http`` and its input members' ``location``)."""
    found = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        members = operation.input_shape.members if operation.input_shape is not None else {}
        bound: dict[str, list[Member]] = {"uri": [], "querystring": [], "header": []}
        for member_name, shape in members.items():
            location = shape.serialization.get("location")
            if location in bound:
                wire = shape.serialization.get("name", member_name)
                bound[location].append(Member(member_name, wire, shape.type_name))
        found.append(
            Route(
                name,
                str(operation.http.get("method", "POST")).upper(),
                str(operation.http.get("requestUri", "/")).split("?", 1)[0],
                labels=tuple(bound["uri"]),
                query=tuple(bound["querystring"]),
                headers=tuple(bound["header"]),
            )
        )
    return tuple(found)


def _query_parameters(members: tuple[Member, ...], query: str) -> dict[str, Any]:
    """Query-string members as the JSON body would hold them: numbers and booleans typed, lists whole (botocore
    writes ``str(value).lower()`` for booleans and repeats the key for a list)."""
    values = parse_qs(query, keep_blank_values=True)
    params: dict[str, Any] = {}
    for member in members:
        if member.wire not in values:
            continue
        given = values[member.wire]
        if member.kind == "list":
            params[member.name] = given
        elif member.kind in ("integer", "long"):
            params[member.name] = int(given[0])
        elif member.kind in ("float", "double"):
            params[member.name] = float(given[0])
        elif member.kind == "boolean":
            params[member.name] = given[0] == "true"
        else:
            params[member.name] = given[0]
    return params


@cache
def _pattern(uri: str) -> re.Pattern[str]:
    """A ``requestUri`` template as a pattern over the raw (still percent-encoded) path: ``{Label}`` is one
    segment, ``{Label+}`` (greedy) the rest."""
    pattern = ""
    for literal, label in re.findall(r"([^{]*)(?:\{([^}]+)\})?", uri):
        pattern += re.escape(literal)
        if label:
            pattern += "(.+)" if label.endswith("+") else "([^/]+)"
    return re.compile(pattern)


def _labels(uri: str) -> list[str]:
    return [label.rstrip("+") for label in re.findall(r"\{([^}]+)\}", uri)]


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _json_object(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    parsed = json.loads(body)
    return parsed if isinstance(parsed, dict) else {}
