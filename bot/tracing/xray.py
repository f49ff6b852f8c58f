"""The ``xray-sdk`` tracing backend: Powertools Tracer on the AWS X-Ray SDK — the handler a ``## <name>``
subsegment of the segment Lambda opens, every boto3 and HTTP call a subsegment (the SDK patches them), sent over
UDP to the X-Ray daemon Lambda runs when the function's tracing is Active.

The X-Ray SDKs are in maintenance mode since 2026-02-25 and reach end of support on 2027-02-25 (X-Ray's
"SDK and Daemon support timeline"); ``bot.tracing.otel`` is the way on. Not for: choosing a backend
(``bot.tracing``)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from aws_lambda_powertools import Tracer

    from bot.tracing import Backend

F = TypeVar("F", bound="Callable[..., object]")
P = ParamSpec("P")
R = TypeVar("R")


class XRaySdk:
    backend: Backend = "xray-sdk"

    def __init__(self, service: str) -> None:
        from aws_lambda_powertools import Tracer

        self.tracer: Tracer = Tracer(service=service)

    def wrap_handler(self, handler: F) -> F:
        return self.tracer.capture_lambda_handler(handler)  # type: ignore[return-value]  # keeps its signature

    @contextlib.contextmanager
    def span(self, name: str) -> Iterator[None]:
        """An X-Ray subsegment in the current thread."""
        with self.tracer.provider.in_subsegment(name):
            yield

    def in_thread(self, name: str, fn: Callable[P, R]) -> Callable[P, R]:
        """``fn`` wrapped to run as a subsegment of the caller's trace from a worker thread: the X-Ray SDK keeps
        its trace entity per thread, so the caller's is handed over."""
        from aws_xray_sdk.core import xray_recorder

        parent = xray_recorder.get_trace_entity()

        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            xray_recorder.set_trace_entity(parent)
            try:
                with xray_recorder.in_subsegment(name):
                    return fn(*args, **kwargs)
            finally:
                xray_recorder.clear_trace_entities()

        return run
