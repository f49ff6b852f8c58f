"""Lookout's traces of itself behind one small interface — the handler's span, a span in the current thread, a
span from a worker thread as a child of the caller's — with three backends: ``off`` (nothing imported, the
default), ``xray-sdk`` (Powertools Tracer on the AWS X-Ray SDK, ``bot.tracing.xray``) and ``opentelemetry``
(the OpenTelemetry SDK exporting to X-Ray's OTLP endpoint, ``bot.tracing.otel``). Which one:
``backend_for``; building it: ``tracing_for``. docs/deployment.md, "Tracing", says which to choose and why.

Not for: logs and metrics (``bot.observability``, which owns the one ``Tracing`` of a container)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Literal, ParamSpec, Protocol, TypeVar

from bot.config import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

Backend = Literal["off", "xray-sdk", "opentelemetry"]
VARIABLE = "LOOKOUT_TRACER"
"""The template's ``Tracer`` parameter: which backend records when ``LOOKOUT_TRACING`` is true."""
DEFAULT: Backend = "xray-sdk"
"""The template's default too (docs/deployment.md, "Tracing": it needs no account-wide setting)."""
WORDS: dict[str, Backend] = {
    "xray-sdk": "xray-sdk",
    "xray": "xray-sdk",
    "opentelemetry": "opentelemetry",
    "otel": "opentelemetry",
}

F = TypeVar("F", bound="Callable[..., object]")
P = ParamSpec("P")
R = TypeVar("R")


class Tracing(Protocol):
    """What ``bot.observability.Telemetry`` asks of a backend."""

    backend: Backend

    @property
    def tracer(self) -> object:
        """The backend's own tracer (Powertools ``Tracer``, an OpenTelemetry ``Tracer``); None when off."""

    def wrap_handler(self, handler: F) -> F: ...

    def span(self, name: str) -> contextlib.AbstractContextManager[None]: ...

    def in_thread(self, name: str, fn: Callable[P, R]) -> Callable[P, R]: ...


def backend_for(enabled: bool, choice: str | None) -> Backend:
    """The backend for the tracing switch (``LOOKOUT_TRACING``) and the tracer named (``LOOKOUT_TRACER``; unset:
    ``DEFAULT``); a name that is neither backend is a ``ConfigError`` even while tracing is off."""
    word = (choice or "").strip().lower()
    if word and word not in WORDS:
        raise ConfigError(f"{VARIABLE}={choice!r}: use xray-sdk or opentelemetry")
    if not enabled:
        return "off"
    return WORDS[word] if word else DEFAULT


def tracing_for(backend: Backend, *, service: str, region: str) -> Tracing:
    """The backend, its SDK imported only now. ``ImportError``: the package was built without the SDK that
    ``backend`` needs (``opentelemetry`` needs the ``otel`` extra)."""
    # each backend imported only when chosen: its SDK is big (docs/deployment.md, "Tracing"), or not in the
    # package at all (the otel extra)
    if backend == "xray-sdk":
        from bot.tracing.xray import XRaySdk

        return XRaySdk(service)
    if backend == "opentelemetry":
        from bot.tracing.otel import OpenTelemetry

        return OpenTelemetry.for_lambda(service=service, region=region)
    return Off()


class Off:
    """No tracing: every call hands its argument back; no tracing SDK is imported."""

    backend: Backend = "off"
    tracer: None = None

    def wrap_handler(self, handler: F) -> F:
        return handler

    @contextlib.contextmanager
    def span(self, name: str) -> Iterator[None]:
        yield

    def in_thread(self, name: str, fn: Callable[P, R]) -> Callable[P, R]:
        return fn
