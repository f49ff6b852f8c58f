"""What one invocation of a scenario's function does, declared: how requests reach the function (``Api``,
``Triggered``, ``Caller``) and the path an invocation takes (``Path``): the calls its code makes one after the
other (``DynamoDB``, ``Http``, ``Invoke``), what it logs (``Log``), how it ends when it does not return
(``Raises``, ``TimesOut``, ``Killed``) and the datapoints it adds.

Not for: the shapes these become (``local.scenario.incidents.world``, ``xray_segments``, ``log_lines``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

Dimensions = tuple[tuple[str, str], ...]
Metric = tuple[str, str, Dimensions, float]
"""A datapoint: (namespace, metric, dimensions, value)."""
Frame = tuple[str, int, str, str]
"""A traceback's frame: (file, line, function, code)."""


@dataclass(frozen=True)
class DynamoDB:
    """A call to a DynamoDB table through the AWS SDK. ``took``: it ends that many seconds (uniform) after the
    previous call ended (or the handler started); it starts ``gap`` after that moment."""

    table: str
    operation: str
    took: tuple[float, float]
    gap: float = 0.0
    status: int = 200
    error: tuple[str, str] | None = None
    """The service's exception: (type, message)."""
    throttled: bool = False
    retries: int = 0


@dataclass(frozen=True)
class Http:
    """An HTTP call to a host outside AWS (``took`` and ``gap`` as for ``DynamoDB``)."""

    host: str
    method: str
    path: str
    took: tuple[float, float]
    gap: float = 0.0
    status: int = 200


@dataclass(frozen=True)
class Invoke:
    """A synchronous ``Invoke`` of another function (``took`` and ``gap`` as for ``DynamoDB``)."""

    function: str
    took: tuple[float, float]
    gap: float = 0.0
    status: int = 200
    error: tuple[str, str] | None = None


Call = DynamoDB | Http | Invoke


@dataclass(frozen=True)
class Log:
    """A ``logging`` call of the code: 10 ms into the invocation (``start``), as its last call returns
    (``called``) or 1 ms before it ends (``end``). ``message`` may depend on the invocation's number."""

    message: str | Callable[[int], str]
    when: Literal["start", "called", "end"] = "end"
    level: str = "INFO"


@dataclass(frozen=True)
class Raises:
    """The code raises an exception it does not handle: logged by the runtime with its traceback, recorded as the
    cause of the function segment's fault."""

    kind: str
    message: str
    frames: tuple[Frame, ...]


@dataclass(frozen=True)
class TimesOut:
    """Lambda stops the invocation at the function's timeout (and ``over`` seconds, uniform, past it)."""

    over: tuple[float, float]


@dataclass(frozen=True)
class Killed:
    """The runtime is killed for exceeding the function's memory, ``ran`` seconds (uniform) in."""

    ran: tuple[float, float]


@dataclass(frozen=True)
class Path:
    """What one invocation does: its calls one after the other from ``starts`` seconds in, then ``then`` seconds
    (or a uniform range) to its end; what its code logs; how it ends when it does not return (``ends``: a path
    ``TimesOut`` or ``Killed`` stops makes no calls); the REPORT line's Max Memory Used; the datapoints it adds."""

    used_mb: int
    calls: tuple[Call, ...] = ()
    starts: float = 0.0
    then: float | tuple[float, float] = 0.0
    logs: tuple[Log, ...] = ()
    ends: Raises | TimesOut | Killed | None = None
    metrics: tuple[Metric, ...] = ()
    throttled: bool = False
    """Lambda throttles the invocation: the function never runs, and the path is its ``Caller``'s."""

    @property
    def fails(self) -> bool:
        """It does not return: an error of the function (of its caller's, when throttled)."""
        return self.ends is not None


# --- How requests reach the function ---------------------------------------------------------------------


@dataclass(frozen=True)
class Api:
    """Through an API Gateway REST API stage's Lambda proxy integration: a function error is a 502."""

    stage: str
    path: str


@dataclass(frozen=True)
class Triggered:
    """By an event source (a queue, a stream, an S3 notification): the trace starts at Lambda."""


@dataclass(frozen=True)
class Caller:
    """Synchronously by another function, where the trace starts (its own segments, log group, Lambda metrics and
    ``used_mb``): the ``Invoke`` starts ``invokes_after`` seconds into the caller, the function ``runs_after``
    seconds into the ``Invoke``; the ``Invoke`` returns ``returns_after`` and the caller ends ``ends_after``
    seconds after the function ends."""

    function: str
    memory_mb: int
    used_mb: int
    invokes_after: float = 0.01
    runs_after: float = 0.02
    returns_after: float = 0.01
    ends_after: float = 0.015

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.function}"
