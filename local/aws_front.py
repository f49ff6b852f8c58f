"""The embedded AWS endpoint: an HTTP front on loopback that answers X-Ray and ``FilterLogEvents`` with our
stand-ins and forwards every other call to moto's server, unchanged. It can be told to fail.

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

from local.athena_standin import AthenaStandIn
from local.insights_lang import MalformedQuery
from local.insights_standin import InsightsStandIn
from local.lambda_runtime import LocalFunctions
from local.log_patterns import PatternError, compile_pattern
from local.servers import POLL_S
from local.xray_filter import FilterError
from local.xray_standin import XRayStandIn

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


class AwsFront:
    def __init__(self, moto_url: str) -> None:
        self.moto = urlsplit(moto_url)
        self.moto_url = moto_url
        self.xray = XRayStandIn()
        self.functions = LocalFunctions()
        self.sink_invocations = False
        self.insights = InsightsStandIn(self._moto_events)
        self.athena = AthenaStandIn(self._moto_client)
        self.faults: list[AwsFault] = []
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()
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
            if call.service == "athena" and call.operation in ATHENA_OPERATIONS:
                return self._athena(call)
        except FilterError as exc:
            return error_response(call, 400, "InvalidRequestException", str(exc))
        except PatternError as exc:
            return error_response(call, 400, "InvalidParameterException", str(exc))
        except MalformedQuery as exc:
            return error_response(call, 400, "MalformedQueryException", str(exc))
        except LookupError as exc:
            return error_response(call, 400, "ResourceNotFoundException", str(exc).strip("'\""))
        return None

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

    def _athena(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        request = json.loads(call.body or b"{}")
        handler = {
            "StartQueryExecution": lambda: self.athena.start_query_execution(call.region, request),
            "GetQueryExecution": lambda: self.athena.get_query_execution(request),
            "GetQueryResults": lambda: self.athena.get_query_results(request),
            "StopQueryExecution": lambda: self.athena.stop_query_execution(request),
        }[call.operation]
        try:
            return _json(200, handler(), "application/x-amz-json-1.1")
        except ValueError as exc:
            return error_response(call, 400, "InvalidRequestException", str(exc))

    def _moto_client(self, region: str, service: str) -> Any:
        with self._lock:
            key = f"{region}/{service}"
            if key not in self._moto_clients:
                import boto3

                make: Any = boto3.client
                self._moto_clients[key] = make(
                    service,
                    region_name=region,
                    endpoint_url=self.moto_url,
                    aws_access_key_id="embedded",
                    aws_secret_access_key="embedded",
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
        service=service, operation=operation, region=region, headers=headers, body=body, path_name=path_name
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
            fault = front.fault_for(call)
            if fault and fault.delay_s:
                time.sleep(fault.delay_s)
            if fault and fault.status >= 400:
                reply = error_response(call, fault.status, fault.code, f"injected {fault.code}")
            else:
                try:
                    reply = front.answer(call) or front.forward(self.command, self.path, headers, body)
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
