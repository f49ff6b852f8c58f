"""The Slack app on the repo's query configuration with fake query runners: signed slash-command bodies, a lazy
runner that keeps its work for the test to run, canned results, and the app itself posting to the Slack stand-in."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from slack_bolt.lazy_listener import LazyListenerRunner

from bot.queries.catalog import Access, load_config
from bot.queries.commands import QueryService
from bot.queries.results import QueryResult
from bot.slack.edge.app import build_app
from bot.slack.transport.post import SlackPoster
from local.demo.config import CONFIG as DEMO_CONFIG
from local.demo.config import QUERIES as DEMO_QUERIES
from local.slack.gateway import signed_headers

if TYPE_CHECKING:
    from slack_bolt.request import BoltRequest

    from local.slack.api import SlackStandIn


ROOT = Path(__file__).resolve().parents[2]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def signed(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's headers for ``body``, named in lower case as Lambda and Bolt present them."""
    return {name.lower(): value for name, value in signed_headers(body, secret, timestamp).items()}


def writer_for(slack: SlackStandIn, token: str = "xoxb-test") -> SlackPoster:
    """The one writer, sending to the Slack stand-in."""
    return SlackPoster(lambda: token, base_url=slack.url)


def command_body(
    command: str, text: str, user: str = "U012USER", channel: str = "C012CHAN", response_url: str = ""
) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T012",
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "ops",
            "user_id": user,
            "user_name": "ana",
            "command": command,
            "text": text,
            "api_app_id": "A012",
            "response_url": response_url or "https://hooks.slack.com/commands/T012/1/x",
            "trigger_id": "1.2.abc",
        }
    )


class RecordingLazyRunner(LazyListenerRunner):
    """Keeps lazy work instead of starting it, so a test can run it after checking the ack."""

    def __init__(self, logger: Any) -> None:
        self.logger = logger
        self.pending: list[tuple[Any, BoltRequest]] = []

    def start(self, function: Any, request: BoltRequest) -> None:
        self.pending.append((function, request))

    def run_all(self) -> None:
        while self.pending:
            function, request = self.pending.pop(0)
            self.run(function, request)


class FakeRunner:
    def __init__(self, result: QueryResult | Exception) -> None:
        self.result = result
        self.calls: list[tuple[Any, ...]] = []

    def run(self, *args: Any, **kwargs: Any) -> QueryResult:
        self.calls.append(args)
        on_progress = args[4] if len(args) > 4 else args[2] if len(args) > 2 else None
        del on_progress
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


ERRORS = QueryResult(
    engine="insights",
    columns=("@message", "count", "first_seen", "last_seen"),
    rows=(
        (
            '{"level": "ERROR", "msg": "payment failed", "requestId": "r-1"}',
            "7",
            "2026-11-26 07:10:00.000",
            "2026-11-26 07:50:00.000",
        ),
    ),
    seconds=2.0,
    bytes_scanned=5 * 1024**2,
    records_matched=7,
    query_id="q-1",
)
TRAFFIC = QueryResult(
    engine="athena",
    columns=("customer", "requests"),
    rows=(("acme", "120"),),
    seconds=3.0,
    bytes_scanned=10**8,
    query_id="e-1",
)


def make_service(
    *, insights: Any = None, athena: Any = None, access: dict[str, Access] | None = None
) -> tuple[QueryService, list[dict[str, Any]]]:
    """The query service on the repo's configuration with fake runners; and the audit records it writes."""
    config = load_config(DEMO_CONFIG, DEMO_QUERIES)
    if access:
        object.__setattr__(config, "access", access)
    audit: list[dict[str, Any]] = []
    service = QueryService(
        config,
        insights=insights or FakeRunner(ERRORS),
        athena=athena or FakeRunner(TRAFFIC),
        audit=audit.append,
        region="us-east-1",
    )
    return service, audit


def make_app(
    slack: SlackStandIn, *, insights: Any = None, athena: Any = None, access: dict[str, Access] | None = None
) -> tuple[Any, RecordingLazyRunner, list[dict[str, Any]]]:
    service, audit = make_service(insights=insights, athena=athena, access=access)
    app = build_app(service, signing_secret=SECRET, writer=writer_for(slack))
    lazy = RecordingLazyRunner(app.logger)
    app.listener_runner.lazy_listener_runner = lazy
    return app, lazy, audit
