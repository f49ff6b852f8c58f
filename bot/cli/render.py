"""``lookout render EVENT_FILE [--offline]``: print, as a JSON array, the Slack Web API calls the alarm handler
would make for a Lambda event — the handler's own alert service, with a poster that keeps the calls instead of
sending them (no token, nothing sent) and no incident lifecycle. ``--offline`` makes no AWS call.

Not for: posting (``lookout replay`` re-drives what the function could not post).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.aws import Clients
from bot.config import ConfigError, Settings
from bot.delivery import Deadline
from bot.events import NotAnEvent, parse_json_text
from bot.observability import Telemetry

if TYPE_CHECKING:
    import argparse


def render_calls(event: object, settings: Settings, *, offline: bool) -> list[dict[str, object]]:
    """The Slack calls the alarm path would make for ``event`` (without the incident lifecycle)."""
    from bot.cli.recording import RecordingPoster  # when the command runs: see ``bot.cli``
    from bot.wiring import build_alert_service

    recorder = RecordingPoster()
    service = build_alert_service(
        settings,
        Telemetry.for_cli(settings),
        None if offline else Clients(settings.region),
        offline=offline,
        poster=recorder,
        track_incidents=False,
    )
    service.handle(event, Deadline.after(30))
    return recorder.calls


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    render = commands.add_parser("render", help="print the Slack calls the alarm handler would make for an event")
    render.add_argument("event_file", type=Path)
    render.add_argument("--offline", action="store_true", help="make no AWS call; enrichment is skipped")
    render.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
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


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NotAnEvent("not a text file (UTF-8 expected)") from None
