"""The embedded AWS endpoint: an HTTP front on loopback that answers X-Ray, ``FilterLogEvents``, Logs Insights,
Athena queries and CloudTrail's ``LookupEvents`` with our stand-ins and forwards every other call to moto's server,
unchanged. Athena is read and
answered in the protocol the caller's botocore speaks, awsJson1_1 or rest-json (``local.athena.wire``); its other
calls go to moto as awsJson1_1, or, where moto cannot serve this botocore's Athena, the front keeps the workgroups
the stack needs. It can be told to fail.

The bot reaches it only through ``AWS_ENDPOINT_URL``, like any AWS endpoint.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from local.athena import wire as athena_wire
from local.athena.standin import AthenaStandIn
from local.cloudtrail.standin import RECORDS_PATH, CloudTrailError, CloudTrailStandIn
from local.insights.lang import MalformedQuery
from local.insights.standin import InsightsStandIn
from local.lambda_runtime import LocalFunctions
from local.logs.patterns import PatternError, compile_pattern
from local.servers import POLL_S
from local.xray.filter import FilterError
from local.xray.standin import XRayStandIn

XRAY_PATHS = {
    "/ServiceGraph": "GetServiceGraph",
    "/TraceSummaries": "GetTraceSummaries",
    "/TraceSegments": "PutTraceSegments",
    "/Traces": "BatchGetTraces",
}
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
SUMMARIES_PAGE = 50
INSIGHTS_OPERATIONS = {"StartQuery", "GetQueryResults", "StopQuery", "DescribeQueries"}
ATHENA_OPERATIONS = {"StartQueryExecution", "GetQueryExecution", "GetQueryResults", "StopQueryExecution"}
ATHENA_WORKGROUP_OPERATIONS = {"CreateWorkGroup", "GetWorkGroup"}
"""What the stack itself asks of Athena besides queries: the scenario creates Lookout's workgroup, the stand-in
reads its cutoff. moto serves them while it can serve Athena at all (``_moto_serves_athena``), the front after."""
INTERNAL_AGENT = "lookout-embedded-front"
"""In the User-Agent of the stand-ins' own calls through this front: no fault, no entry in the call log."""


@dataclass
class AwsFault:
    """Fail (or slow down) matching calls: ``service`` as in the signature (xray, logs, monitoring, …)."""

    service: str
    operation: str | None = None
    status: int = 500
    code: str = "InternalFailure"
    delay_s: float = 0.0
    times: int | None = None

    def matches(self, service: str, operation: str) -> bool:
        return self.service in ("*", service) and self.operation in (None, operation) and self.times != 0


@dataclass
class Call:
    service: str
    operation: str
    region: str
    headers: dict[str, str]
    body: bytes
    path_name: str = ""
    """The resource named in a REST path (a Lambda function name or ARN)."""
    method: str = "POST"
    path: str = "/"


