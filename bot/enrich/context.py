"""What every enricher of one alarm shares: the alarm, settings, clients, a thread pool and the alarm's tags.

Tags are looked up once (ListTagsForResource), concurrently with everything else; enrichers that need them
wait on the same future, so the longest chain of dependent calls stays short.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, overload

from bot.alarms import AlarmKind

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from mypy_boto3_cloudtrail import CloudTrailClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_xray import XRayClient

    from bot.alarms import Alarm
    from bot.config import Settings
    from bot.enrich.model import ServiceRow


class ClientFactory(Protocol):
    """(service, region) → that service's boto3 client: ``bot.aws.Clients``, or a test's double."""

    @overload
    def __call__(self, service: Literal["cloudtrail"], region: str | None = None, /) -> CloudTrailClient: ...
    @overload
    def __call__(self, service: Literal["cloudwatch"], region: str | None = None, /) -> CloudWatchClient: ...
    @overload
    def __call__(self, service: Literal["dynamodb"], region: str | None = None, /) -> DynamoDBClient: ...
    @overload
    def __call__(self, service: Literal["logs"], region: str | None = None, /) -> CloudWatchLogsClient: ...
    @overload
    def __call__(self, service: Literal["xray"], region: str | None = None, /) -> XRayClient: ...


TAG_XRAY_SERVICE = "lookout:xray-service"
TAG_LOG_GROUPS = "lookout:log-groups"
TAG_LOG_FILTER = "lookout:log-filter"


class NothingFound(Exception):
    """The source answered, but had nothing for this alarm; the message says what was looked for."""


class SourceFailed(Exception):
    """The source answered with a failure of its own (not an HTTP error): the message is AWS's, in words."""


@dataclass(frozen=True)
class Context:
    alarm: Alarm
    settings: Settings
    clients: ClientFactory
    pool: Executor
    tags: Future[dict[str, str]]
    started: float = field(default_factory=time.monotonic)
    """When the enrichment started (``time.monotonic()``); a source's deadline counts from here."""
    budget_s: float | None = None
    """The whole enrichment's budget, when the caller has one (it caps every source's deadline)."""
    neighbours: Future[tuple[ServiceRow, ...]] = field(default_factory=Future)
    """The alarmed service's rows of the X-Ray graph (itself, callers, callees), told by the X-Ray source as soon
    as the graph is read — before its trace summaries — and () when it finds none: what changed asks about them."""

    def deadline_s(self, deadline_s: float) -> float:
        """A source's deadline as the runner applies it: capped by the whole enrichment's budget."""
        return deadline_s if self.budget_s is None else max(0.0, min(deadline_s, self.budget_s))

    def stop_at(self, deadline_s: float) -> float:
        """The moment a source with ``deadline_s`` must stop making calls to return before it is abandoned
        (a margin of 15 %, at most 0.25 s, to assemble what it has)."""
        cap = self.deadline_s(deadline_s)
        return self.started + cap - min(0.25, 0.15 * cap)

    @overload
    def client(self, service: Literal["cloudtrail"]) -> CloudTrailClient: ...
    @overload
    def client(self, service: Literal["cloudwatch"]) -> CloudWatchClient: ...
    @overload
    def client(self, service: Literal["logs"]) -> CloudWatchLogsClient: ...
    @overload
    def client(self, service: Literal["xray"]) -> XRayClient: ...
    def client(self, service: Literal["cloudtrail", "cloudwatch", "logs", "xray"]) -> object:
        """The alarm's region's client of ``service``."""
        return self.clients(service, self.alarm.region)

    def tag(self, key: str, timeout: float | None = None) -> str | None:
        """A tag's value, or None when the alarm has no such tag or its tags could not be read."""
        try:
            return self.tags.result(timeout=timeout).get(key)
        except Exception:  # noqa: BLE001 - missing tags only narrow what we find; the reason is logged upstream
            return None


def alarm_tags(alarm: Alarm, clients: ClientFactory) -> dict[str, str]:
    """The alarm's tags as CloudWatch has them (ListTagsForResource). Tags carried in a notification are never
    trusted to steer what is read (anyone who can publish could write them): when CloudWatch cannot be
    asked, enrichment goes on without tags. (Routing may still use them: ``bot.lifecycle.routing``.)"""
    if alarm.kind in (AlarmKind.CHECK, AlarmKind.LOG_ERROR):  # tags of Lookout's own making, built in-process
        return dict(alarm.tags or ())
    if not alarm.arn:
        return {}
    response = clients("cloudwatch", alarm.region).list_tags_for_resource(ResourceARN=alarm.arn)
    return {t["Key"]: t["Value"] for t in response.get("Tags", [])}


def split_list(value: str | None) -> list[str]:
    """A comma- or whitespace-separated tag value as a list (tag values cannot hold JSON lists)."""
    return [part for part in (value or "").replace(",", " ").split() if part]


def describe_error(exc: BaseException) -> str:
    """A few words on why a call failed, for a line in the message."""
    from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if (
            "throttl" in code.lower()
            or code in {"TooManyRequestsException", "RequestLimitExceeded"}
            or status == 429
        ):
            return "throttled"
        if "accessdenied" in code.lower() or code in {"UnauthorizedOperation", "UnrecognizedClientException"}:
            return "access denied"
        if status >= 500:
            return f"AWS error {status} ({code})" if code else f"AWS error {status}"
        return code or "request failed"
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError | TimeoutError):
        return "timed out"
    if isinstance(exc, EndpointConnectionError | ConnectionError):
        return "unreachable"
    return f"failed ({type(exc).__name__})"
