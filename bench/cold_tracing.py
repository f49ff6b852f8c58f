"""What each tracing option costs the alarm handler's cold start: off (the template's default), ``xray-sdk``
(Powertools Tracer on the X-Ray SDK) and ``opentelemetry`` (the OpenTelemetry SDK, its provider, the botocore
instrumentation and the OTLP exporter to X-Ray's endpoint, signed SigV4) — the environment the template gives each
(``EnableTracing``, ``Tracer``) plus the variables Lambda sets when the function's tracing is Active.

Per option, fresh interpreters, the options interleaved round by round: the init phase alone (``import
handlers.alarm``: settings, telemetry, clients, the wrapped handler), and a cold start to the return (the init,
then one alarm that opens a new incident against the embedded stack, every AWS and Slack call waiting what the
real one takes, ``bench/latency.py``). The X-Ray SDK sends its segments over UDP to 127.0.0.1:2000 (Lambda's
daemon; nobody listens here); OpenTelemetry posts its spans, before the invocation returns, to a stand-in for
X-Ray's OTLP endpoint on loopback that answers after an AWS call's time (100 ms, +30 ms on a new connection)
and checks each request is signed. Printed: CPU min / median / max, the median's difference from off, and the
estimated Lambda latency at the template's memory (CPU × 1769 / MB + the waits).

``BENCH_ADOT_LAYER=DIR`` adds the ADOT Lambda layer's way, approximated: DIR holds ``pip install --target DIR
aws-opentelemetry-distro`` (the package the layer is built from), the child starts as the layer's
``/opt/otel-instrument`` starts the runtime (its variables, OpenTelemetry's auto-instrumentation
``sitecustomize`` first on the path) and Lookout records into the provider it set up, sent over UDP to the
daemon address as the distro does in Lambda."""

from __future__ import annotations

import http.server
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cold_alarm import LAMBDA_TRACING, cold_alarm, handler_env, post_end  # noqa: E402
from bench.common import LAMBDA_FULL_CPU_MB, RUNS, Sample, child, median, memory_of, published  # noqa: E402
from bench.latency import AWS_DEFAULT_MS, HANDSHAKE_MS, describe_assumptions  # noqa: E402
from local.scenario.incident import seed  # noqa: E402
from local.stack import EmbeddedStack, environment  # noqa: E402

OPTIONS = ("off", "xray-sdk", "opentelemetry", "adot-layer")
ADOT_INSTALL = "pip install --target DIR aws-opentelemetry-distro"
ADOT_OFF = (
    "aio-pika,aiohttp-client,aiohttp-server,aiopg,asgi,asyncio,asyncpg,boto,boto3,cassandra,celery,confluent_kafka,"
    "dbapi,django,elasticsearch,falcon,fastapi,flask,grpc_client,grpc_server,grpc_aio_client,grpc_aio_server,httpx,"
    "jinja2,kafka,logging,mysql,mysqlclient,pika,psycopg,psycopg2,pymemcache,pymongo,pymysql,pyramid,redis,"
    "remoulade,requests,sklearn,sqlalchemy,sqlite3,starlette,system_metrics,threading,tornado,tortoiseorm,wsgi,"
    "openai_agents,aws_openai_agents,aws_crewai,aws_langchain,aws_mcp,aws_llama-index,aws-lambda"
)
"""The instrumentations the layer's ``otel-instrument`` turns off by default: botocore is the one left on."""


class OtlpSink(http.server.ThreadingHTTPServer):
    """A stand-in for X-Ray's OTLP endpoint: ``POST /v1/traces`` answered 200 after an AWS call's time; counts
    the requests and the ones signed SigV4 for ``xray``."""

    def __init__(self) -> None:
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # the exporter keeps its connection: a handshake once per process
            fresh = True

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                wait = AWS_DEFAULT_MS + (HANDSHAKE_MS["aws"] if self.fresh else 0.0)
                self.fresh = False
                time.sleep(wait / 1000)
                signed = "/xray/aws4_request" in self.headers.get("Authorization", "")
                with sink.lock:
                    sink.requests += 1
                    sink.signed += signed
                self.send_response(200 if self.path == "/v1/traces" else 404)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.requests = 0
        self.signed = 0

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A child that exits drops its kept connection: not an error of the stand-in's."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/traces"