class AwsFront:
    def __init__(self, moto_url: str) -> None:
        self.moto = urlsplit(moto_url)
        self.moto_url = moto_url
        self.xray = XRayStandIn()
        self.functions = LocalFunctions()
        self.sink_invocations = False
        self.insights = InsightsStandIn(self._moto_events)
        self.athena = AthenaStandIn(self._moto_client)
        self.cloudtrail = CloudTrailStandIn()
        """The embedded world's management events: ``.record(records)``, or posted to ``RECORDS_PATH``."""
        self.workgroups: dict[tuple[str, str], dict[str, Any]] = {}
        self.faults: list[AwsFault] = []
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._atomic = threading.Lock()  # DynamoDB's calls, one at a time (``forward``)
        self._moto_clients: dict[str, Any] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(POLL_S,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, *faults: AwsFault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def fault_for(self, call: Call) -> AwsFault | None:
        with self._lock:
            self.calls.append((call.service, call.operation))
            for fault in self.faults:
                if fault.matches(call.service, call.operation):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    # --- stand-in answers -----------------------------------------------------------------------------

    def answer(self, call: Call) -> tuple[int, dict[str, str], bytes] | None:
        """Our own answer for calls moto cannot serve faithfully; None forwards the call to moto."""
        try:
            if call.method == "POST" and urlsplit(call.path).path == RECORDS_PATH:
                return self._record_trail(call)
            if call.service == "cloudtrail" and call.operation == "LookupEvents":
                return _json(
                    200,
                    self.cloudtrail.lookup_events(call.region, json.loads(call.body or b"{}")),
                    "application/x-amz-json-1.1",
                )
            if call.service == "lambda" and call.operation == "Invoke" and self.functions.find(call.path_name):
                return self._invoke(call)
            if call.service == "lambda" and call.operation == "Invoke" and self.sink_invocations:
                return 202, {"Content-Type": "application/json"}, b""  # accepted, run nowhere (benchmarks)
            if call.service == "xray" and call.operation in {
                "GetServiceGraph",
                "GetTraceSummaries",
                "PutTraceSegments",
            }:
                return _json(200, self._xray(call.operation, json.loads(call.body or b"{}")))
            if call.service == "logs" and call.operation == "FilterLogEvents":
                return _json(200, self._filter_log_events(call.region, json.loads(call.body or b"{}")))
            if call.service == "logs" and call.operation in INSIGHTS_OPERATIONS:
                return _json(200, self._insights(call))
            if call.service == "athena":
                return self._athena(call)
        except CloudTrailError as exc:
            return error_response(call, 400, exc.code, exc.message)
        except FilterError as exc:
            return error_response(call, 400, "InvalidRequestException", str(exc))
        except PatternError as exc:
            return error_response(call, 400, "InvalidParameterException", str(exc))
        except MalformedQuery as exc:
            return error_response(call, 400, "MalformedQueryException", str(exc))
        except LookupError as exc:
            return error_response(call, 400, "ResourceNotFoundException", str(exc).strip("'\""))
        return None

    def _record_trail(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        """A CloudTrail log file's records (``{"Records": [...]}``) into the CloudTrail stand-in."""
        try:
            records = json.loads(call.body or b"{}")["Records"]
            kept = self.cloudtrail.record(records)
        except (ValueError, KeyError, TypeError) as exc:
            return _json(400, {"message": f"not a CloudTrail log file: {exc}"})
        return _json(200, {"recorded": kept})

    def _invoke(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        asynchronous = (
            call.headers.get("X-Amz-Invocation-Type") or call.headers.get("x-amz-invocation-type")
        ) == "Event"
        answer = self.functions.invoke(call.path_name, call.body, asynchronous)
        if asynchronous:
            return 202, {"Content-Type": "application/json"}, b""
        return (
            200,
            {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST"},
            json.dumps(answer).encode(),
        )

    def _insights(self, call: Call) -> dict[str, Any]:
        request = json.loads(call.body or b"{}")
        if call.operation == "StartQuery":
            return self.insights.start_query(call.region, request)
        if call.operation == "GetQueryResults":
            return self.insights.get_query_results(request)
        if call.operation == "StopQuery":
            return self.insights.stop_query(request)
        return self.insights.describe_queries(request)

    def _athena(self, call: Call) -> tuple[int, dict[str, str], bytes] | None:
        """The stand-in's operations in whichever protocol the caller's botocore speaks. Any other call: to moto
        (None: forward unchanged in awsJson1_1; rest-json re-encoded) or, when moto cannot serve Athena with this
        botocore, answered here."""
        try:
            request = athena_wire.read_request(call.method, call.path, call.headers, call.body)
        except athena_wire.UnsupportedProtocol as exc:
            return error_response(call, 501, "NotImplemented", str(exc))
        except ValueError as exc:
            return error_response(call, 400, "SerializationException", f"the request cannot be read: {exc}")
        if request is None:
            if call.headers.get("X-Amz-Target") or call.headers.get("x-amz-target"):
                return None
            from botocore import __version__

            return athena_wire.error(
                "rest-json",
                404,
                "UnknownOperationException",
                f"no Athena operation is {call.method} {urlsplit(call.path).path} in the embedded stack's "
                f"botocore {__version__}; run the stack with the client's botocore",
            )
        if request.operation in ATHENA_OPERATIONS:
            return self._athena_standin(call.region, request)
        if not _moto_serves_athena():
            return self._athena_without_moto(call.region, request)
        if request.protocol == "json":
            return None
        headers, body = athena_wire.for_moto(request, call.headers)
        return athena_wire.from_moto(request.protocol, self.forward("POST", "/", headers, body))

    def _athena_standin(
        self, region: str, request: athena_wire.AthenaRequest
    ) -> tuple[int, dict[str, str], bytes]:
        params = request.params
        handler = {
            "StartQueryExecution": lambda: self.athena.start_query_execution(region, params),
            "GetQueryExecution": lambda: self.athena.get_query_execution(params),
            "GetQueryResults": lambda: self.athena.get_query_results(params),
            "StopQueryExecution": lambda: self.athena.stop_query_execution(params),
        }[request.operation]
        try:
            return athena_wire.answer(request.protocol, handler())
        except ValueError as exc:
            return athena_wire.error(request.protocol, 400, "InvalidRequestException", str(exc))

    def _athena_without_moto(
        self, region: str, request: athena_wire.AthenaRequest
    ) -> tuple[int, dict[str, str], bytes]:
        """The workgroups the stack needs, kept here when moto cannot serve Athena; any other operation a clear
        error rather than moto's bare 404."""
        name = str(request.params.get("WorkGroup") or request.params.get("Name") or "")
        with self._lock:
            self.workgroups.setdefault((region, "primary"), _workgroup("primary", {}))
            known = self.workgroups.get((region, name))
            if request.operation == "CreateWorkGroup" and known is None:
                config = dict(request.params.get("Configuration") or {})
                self.workgroups[region, name] = _workgroup(name, config, request.params.get("Description"))
                return athena_wire.answer(request.protocol, {})
        if request.operation == "CreateWorkGroup":
            return athena_wire.error(
                request.protocol, 400, "InvalidRequestException", f"WorkGroup {name} is already created"
            )
        if request.operation == "GetWorkGroup" and known is not None:
            return athena_wire.answer(request.protocol, {"WorkGroup": known})
        if request.operation == "GetWorkGroup":
            return athena_wire.error(
                request.protocol, 400, "InvalidRequestException", f"WorkGroup {name} is not found."
            )
        from botocore import __version__ as botocore_version
        from moto import __version__ as moto_version

        return athena_wire.error(
            request.protocol,
            501,
            "NotImplemented",
            f"the embedded stack cannot serve Athena {request.operation}: moto {moto_version} serves Athena in "
            f"awsJson1_1 only and routes by botocore's model, rest-json in botocore {botocore_version}; the stack "
            f"itself answers {', '.join(sorted(ATHENA_OPERATIONS | ATHENA_WORKGROUP_OPERATIONS))}",
        )

    def _moto_client(self, region: str, service: str) -> Any:
        with self._lock:
            key = f"{region}/{service}"
            if key not in self._moto_clients:
                import boto3
                from botocore.config import Config

                # the stand-in's own Athena calls (its workgroup's cutoff) go through this front, which speaks
                # this botocore's protocol to moto, or answers them itself where moto cannot (_moto_serves_athena)
                through_front = service == "athena"
                make: Any = boto3.client
                self._moto_clients[key] = make(
                    service,
                    region_name=region,
                    endpoint_url=self.url if through_front else self.moto_url,
                    aws_access_key_id="embedded",
                    aws_secret_access_key="embedded",
                    config=Config(user_agent_extra=INTERNAL_AGENT),
                )
            return self._moto_clients[key]

    def _moto_events(self, region: str, group: str, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Every event of a log group in a window, read from moto page by page."""
        return self._moto_log_events(region, {"logGroupName": group, "startTime": start_ms, "endTime": end_ms})

    def _moto_log_events(self, region: str, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Every event moto's FilterLogEvents returns for ``query`` (no pattern), all pages."""
        from botocore.exceptions import ClientError

        logs = self._moto_client(region, "logs")
        events: list[dict[str, Any]] = []
        token = None
        while True:
            try:
                page = logs.filter_log_events(**query, **({"nextToken": token} if token else {}))
            except ClientError as exc:
                if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                    group = query.get("logGroupName") or query.get("logGroupIdentifier")
                    raise LookupError(f"log group {group} does not exist") from None
                raise
            events.extend(page.get("events", []))
            token = page.get("nextToken")
            if not token:
                return events

    def _xray(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        if operation == "PutTraceSegments":
            return self.xray.put_trace_segments(request.get("TraceSegmentDocuments") or [])
        start, end = float(request["StartTime"]), float(request["EndTime"])
        if operation == "GetServiceGraph":
            return self.xray.service_graph(start, end)
        summaries = self.xray.trace_summaries(start, end, request.get("FilterExpression"))
        offset = int(request.get("NextToken") or 0)
        page: dict[str, Any] = {
            "TraceSummaries": summaries[offset : offset + SUMMARIES_PAGE],
            "ApproximateTime": end,
            "TracesProcessedCount": len(summaries),
        }
        if offset + SUMMARIES_PAGE < len(summaries):
            page["NextToken"] = str(offset + SUMMARIES_PAGE)
        return page

    def _filter_log_events(self, region: str, request: dict[str, Any]) -> dict[str, Any]:
        match = compile_pattern(request.get("filterPattern"))
        query = {k: v for k, v in request.items() if k not in {"filterPattern", "nextToken", "limit"}}
        events = [e for e in self._moto_log_events(region, query) if match(e.get("message", ""))]
        events.sort(key=lambda e: (e.get("timestamp", 0), e.get("eventId", "")))
        offset = int(str(request.get("nextToken") or "lookout-0").rsplit("-", 1)[-1])
        limit = int(request.get("limit") or 10_000)
        answer: dict[str, Any] = {"events": events[offset : offset + limit], "searchedLogStreams": []}
        if offset + limit < len(events):
            answer["nextToken"] = f"lookout-{offset + limit}"
        return answer

    def forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes, *, atomic: bool = False
    ) -> tuple[int, dict[str, str], bytes]:
        """The call answered by moto's server. ``atomic``: one at a time — DynamoDB applies each conditional
        write and ``ADD`` atomically; moto's threaded server does not, so concurrent callers (the forwarder
        counts 16 kinds at once) could both pass a condition that only one may pass."""
        if atomic:
            with self._atomic:
                return self._forward(method, path, headers, body)
        return self._forward(method, path, headers, body)

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.moto.hostname or "127.0.0.1", self.moto.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in {"transfer-encoding", "connection", "content-length"}
            }
            return response.status, kept, data
        finally:
            connection.close()


def _moto_serves_athena() -> bool:
    """moto 5.2 routes and parses a request by botocore's own model of the service, and its Athena answers only
    ``POST /`` (awsJson1_1): it serves Athena while this botocore's model still lists that protocol (before
    1.44.18), in neither protocol after."""
    return "json" in athena_wire.installed_protocols()


def _workgroup(name: str, configuration: dict[str, Any], description: Any = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "Name": name,
        "State": "ENABLED",
        "Configuration": configuration,
        "CreationTime": time.time(),
    }
    if description:
        answer["Description"] = str(description)
    return answer


def describe(method: str, path: str, headers: dict[str, str], body: bytes) -> Call:
    """Which service, operation and region a signed AWS request is for."""
    scope = _SCOPE.search(headers.get("Authorization", "") or headers.get("authorization", ""))
    region, service = scope.groups() if scope else ("us-east-1", "unknown")
    target = headers.get("X-Amz-Target") or headers.get("x-amz-target")
    route = urlsplit(path).path
    if target:
        operation = target.rsplit(".", 1)[-1]
    elif "/operation/" in route:
        operation = route.rsplit("/", 1)[-1]
    elif service == "athena":  # rest-json since botocore 1.44.18: the operation is in the method and path
        operation = athena_wire.operation_for(method, route) or "unknown"
    elif route in XRAY_PATHS:
        operation = XRAY_PATHS[route]
    elif service == "lambda" and route.endswith("/invocations"):
        operation = "Invoke"
    else:
        form = parse_qs(body.decode("utf-8", "replace")) if method == "POST" else parse_qs(urlsplit(path).query)
        operation = (form.get("Action") or ["unknown"])[0]
    parts = route.split("/")
    path_name = unquote(parts[3]) if len(parts) > 3 and parts[2] == "functions" else ""
    return Call(
        service=service,
        operation=operation,
        region=region,
        headers=headers,
        body=body,
        path_name=path_name,
        method=method,
        path=path,
    )


def error_response(call: Call, status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """An AWS error in the protocol the caller speaks (JSON, REST-JSON, RPCv2 CBOR or query XML)."""
    content_type = (call.headers.get("Content-Type") or call.headers.get("content-type") or "").lower()
    if "cbor" in content_type or call.headers.get("smithy-protocol"):
        return (
            status,
            {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
            _cbor({"__type": code, "message": message}),
        )
    if "x-amz-json" in content_type:
        return _json(status, {"__type": code, "message": message}, "application/x-amz-json-1.1")
    if "x-www-form-urlencoded" in content_type:
        xml = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>embedded</RequestId></ErrorResponse>"
        )
        return status, {"Content-Type": "text/xml"}, xml.encode()
    status, headers, body = _json(status, {"message": message})
    return status, {**headers, "x-amzn-ErrorType": code}, body


def _json(
    status: int, payload: dict[str, Any], content_type: str = "application/json"
) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": content_type}, json.dumps(payload, default=str).encode()


def _cbor(payload: dict[str, str]) -> bytes:
    """Just enough CBOR for an error body: a map of text strings."""

    def head(major: int, length: int) -> bytes:
        if length < 24:
            return bytes([major << 5 | length])
        if length < 256:
            return bytes([major << 5 | 24, length])
        return bytes([major << 5 | 25]) + length.to_bytes(2, "big")

    out = head(5, len(payload))
    for key, value in payload.items():
        for text in (key, value):
            data = text.encode()
            out += head(3, len(data)) + data
    return out


def _handler_for(front: AwsFront) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = dict(self.headers.items())
            call = describe(self.command, self.path, headers, body)
            internal = INTERNAL_AGENT in self.headers.get("User-Agent", "")
            fault = None if internal else front.fault_for(call)
            if fault and fault.delay_s:
                time.sleep(fault.delay_s)
            if fault and fault.status >= 400:
                reply = error_response(call, fault.status, fault.code, f"injected {fault.code}")
            else:
                try:
                    reply = front.answer(call) or front.forward(
                        self.command, self.path, headers, body, atomic=call.service == "dynamodb"
                    )
                except Exception as exc:  # noqa: BLE001 - a stand-in bug or a stopped moto: answer like AWS would
                    reply = error_response(call, 500, "InternalFailure", f"embedded stack: {exc}")
            status, reply_headers, data = reply
            try:
                self.send_response(status)
                for key, value in reply_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out first

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    return Handler
