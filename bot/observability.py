"""Lookout watching itself: Powertools Logger (JSON), Metrics (EMF) and, only when enabled, traces.

Tracing is off unless ``LOOKOUT_TRACING`` is true (the template's ``EnableTracing``); off, no tracing SDK is
imported. On, ``LOOKOUT_TRACER`` (the template's ``Tracer``) picks the backend: ``xray-sdk`` (Powertools Tracer)
or ``opentelemetry`` (``bot.tracing``; docs/deployment.md, "Tracing", has what each costs a cold start).
``Telemetry.for_cli`` is for the CLI: logs go to stderr at WARNING, no metrics are printed, nothing is traced.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from bot.tracing import VARIABLE, Backend, Off, Tracing, backend_for, tracing_for

if TYPE_CHECKING:
    import contextlib

    from aws_lambda_powertools import Logger, Metrics

    from bot.config import Settings

F = TypeVar("F", bound=Callable[..., object])
P = ParamSpec("P")
R = TypeVar("R")
warnings.filterwarnings("ignore", "No application metrics to publish")  # a duplicate or a button adds none


@functools.cache
def _logger(service: str, quiet: bool) -> Logger:
    """One Powertools Logger per service: a second instance with the same name would have no formatter."""
    from aws_lambda_powertools import Logger

    if quiet:  # a terminal's warnings (Powertools' POWERTOOLS_LOG_LEVEL can make it quieter, as the benches do)
        level = os.environ.get("POWERTOOLS_LOG_LEVEL") or "WARNING"
        return Logger(service=f"{service}-cli", level=level, logger_handler=logging.StreamHandler(sys.stderr))
    return Logger(service=service)


class Telemetry:
    def __init__(
        self, settings: Settings, *, quiet: bool = False, tracer: str | None = None, traces: Tracing | None = None
    ) -> None:
        """``tracer``: the backend when tracing is on; None: ``LOOKOUT_TRACER``'s (a bad name: ``ConfigError``).
        ``traces``: a backend built elsewhere (a test's, exporting to memory) instead of the one named."""
        self.settings = settings
        self.quiet = quiet
        self.logger = _logger(settings.service_name, quiet)
        self._metrics: Metrics | None = None
        self._traces: Tracing | None = traces
        self._counting = threading.Lock()  # deliveries count from their threads; Metrics' set is a plain dict
        chosen = tracer or settings.tracer
        self.tracing_backend: Backend = traces.backend if traces else backend_for(self.tracing, chosen)

    @classmethod
    def for_cli(cls, settings: Settings) -> Telemetry:
        return cls(settings, quiet=True)

    @property
    def tracing(self) -> bool:
        return self.settings.tracing and not self.quiet

    @property
    def metrics(self) -> Metrics:
        if self._metrics is None:
            from aws_lambda_powertools import Metrics

            self._metrics = Metrics(namespace=self.settings.metrics_namespace, service=self.settings.service_name)
        return self._metrics

    @property
    def traces(self) -> Tracing:
        """The tracing backend, built (its SDK imported) on first use."""
        if self._traces is None:
            try:
                self._traces = tracing_for(
                    self.tracing_backend, service=self.settings.service_name, region=self.settings.region
                )
            except ImportError as missing:  # degrade, don't fail: the alerts matter more than their traces
                self.logger.error(
                    f"tracing off: {VARIABLE}={self.tracing_backend} needs {missing.name or missing} in the "
                    "package (pip install 'lookout[otel]')"
                )
                self._traces = Off()
        return self._traces

    @property
    def tracer(self) -> object:
        """The backend's own tracer (Powertools ``Tracer`` or an OpenTelemetry ``Tracer``); None when off."""
        return self.traces.tracer

    def wrap_handler(self, handler: F) -> F:
        """Apply Logger context injection, metric flushing and (when on) tracing to a Lambda handler."""
        wrapped = self.logger.inject_lambda_context(clear_state=True)(handler)
        wrapped = self.metrics.log_metrics(raise_on_empty_metrics=False)(wrapped)
        return self.traces.wrap_handler(wrapped)

    def count(self, name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
        if self.quiet:
            return
        with self._counting:
            self._count(name, value, unit, dimensions)

    def _count(self, name: str, value: float, unit: str, dimensions: dict[str, str]) -> None:
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        if dimensions:
            if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
                return  # Metrics honours the switch at flush; single_metric would print regardless
            with single_metric(
                name=name, unit=MetricUnit(unit), value=value, namespace=self.settings.metrics_namespace
            ) as metric:
                metric.add_dimension(name="service", value=self.settings.service_name)
                for key, dim in dimensions.items():
                    metric.add_dimension(name=key, value=dim)
        else:
            self.metrics.add_metric(name=name, unit=unit, value=value)

    def span(self, name: str) -> contextlib.AbstractContextManager[None]:
        """A span (an X-Ray subsegment) in the current thread; nothing when tracing is off."""
        return self.traces.span(name)

    def in_thread(self, name: str, fn: Callable[P, R]) -> Callable[P, R]:
        """``fn`` wrapped to run as a span of the caller's trace from a worker thread (the caller's span its
        parent); ``fn`` itself when tracing is off."""
        return self.traces.in_thread(name, fn)
