"""The ``opentelemetry`` tracer behind Lookout's one telemetry API: the handler's span joins the trace Lambda opened
(``_X_AMZN_TRACE_ID``, its ``Sampled`` flag obeyed), a span from a worker thread is a child of the caller's as
``in_thread`` promises, every span is sent before the invocation returns — over OTLP/HTTP, signed SigV4 for
X-Ray, which the stand-in endpoint checks as X-Ray would — boto3 calls become spans, and a provider set up by the
ADOT layer is recorded into rather than replaced."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from bot.config import Settings
from bot.observability import Telemetry
from bot.tracing.otel import OpenTelemetry, xray_exporter

if TYPE_CHECKING:
    from collections.abc import Iterator

    from opentelemetry.sdk.trace import ReadableSpan

ROOT = Path(__file__).resolve().parents[2]
ROOT_ID = 0x5759E988BD862E3FE1BE46A994272793
LAMBDA_SEGMENT = 0x53995C3F42CD8AD8
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled={sampled}"
"""What Lambda sets per invocation when the function's tracing is Active (the X-Ray developer guide's example)."""


class Context:
    function_name = "lookout-alarm"
    memory_limit_in_mb = 1024
    aws_request_id = "6f7e1a7c-2a4b-4c39-9b1e-5d1d2c3b4a59"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lookout-alarm"


@pytest.fixture
def memory() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def telemetry(memory: InMemorySpanExporter) -> Telemetry:
    backend = OpenTelemetry.exporting(memory, service="lookout-test", instrument_aws=False)
    return Telemetry(Settings(tracing=True), traces=backend)


def invocation(monkeypatch: pytest.MonkeyPatch, sampled: str | None = "1") -> None:
    if sampled is None:
        monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    else:
        monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE_HEADER.format(sampled=sampled))


def by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {s.name: s for s in spans}


def test_the_handler_joins_lambdas_trace_and_a_worker_threads_span_is_a_child_of_the_callers(
    monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry, memory: InMemorySpanExporter
) -> None:
    invocation(monkeypatch)
    threads: list[str] = []

    # GIVEN a handler that posts in its own thread and enriches in a worker thread, as the alarm path does
    def lambda_handler(event: dict[str, Any], context: Any) -> int:
        with telemetry.span("## slack"):
            pass

        def enrich(n: int) -> int:
            threads.append(threading.current_thread().name)
            return n

        with ThreadPoolExecutor(1, thread_name_prefix="lookout-enrich") as pool:
            return int(pool.submit(telemetry.in_thread("## enrich", enrich), event["n"]).result())

    # WHEN Lambda invokes it
    assert telemetry.wrap_handler(lambda_handler)({"n": 42}, Context()) == 42

    # THEN by the time it returned, its spans were sent: one trace, Lambda's, the handler's span a child of the
    # function's segment, and the worker thread's span a child of the handler's
    spans = by_name(memory.get_finished_spans())
    assert set(spans) == {"## lambda_handler", "## slack", "## enrich"}
    handler, slack, enrich = spans["## lambda_handler"], spans["## slack"], spans["## enrich"]
    assert {s.context.trace_id for s in spans.values()} == {ROOT_ID}
    assert handler.parent is not None and handler.parent.span_id == LAMBDA_SEGMENT and handler.parent.is_remote
    assert handler.kind is SpanKind.SERVER
    assert handler.attributes is not None and handler.attributes["faas.invocation_id"] == Context.aws_request_id
    assert slack.parent is not None and slack.parent.span_id == handler.context.span_id
    assert enrich.parent is not None and enrich.parent.span_id == handler.context.span_id
    assert threads and threads[0].startswith("lookout-enrich")


def test_a_span_from_a_thread_a_worker_started_nests_under_the_workers(
    monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry, memory: InMemorySpanExporter
) -> None:
    invocation(monkeypatch)

    # GIVEN deliveries side by side in lanes, each enriching in a thread of its own (bot.alerting's shape)
    def lane(n: int) -> int:
        with ThreadPoolExecutor(1) as pool:
            return int(pool.submit(telemetry.in_thread("## enrich", lambda: n * 2)).result())

    def lambda_handler(event: Any, context: Any) -> list[int]:
        with ThreadPoolExecutor(2) as pool:
            return [
                f.result() for f in [pool.submit(telemetry.in_thread("## deliveries", lane), n) for n in (1, 2)]
            ]

    assert telemetry.wrap_handler(lambda_handler)({}, Context()) == [2, 4]

    # THEN each enrichment is a child of its own lane's span, and each lane a child of the handler's
    spans = memory.get_finished_spans()
    handler = next(s for s in spans if s.name == "## lambda_handler")
    lanes = {s.context.span_id: s for s in spans if s.name == "## deliveries"}
    enrichments = [s for s in spans if s.name == "## enrich"]
    assert len(lanes) == 2 and len(enrichments) == 2
    assert all(s.parent is not None and s.parent.span_id == handler.context.span_id for s in lanes.values())
    assert {s.parent.span_id for s in enrichments if s.parent} == set(lanes)


@pytest.mark.parametrize("sampled", ["0", None], ids=["not sampled", "no trace (a local run)"])
def test_an_invocation_lambda_did_not_sample_records_nothing(
    monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry, memory: InMemorySpanExporter, sampled: str | None
) -> None:
    invocation(monkeypatch, sampled)

    def lambda_handler(event: Any, context: Any) -> str:
        with telemetry.span("## slack"):
            return str(telemetry.in_thread("## enrich", lambda: "done")())

    assert telemetry.wrap_handler(lambda_handler)({}, Context()) == "done"
    assert memory.get_finished_spans() == ()


def test_a_failing_handlers_span_says_so_and_is_sent_all_the_same(
    monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry, memory: InMemorySpanExporter
) -> None:
    invocation(monkeypatch)

    def lambda_handler(event: Any, context: Any) -> None:
        raise RuntimeError("Slack unreachable")

    with pytest.raises(RuntimeError, match="Slack unreachable"):
        telemetry.wrap_handler(lambda_handler)({}, Context())

    (handler,) = memory.get_finished_spans()
    assert handler.status.status_code is StatusCode.ERROR
    assert [e.name for e in handler.events] == ["exception"]


class XRayOtlpStandIn(http.server.ThreadingHTTPServer):
    """Answers as X-Ray's OTLP endpoint does a valid request (200), keeping each request to be checked."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []
        self.received = received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                received.append({"path": self.path, "headers": headers, "body": body})
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def endpoint() -> Iterator[XRayOtlpStandIn]:
    server = XRayOtlpStandIn()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def signature_holds(request: dict[str, Any], url: str, region: str) -> bool:
    """X-Ray's check of a SigV4 request, done with botocore's signer: the signature recomputed over the headers
    the request says it signed, at the time it says, with the credentials its Credential names."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers = request["headers"]
    fields = dict(part.strip().split("=", 1) for part in headers["authorization"].split(" ", 1)[1].split(","))
    signed = fields["SignedHeaders"].split(";")
    again = AWSRequest(method="POST", url=url, data=request["body"], headers={h: headers[h] for h in signed})
    again.context["timestamp"] = headers["x-amz-date"]
    credentials = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
    signer = SigV4Auth(credentials, "xray", region)
    expected = signer.signature(signer.string_to_sign(again, signer.canonical_request(again)), again)
    return bool(fields["Signature"] == expected)


def test_spans_go_to_x_rays_otlp_endpoint_signed_for_x_ray_before_the_invocation_returns(
    monkeypatch: pytest.MonkeyPatch, endpoint: XRayOtlpStandIn
) -> None:
    # GIVEN the exporter the template's opentelemetry option builds, pointed at a stand-in for X-Ray's endpoint
    url = f"http://127.0.0.1:{endpoint.server_address[1]}/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url)
    invocation(monkeypatch)
    backend = OpenTelemetry.exporting(xray_exporter("us-east-1"), service="lookout-test", instrument_aws=False)
    telemetry = Telemetry(Settings(tracing=True), traces=backend)

    def lambda_handler(event: Any, context: Any) -> str:
        with ThreadPoolExecutor(1) as pool:
            return str(pool.submit(telemetry.in_thread("## enrich", lambda: "done")).result())

    # WHEN one invocation runs
    assert telemetry.wrap_handler(lambda_handler)({}, Context()) == "done"

    # THEN one OTLP/HTTP request carried its spans, in Lambda's trace, before it returned, signed SigV4 for
    # xray in the function's region with the function's credentials
    (request,) = endpoint.received
    assert request["path"] == "/v1/traces"
    assert request["headers"]["content-type"] == "application/x-protobuf"
    sent = ExportTraceServiceRequest.FromString(request["body"])
    spans = [s for rs in sent.resource_spans for ss in rs.scope_spans for s in ss.spans]
    assert sorted(s.name for s in spans) == ["## enrich", "## lambda_handler"]
    assert {s.trace_id for s in spans} == {ROOT_ID.to_bytes(16, "big")}
    service = {a.key: a.value.string_value for a in sent.resource_spans[0].resource.attributes}["service.name"]
    assert service == "lookout-test"
    authorization = request["headers"]["authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/us-east-1/xray/aws4_request" in authorization
    assert request["headers"]["x-amz-security-token"] == os.environ["AWS_SESSION_TOKEN"]
    assert signature_holds(request, url, "us-east-1")


def run(code: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "_X_AMZN_TRACE_ID": TRACE_HEADER.format(sampled="1")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


AWS_CALL = """
import json
import boto3
from botocore.stub import Stubber
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from bot.config import Settings
from bot.observability import Telemetry
from bot.tracing.otel import OpenTelemetry
memory = InMemorySpanExporter()
telemetry = Telemetry(Settings(tracing=True), traces=OpenTelemetry.exporting(memory, service="lookout-test"))
sts = boto3.client("sts", region_name="us-east-1")
stub = Stubber(sts)
stub.add_response("get_caller_identity", {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:root", "UserId": "AIDA"})
class Context:
    function_name = "lookout-alarm"; memory_limit_in_mb = 1024; aws_request_id = "r"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lookout-alarm"
def lambda_handler(event, context):
    return sts.get_caller_identity()
with stub:
    telemetry.wrap_handler(lambda_handler)({}, Context())
spans = {s.name: s for s in memory.get_finished_spans()}
call = spans["STS.GetCallerIdentity"]
print(json.dumps({"parent": call.parent.span_id == spans["## lambda_handler"].context.span_id,
                  "service": call.attributes.get("rpc.service")}))
"""


def test_a_boto3_call_is_a_span_of_the_invocation() -> None:
    # the botocore instrumentation patches botocore for the whole process: a process of its own
    assert run(AWS_CALL) == {"parent": True, "service": "STS"}


LAYER = """
import json
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
memory = InMemorySpanExporter()
layers = TracerProvider()  # what the ADOT layer's otel-instrument sets up before the handler module loads
layers.add_span_processor(SimpleSpanProcessor(memory))
trace.set_tracer_provider(layers)
from bot.config import Settings
from bot.observability import Telemetry
telemetry = Telemetry(Settings(tracing=True), tracer="opentelemetry")
class Context:
    function_name = "lookout-alarm"; memory_limit_in_mb = 1024; aws_request_id = "r"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lookout-alarm"
def work(event, context):
    with telemetry.span("## slack"):
        return "posted"
telemetry.wrap_handler(work)({}, Context())
print(json.dumps({"same provider": telemetry.traces.provider is layers,
                  "spans": sorted(s.name for s in memory.get_finished_spans())}))
"""


def test_a_provider_the_adot_layer_set_up_is_recorded_into_not_replaced() -> None:
    assert run(LAYER) == {"same provider": True, "spans": ["## slack", "## work"]}
