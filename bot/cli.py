"""The ``lookout`` command line: ``render EVENT_FILE [--offline]``, ``slash TEXT [--dry-run]``, ``query NAME``,
``dev``.

``render`` prints, as a JSON array, the Slack Web API calls the alarm handler would make for the event
(no token, nothing sent). Errors are printed without a traceback unless ``--debug``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.cli_checks import add_check_command, run_checks
from bot.cli_errors import CONFIG_HINT, guarded
from bot.cli_queries import add_commands, run_command
from bot.config import ConfigError, Settings
from bot.delivery import Deadline, Posted
from bot.events import NotAnEvent, parse_json_text
from bot.observability import Telemetry
from bot.queries.catalog import CatalogError
from bot.queries.results import QueryError
from bot.text import excerpt, redact
from bot.wiring import build_alert_service

ERROR_CHARS = 300
"""Of a failed function's answer in ``lookout replay``'s report (redacted, then cut)."""


class RecordingPoster:
    """Stands in for ``SlackPoster``: keeps the calls instead of sending them."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def post(
        self,
        message: Any,
        channel: str,
        deadline: Deadline,
        thread_ts: str | None = None,
        key: str | None = None,
        search_first: bool = False,
    ) -> Posted:
        from bot.slack.transport.post import metadata_for

        del deadline, search_first  # nothing was posted before: there is nothing to find
        payload = message.payload(channel)
        if thread_ts:
            payload["thread_ts"] = thread_ts
        if key:
            payload["metadata"] = metadata_for(key)
        self.calls.append({"method": "chat.postMessage", "payload": payload})
        return Posted(channel=channel, ts=f"{len(self.calls)}.000000")


def render_calls(event: object, settings: Settings, *, offline: bool) -> list[dict[str, Any]]:
    """The Slack calls the alarm path would make for ``event`` (without the incident lifecycle)."""
    from bot.aws import Clients
    from bot.slack.transport.courier import SlackCourier

    telemetry = Telemetry.for_cli(settings)
    service = build_alert_service(
        settings, telemetry, None if offline else Clients(settings.region), offline=offline
    )
    recorder = RecordingPoster()
    service.courier = SlackCourier(recorder, telemetry.logger)  # type: ignore[arg-type]
    service.lifecycle, service.prefetch = None, None
    service.handle(event, Deadline.after(30))
    return recorder.calls


def main(argv: list[str] | None = None) -> int:
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    return guarded(lambda: _main(argv), debug)


def _main(argv: list[str] | None) -> int:
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("lookout")
    except PackageNotFoundError:
        installed = "unknown (not installed)"
    parser = argparse.ArgumentParser(prog="lookout", description="Lookout: CloudWatch alarms to Slack.")
    parser.add_argument("--version", action="version", version=f"lookout {installed}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser("render", help="print the Slack calls the alarm handler would make for an event")
    render.add_argument("event_file", type=Path)
    render.add_argument("--offline", action="store_true", help="make no AWS call; enrichment is skipped")
    add_commands(commands)
    again = commands.add_parser("replay", help="re-drive alerts from the on-failure queue once Slack is back")
    again.add_argument(
        "--queue-url", default=os.environ.get("ON_FAILURE_QUEUE_URL"), help="default: $ON_FAILURE_QUEUE_URL"
    )
    again.add_argument("--max", type=int, default=1000, help="at most this many messages")
    add_check_command(commands)
    fill = commands.add_parser(
        "backfill-config", help="write the configuration table's current items into the snapshot, once"
    )
    fill.add_argument("table", help="the app's configuration table (the one ConfigTableStreamArn streams)")
    fill.add_argument("--bucket", default=os.environ.get("DATA_BUCKET"), help="default: $DATA_BUCKET")
    args = parser.parse_args(argv)
    if args.command == "replay":
        return _replay(args)
    if args.command == "backfill-config":
        return _backfill(args)
    if args.command == "check":
        return run_checks(args)
    if args.command != "render":
        try:
            return run_command(args)
        except (ConfigError, CatalogError, QueryError) as exc:
            if args.debug:
                raise
            hint = f" ({CONFIG_HINT})" if "cannot be read" in str(exc) else ""
            print(f"lookout: {redact(str(exc))}{hint}", file=sys.stderr)  # a query's error can quote its data
            return 2
    try:
        settings = Settings.from_env()
        event = parse_json_text(_read(args.event_file))
        calls = render_calls(event, settings, offline=args.offline)
    except (NotAnEvent, ConfigError, OSError) as exc:
        if args.debug:
            raise
        print(
            f"lookout: {args.event_file}: {exc}" if isinstance(exc, NotAnEvent) else f"lookout: {exc}",
            file=sys.stderr,
        )
        return 2
    json.dump(calls, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from bot.redrive import redrive

    if not args.queue_url:
        print("lookout replay: give --queue-url (a failure queue's URL from the stack's outputs)", file=sys.stderr)
        return 2
    from bot.aws import Clients

    settings = Settings.from_env()
    clients = Clients(settings.region)
    service = build_alert_service(settings, Telemetry.for_cli(settings), clients)
    lambda_client = clients("lambda")

    def invoke(function: str, payload: dict[str, Any]) -> None:
        """Back into the function the record came from, waiting for its answer."""
        answer = lambda_client.invoke(FunctionName=function, Payload=json.dumps(payload).encode())
        if answer.get("FunctionError"):
            raise RuntimeError(function_error(function, answer))

    report = redrive(service, args.queue_url, limit=args.max, sqs=clients("sqs"), invoke=invoke)
    print(
        f"replayed {report.replayed}, failed {report.failed} (left in the queue), unreadable {report.unreadable}"
        f", not this replay's {report.left} (left in the queue)"
    )
    for error in report.errors:
        print(f"  {redact(error)}", file=sys.stderr)
    return 0 if not report.failed and not report.unreadable else 1


def function_error(function: str, answer: dict[str, Any]) -> str:
    """What a function that failed a replayed record answered (its error and stack): redacted, then cut."""
    text = answer["Payload"].read().decode(errors="replace")
    return f"{function}: {excerpt(text, ERROR_CHARS)}"


def _backfill(args: argparse.Namespace) -> int:
    from bot.analytics.backfill import backfill
    from bot.analytics.mapping import load_configuration_mapping
    from bot.aws import Clients

    settings = Settings.from_env()
    mapping = load_configuration_mapping(settings.query_config)
    if mapping is None or not args.bucket:
        why = "no analytics.configuration in " + settings.query_config if mapping is None else "give --bucket"
        print(f"lookout backfill-config: {why} (the stack output DataBucketName)", file=sys.stderr)
        return 2
    clients = Clients(settings.region)
    report = backfill(clients("dynamodb"), args.table, mapping, clients("s3"), args.bucket)
    print(f"{report.items} items → {report.rows} snapshot rows in {len(report.keys)} objects")
    for label, why in report.malformed:
        print(f"  skipped {label}: {why}", file=sys.stderr)
    return 1 if report.malformed else 0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NotAnEvent("not a text file (UTF-8 expected)") from None


if __name__ == "__main__":
    sys.exit(main())
