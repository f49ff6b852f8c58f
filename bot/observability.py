"""Lookout watching itself: Powertools Logger (JSON), Metrics (EMF) and, only when enabled, Tracer.

Tracing is off unless ``LOOKOUT_TRACING`` is true (the template's ``EnableTracing``); off, the X-Ray SDK
is never imported (it costs ~0.3 s of CPU per cold start). ``Telemetry.quiet()`` is
for the CLI: logs go to stderr at WARNING and no metrics are printed.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.config import Settings

F = TypeVar("F", bound=Callable[..., Any])
warnings.filterwarnings("ignore", "No application metrics to publish")  # a duplicate or a button adds none


@functools.cache
def _logger(service: str, quiet: bool) -> Any:
    """One Powertools Logger per service: a second instance with the same name would have no formatter."""
    from aws_lambda_powertools import Logger

    if quiet:  # a terminal's warnings (Powertools' POWERTOOLS_LOG_LEVEL can make it quieter, as the benches do)
        level = os.environ.get("POWERTOOLS_LOG_LEVEL") or "WARNING"
        return Logger(service=f"{service}-cli", level=level, logger_handler=logging.StreamHandler(sys.stderr))
    return Logger(service=service)


class Telemetry:
    def __init__(self, settings: Settings, *, quiet: bool = False) -> None:
        self.settings = settings
        self.quiet = quiet
        self.logger = _logger(settings.service_name, quiet)
        self._metrics: Any = None
        self._tracer: Any = None
        self._counting = threading.Lock()  # deliveries count from their threads; Metrics' set is a plain dict

    @classmethod
    def for_cli(cls, settings: Settings) -> Telemetry:
        return cls(settings, quiet=True)

    @property
    def tracing(self) -> bool:
        return self.settings.tracing and not self.quiet

    @property
    def metrics(self) -> Any:
        if self._metrics is None:
            from aws_lambda_powertools import Metrics

            self._metrics = Metrics(namespace=self.settings.metrics_namespace, service=self.settings.service_name)
        return self._metrics

    @property
    def tracer(self) -> Any:
        if self._tracer is None and self.tracing:
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer(service=self.settings.service_name)
        return self._tracer

    def wrap_handler(self, handler: F) -> F:
        """Apply Logger context injection, metric flushing and (when on) tracing to a Lambda handler."""
        wrapped = self.logger.inject_lambda_context(clear_state=True)(handler)
        wrapped = self.metrics.log_metrics(raise_on_empty_metrics=False)(wrapped)
        if self.tracing:
            wrapped = self.tracer.capture_lambda_handler(wrapped)
        return wrapped

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

    @contextlib.contextmanager
    def span(self, name: str) -> Iterator[None]:
        """An X-Ray subsegment in the current thread (nothing when tracing is off)."""
        if not self.tracing:
            yield
            return
        with self.tracer.provider.in_subsegment(name):
            yield

    def in_thread(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` wrapped to run as a subsegment of the caller's trace from a worker thread."""
        if not self.tracing:
            return fn
        from aws_xray_sdk.core import xray_recorder

        parent = xray_recorder.get_trace_entity()

        def run(*args: Any, **kwargs: Any) -> Any:
            xray_recorder.set_trace_entity(parent)
            try:
                with xray_recorder.in_subsegment(name):
                    return fn(*args, **kwargs)
            finally:
                xray_recorder.clear_trace_entities()

        return run
