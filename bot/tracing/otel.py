"""The ``opentelemetry`` tracing backend: the OpenTelemetry SDK with AWS's X-Ray id generator; the handler's span
a child of the segment Lambda opens (its ``_X_AMZN_TRACE_ID``, read by the X-Ray Lambda propagator, whose
``Sampled`` flag decides); boto3 calls as spans (the botocore instrumentation); spans exported in batches over
OTLP/HTTP to X-Ray's OTLP endpoint, signed SigV4 (``bot.tracing.sigv4``), and flushed before each invocation
returns — Lambda freezes the process between invocations, and a span left in the queue would wait with it.

X-Ray's OTLP endpoint takes spans only in an account and region where CloudWatch Transaction Search is on; it
authorizes them as ``xray:PutTraceSegments``. A process whose global tracer provider is already an SDK one
(the ADOT Lambda layer's ``/opt/otel-instrument``) records into that one instead of building its own.

Not for: choosing a backend (``bot.tracing``)."""

from __future__ import annotations

import contextlib
import functools
import os
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagators.aws import AwsXRayLambdaPropagator
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanKind

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from opentelemetry.sdk.trace.export import SpanExporter

    from bot.tracing import Backend

F = TypeVar("F", bound="Callable[..., object]")
P = ParamSpec("P")
R = TypeVar("R")

ENDPOINT = "https://xray.{region}.amazonaws.com/v1/traces"
"""X-Ray's OTLP traces endpoint (CloudWatch's "OTLP endpoints"); ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, the
OpenTelemetry SDK's own variable, names another (a collector, a partition whose domain differs)."""
EXPORT_TIMEOUT_S = 2.0
FLUSH_MS = 2500
"""How long an invocation waits, at most, for its spans to be sent: one export's timeout and some."""


class OpenTelemetry:
    backend: Backend = "opentelemetry"

    def __init__(self, provider: TracerProvider, *, flush_ms: int = FLUSH_MS) -> None:
        self.provider = provider
        self.tracer: trace.Tracer = provider.get_tracer("lookout")
        self._flush_ms = flush_ms
        self._propagator = AwsXRayLambdaPropagator()

    @classmethod
    def for_lambda(cls, *, service: str, region: str) -> OpenTelemetry:
        """Into the process's SDK provider if one is set up (the ADOT layer's), else a new one sending to X-Ray."""
        current = trace.get_tracer_provider()
        if isinstance(current, TracerProvider):
            return cls(current)
        return cls.exporting(xray_exporter(region), service=service)

    @classmethod
    def exporting(cls, exporter: SpanExporter, *, service: str, instrument_aws: bool = True) -> OpenTelemetry:
        """A provider of its own (not the process's global one) sending to ``exporter``. Its sampler follows the
        parent's decision and records no trace of its own: a span outside an invocation's trace (a thread no
        ``in_thread`` handed the context to, a local run) is dropped, as the X-Ray SDK drops it."""
        provider = TracerProvider(
            resource=Resource.create({SERVICE_NAME: service}),
            id_generator=AwsXRayIdGenerator(),
            sampler=ParentBased(root=ALWAYS_OFF),
        )
        provider.add_span_processor(BatchSpanProcessor(exporter, export_timeout_millis=EXPORT_TIMEOUT_S * 1000))
        if instrument_aws:
            instrument_botocore(provider)
        return cls(provider)

    def wrap_handler(self, handler: F) -> F:
        """The handler's span (``## <handler name>``, as Powertools names its subsegment), a child of the
        invocation's trace; the spans sent before the invocation returns."""
        name = f"## {getattr(handler, '__name__', 'handler')}"

        @functools.wraps(handler)
        def traced(event: object, context: object) -> object:
            parent = self._propagator.extract({}, context=otel_context.get_current())
            try:
                with self.tracer.start_as_current_span(
                    name, context=parent, kind=SpanKind.SERVER, attributes=invocation_attributes(context)
                ):
                    return handler(event, context)
            finally:
                self.provider.force_flush(self._flush_ms)

        return traced  # type: ignore[return-value]

    @contextlib.contextmanager
    def span(self, name: str) -> Iterator[None]:
        """A span in the current thread, a child of the current one."""
        with self.tracer.start_as_current_span(name):
            yield

    def in_thread(self, name: str, fn: Callable[P, R]) -> Callable[P, R]:
        """``fn`` wrapped to run as a span from a worker thread, a child of the span current where it was
        wrapped: OpenTelemetry's context is per thread (contextvars), so the caller's is handed over."""
        parent = otel_context.get_current()

        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            token = otel_context.attach(parent)
            try:
                with self.tracer.start_as_current_span(name):
                    return fn(*args, **kwargs)
            finally:
                otel_context.detach(token)

        return run


def xray_exporter(region: str) -> SpanExporter:
    """OTLP/HTTP (protobuf) to X-Ray's endpoint in ``region``, each request signed SigV4 for ``xray``."""
    # requests (and with it SigV4) only when we export ourselves: 50 ms (measured) a process whose provider
    # the ADOT layer set up never spends
    import requests
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    from bot.tracing.sigv4 import SigV4

    session = requests.Session()
    session.auth = SigV4(region=region)
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or ENDPOINT.format(region=region)
    return OTLPSpanExporter(endpoint=endpoint, session=session, timeout=EXPORT_TIMEOUT_S)


def instrument_botocore(provider: TracerProvider) -> None:
    """Every boto3 call a span of ``provider`` (once per process: the instrumentation patches botocore)."""
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    instrumentor = BotocoreInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def invocation_attributes(context: object) -> dict[str, str]:
    """The invocation's identity from the Lambda context, in OpenTelemetry's FaaS terms (none outside Lambda)."""
    found = {
        "faas.invocation_id": getattr(context, "aws_request_id", None),
        "faas.name": getattr(context, "function_name", None),
        "cloud.resource_id": getattr(context, "invoked_function_arn", None),
    }
    return {key: value for key, value in found.items() if isinstance(value, str) and value}
