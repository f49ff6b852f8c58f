"""``lookout check [NAME] [--dry-run]``: run scheduled checks from a terminal and print each outcome.

``--dry-run`` runs the probes and prints what they found, redacted as on the card — nothing recorded, nothing
posted. Without it the checks run as the scheduled function runs them (the same runner and alert service from
``bot.wiring``): their standings are recorded in the incidents table and a transition is posted through the
alarm pipeline (AWS credentials or ``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.aws import Clients
from bot.checks.config import load_checks
from bot.config import ConfigError, Settings
from bot.delivery import Deadline
from bot.observability import Telemetry
from bot.text import redact

if TYPE_CHECKING:
    import argparse

    from bot.checks.model import Result


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser("check", help="run scheduled checks (infra/checks.yaml) and print the outcome")
    check.add_argument("name", nargs="?", help="one check (default: all)")
    check.add_argument("--dry-run", action="store_true", help="record nothing, post nothing")
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from bot.wiring import build_alert_service, build_check_runner  # when the command runs: see ``bot.cli``

    settings = Settings.from_env()
    try:
        checks = [c for c in load_checks(Path(settings.checks_file)) if args.name in (None, c.name)]
    except ConfigError as error:
        print(f"lookout check: {error}", file=sys.stderr)
        return 2
    if not checks:
        known = "no such check" if args.name else f"no checks in {settings.checks_file}"
        print(f"lookout check: {known} (LOOKOUT_CHECKS points at the file)", file=sys.stderr)
        return 2
    telemetry, clients = Telemetry.for_cli(settings), Clients(settings.region)
    runner = build_check_runner(settings, telemetry, clients, record=not args.dry_run)
    deadline = Deadline.after(60)
    results = runner.run(checks, deadline)
    for result in results:  # excerpts of outside text come redacted; each line is redacted whole here too
        print(redact(_line(result)))
        for fact in result.evidence:
            print(f"    {redact(fact).replace('*', '')}")
    if runner.store is not None:
        service = build_alert_service(settings, telemetry, clients)
        pending = runner.transitions(checks, results)
        outcomes = runner.announce(pending, lambda d: service.deliver_all(d, deadline, raise_failed=False))
        for announcement, outcome in zip(pending, outcomes, strict=True):
            print(redact(f"{announcement.alarm.name}: {outcome.error or 'posted'}"))
    return 0 if all(r.ok for r in results) else 1


def _line(result: Result) -> str:
    mark = "–" if not result.judged else ("✓" if result.ok else "✗")
    return f"{mark} {result.check}: {result.summary}"
