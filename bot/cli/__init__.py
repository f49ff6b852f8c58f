"""The ``lookout`` command line, a thin root over ``bot.wiring``: it builds what a command needs with the same
builders the handlers use and prints the outcome. One module per command: ``render``, ``queries`` (``slash``,
``query``), ``dev``, ``weekly_digest`` (``digest``), ``replay``, ``check``, ``backfill`` (``backfill-config``);
``failures``: what it says when something outside it fails (one line, exit 2; the traceback only with
``--debug``); ``recording``: the Slack poster that keeps its calls (``render`` prints them).

A command imports ``bot.wiring`` (and with it ``slack_sdk``), Slack's Block Kit and boto3's resource layer only
when it runs: at the top of the command modules they would make every ``lookout`` call, ``--help`` included,
start in about 300 ms instead of 70 (measured).

Nothing in ``bot`` imports this package.
"""

from __future__ import annotations

import argparse
import sys

from bot.cli import backfill, check, dev, queries, render, replay, weekly_digest
from bot.cli.failures import guarded

__all__ = ["main"]

COMMANDS = (render, queries, dev, weekly_digest, replay, check, backfill)
"""In the order ``lookout --help`` lists them."""


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
    for command in COMMANDS:
        command.add_parser(commands)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


def __getattr__(name: str) -> object:
    """``RecordingPoster``, as ``bench/reliability.py`` imports it, loaded only when asked for: it brings in
    ``slack_sdk``, which most commands never need."""
    if name == "RecordingPoster":
        from bot.cli.recording import RecordingPoster  # slack_sdk: see the docstring

        return RecordingPoster
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
