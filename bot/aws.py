"""The one boto3 client factory: explicit connect/read timeouts, botocore's standard retry mode, and
``AWS_ENDPOINT_URL`` (or ``AWS_ENDPOINT_URL_<SERVICE>``) honoured by botocore itself.

Handlers build a :class:`Clients` at init — once per container, which is what a SnapStart snapshot keeps —
and inject it (or single clients from it) into the library. Nothing here creates a client at import time.
Each service's client is typed with its ``boto3-stubs`` class (``mypy_boto3_<service>``, read by mypy only).
Not for: retry policy of Slack calls (``bot.slack.transport``) or anything that is not an AWS client.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Literal, TypeVar, cast, overload

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from boto3.session import Session
    from botocore.client import BaseClient
    from mypy_boto3_apigateway import APIGatewayClient
    from mypy_boto3_athena import AthenaClient
    from mypy_boto3_cloudtrail import CloudTrailClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_xray import XRayClient

Service = Literal[
    "apigateway",
    "athena",
    "cloudtrail",
    "cloudwatch",
    "dynamodb",
    "dynamodbstreams",
    "lambda",
    "logs",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "xray",
]
"""The services Lookout calls (each one's stubs are in the ``dev`` extra's ``boto3-stubs[...]``)."""

CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 4.0
MAX_POOL_CONNECTIONS = 32
"""Connections a client keeps per endpoint (botocore's default is 10): the log-error forwarder records 16 kinds
at once while up to 8 deliveries each claim and post, and a thread beyond the pool would open and drop a
connection — a TLS handshake — per call."""
MAX_ATTEMPTS = 2
"""Attempts in all, so one retry: a throttled source should answer "throttled" within its few-second
deadline, not time out (botocore's ``total_max_attempts``; its ``max_attempts`` counts retries only)."""


def new_client(
    service: Service,
    region: str | None = None,
    *,
    session: Session | None = None,
    read_timeout: float = READ_TIMEOUT_S,
) -> BaseClient:
    """A boto3 client with Lookout's timeouts and retries (``session``: a ``boto3.session.Session``)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        max_pool_connections=MAX_POOL_CONNECTIONS,
        user_agent_extra="lookout",
    )
    factory = session or boto3.session.Session()
    return factory.client(service, region_name=region, config=config)


class Clients:
    """Clients of one container, by (service, region): built once, under a lock (boto3 sessions are not
    thread-safe). ``warm(...)`` builds the ones a hot path needs at init; enrichment of an alarm in another
    region builds that region's client on first use."""

    def __init__(self, region: str | None = None, *, session: Session | None = None) -> None:
        self.region = region
        self._session = session
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str | None], BaseClient] = {}

    @overload
    def __call__(self, service: Literal["apigateway"], region: str | None = None) -> APIGatewayClient: ...
    @overload
    def __call__(self, service: Literal["athena"], region: str | None = None) -> AthenaClient: ...
    @overload
    def __call__(self, service: Literal["cloudtrail"], region: str | None = None) -> CloudTrailClient: ...
    @overload
    def __call__(self, service: Literal["cloudwatch"], region: str | None = None) -> CloudWatchClient: ...
    @overload
    def __call__(self, service: Literal["dynamodb"], region: str | None = None) -> DynamoDBClient: ...
    @overload
    def __call__(
        self, service: Literal["dynamodbstreams"], region: str | None = None
    ) -> DynamoDBStreamsClient: ...
    @overload
    def __call__(self, service: Literal["lambda"], region: str | None = None) -> LambdaClient: ...
    @overload
    def __call__(self, service: Literal["logs"], region: str | None = None) -> CloudWatchLogsClient: ...
    @overload
    def __call__(self, service: Literal["s3"], region: str | None = None) -> S3Client: ...
    @overload
    def __call__(self, service: Literal["secretsmanager"], region: str | None = None) -> SecretsManagerClient: ...
    @overload
    def __call__(self, service: Literal["sns"], region: str | None = None) -> SNSClient: ...
    @overload
    def __call__(self, service: Literal["sqs"], region: str | None = None) -> SQSClient: ...
    @overload
    def __call__(self, service: Literal["xray"], region: str | None = None) -> XRayClient: ...
    @overload
    def __call__(self, service: Service, region: str | None = None) -> BaseClient: ...
    def __call__(self, service: Service, region: str | None = None) -> BaseClient:
        key = (service, region or self.region)
        found = self._clients.get(key)
        if found is None:
            with self._lock:
                found = self._clients.get(key)
                if found is None:
                    if self._session is None:
                        import boto3

                        self._session = boto3.session.Session()
                    found = new_client(service, key[1], session=self._session)
                    self._clients[key] = found
        return found

    @overload
    def lazy(self, service: Literal["apigateway"]) -> APIGatewayClient: ...
    @overload
    def lazy(self, service: Literal["athena"]) -> AthenaClient: ...
    @overload
    def lazy(self, service: Literal["dynamodb"]) -> DynamoDBClient: ...
    @overload
    def lazy(self, service: Literal["dynamodbstreams"]) -> DynamoDBStreamsClient: ...
    @overload
    def lazy(self, service: Literal["logs"]) -> CloudWatchLogsClient: ...
    def lazy(self, service: Service) -> object:
        """A stand-in for ``self(service)`` that builds the client on its first call: for clients a path may
        never need (the Slack function's ack uses neither Logs nor Athena), kept out of the init phase. Typed
        as the client it stands for: every attribute is the client's."""
        return lazy(lambda: self(service))

    def warm(self, services: Iterable[Service]) -> Clients:
        """Build the clients of ``services`` in the default region now (the handlers' init phase)."""
        for service in services:
            self(service)
        return self

    def close(self) -> None:
        """Drop pooled connections (after a SnapStart restore they point at sockets that no longer exist)."""
        with self._lock:
            for client in self._clients.values():
                client.close()


ClientT = TypeVar("ClientT")


def lazy(build: Callable[[], ClientT]) -> ClientT:
    """A stand-in for the client ``build`` returns, built on the first use of any of its attributes: for a
    client a path may never need. Typed as that client."""
    return cast("ClientT", _LazyClient(build))


class _LazyClient:
    def __init__(self, build: Callable[[], object]) -> None:
        self._build = build
        self._client: object | None = None

    def __getattr__(self, name: str) -> object:
        if self._client is None:
            self._client = self._build()  # a race builds it twice at worst: the factories cache their clients
        return getattr(self._client, name)


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError``, else None."""
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None