def environments(base: dict[str, str], sink: OtlpSink) -> dict[str, dict[str, str]]:
    """Each option's environment: the template's variables for it, and Lambda's when tracing is Active."""
    traced = {**base, **LAMBDA_TRACING}
    found = {
        "off": {**base, "LOOKOUT_TRACING": "false", "POWERTOOLS_TRACE_DISABLED": "true"},
        "xray-sdk": {**traced, "LOOKOUT_TRACER": "xray-sdk", "POWERTOOLS_TRACE_DISABLED": "false"},
        "opentelemetry": {
            **traced,
            "LOOKOUT_TRACER": "opentelemetry",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": sink.url,
        },
    }
    layer = os.environ.get("BENCH_ADOT_LAYER")
    if layer:
        found["adot-layer"] = {
            **found["opentelemetry"],
            "PYTHONPATH": os.pathsep.join(
                [f"{layer}/opentelemetry/instrumentation/auto_instrumentation", layer, base.get("PYTHONPATH", "")]
            ).rstrip(os.pathsep),
            "OTEL_SERVICE_NAME": "lookout-alarm",
            "OTEL_PROPAGATORS": "baggage,xray,tracecontext",
            "OTEL_AWS_APPLICATION_SIGNALS_ENABLED": "true",
            "OTEL_AWS_APPLICATION_SIGNALS_RUNTIME_ENABLED": "false",
            "OTEL_PYTHON_DISTRO": "aws_distro",
            "OTEL_PYTHON_CONFIGURATOR": "aws_configurator",
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_LOGS_EXPORTER": "none",
            "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": ADOT_OFF,
        }
        found["adot-layer"].pop("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")  # in Lambda the distro sends over UDP
    return found


def spread(samples: list[Sample]) -> tuple[float, float, float]:
    cpu = [s.cpu_s * 1000 for s in samples]
    return min(cpu), median(cpu), max(cpu)


def main() -> None:
    sink = OtlpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    with EmbeddedStack() as stack, environment(stack.env()):
        incident = seed()
        envs = environments(handler_env(stack, incident), sink)
        at = iter(range(10_000))

        inits: dict[str, list[Sample]] = {name: [] for name in envs}
        colds: dict[str, list[Sample]] = {name: [] for name in envs}
        with tempfile.TemporaryDirectory() as tmp:
            cold_alarm(incident, tmp, envs["off"], next(at))  # warms the files
            for _ in range(RUNS):
                for name, env in envs.items():
                    inits[name].append(child("import handlers.alarm", env))
                    colds[name].append(cold_alarm(incident, tmp, env, next(at)))
    sink.shutdown()
    report(inits, colds, sink)


def report(inits: dict[str, list[Sample]], colds: dict[str, list[Sample]], sink: OtlpSink) -> None:
    memory = memory_of("AlarmFunction")
    scale = max(1.0, LAMBDA_FULL_CPU_MB / memory)
    print(f"tracing options on the alarm handler's cold start, {RUNS} fresh processes each, interleaved")
    print(describe_assumptions())
    print(f"  OTLP stand-in: {AWS_DEFAULT_MS:g} ms a request, +{HANDSHAKE_MS['aws']:g} on a new connection")
    for title, samples in (("init phase (import handlers.alarm)", inits), ("cold start to the return", colds)):
        off = spread(samples["off"])
        print(f"  {title}, CPU ms: min / median / max, Δ off (min / median)")
        for name in OPTIONS:
            if name not in samples:
                print(f"    {name:<14} not measured: BENCH_ADOT_LAYER=DIR ({ADOT_INSTALL})")
                continue
            low, mid, high = spread(samples[name])
            vs_off = f"Δ {low - off[0]:+5.0f} / {mid - off[1]:+5.0f}"
            print(f"    {name:<14} {low:5.0f} / {mid:5.0f} / {high:5.0f}   {vs_off}")
    print(f"  estimated at {memory} MB (CPU × {scale:.2f} + the waits), medians:")
    print(f"  {'option':<14} {'to the post':>17} {'to the return':>19}   peak RSS")
    to_post = {n: median([post_end(s) + s.cpu_s * (scale - 1) for s in colds[n]]) for n in colds}
    to_return = {n: median([s.estimated_s(memory) for s in colds[n]]) for n in colds}
    for name in (n for n in OPTIONS if n in colds):
        post, back = to_post[name], to_return[name]
        rss = median([s.max_rss_mb for s in colds[name]])
        post_vs, back_vs = post - to_post["off"], back - to_return["off"]
        print(f"  {name:<14} {post:5.2f} s {post_vs:+5.2f}   {back:5.2f} s {back_vs:+5.2f}   {rss:5.1f} MB")
    print(f"  OTLP requests to the stand-in: {sink.requests}, signed SigV4 for xray: {sink.signed}")


if __name__ == "__main__":
    with published(__file__):
        main()
