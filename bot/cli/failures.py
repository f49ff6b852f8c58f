"""How the ``lookout`` command fails: when something outside it fails (AWS, the configuration, a query) it says
so in one line that says what to do, exit 2 — the traceback only with ``--debug``. A closed pipe
(``lookout render … | head``) ends quietly, as Unix tools do.

Not for: the commands themselves (the other modules of ``bot.cli``), nor log-error lines (``bot.logerrors``).
"""

from __future__ import annotations

import functools
import os
import sys
from typing import TYPE_CHECKING

from bot.config import ConfigError
from bot.queries.catalog import CatalogError
from bot.queries.results import QueryError
from bot.text import redact

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    Command = Callable[[argparse.Namespace], int]

CONFIG_HINT = "run from the repository's root, or set LOOKOUT_CONFIG (and LOOKOUT_QUERIES) to the files"


def explain(error: BaseException) -> str | None:
    """One line for an AWS or configuration failure a user can fix; None for anything else (a bug)."""
    from botocore import exceptions as aws

    if isinstance(error, aws.NoRegionError):
        return "no AWS region: set AWS_REGION (for example AWS_REGION=us-east-1)"
    if isinstance(error, aws.NoCredentialsError | aws.PartialCredentialsError):
        return (
            "no AWS credentials: set AWS_PROFILE or keys — or, for the embedded stack, the exports `make stack` "
            "prints (AWS_ENDPOINT_URL with any keys)"
        )
    if isinstance(error, aws.EndpointConnectionError | aws.ConnectTimeoutError | aws.ConnectionClosedError):
        where = os.environ.get("AWS_ENDPOINT_URL")
        hint = f"is the embedded stack running at {where} (make stack)?" if where else "is the network up?"
        return f"cannot reach AWS ({error}); {hint}"
    if isinstance(error, aws.ClientError):
        detail = error.response.get("Error", {})
        return f"AWS refused: {detail.get('Code', 'error')}: {detail.get('Message', '')}".rstrip(": ")
    if isinstance(error, aws.BotoCoreError):
        return f"AWS call failed: {error}"
    return None


def guarded(run: Callable[[], int], debug: bool) -> int:
    try:
        return run()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)  # the reader left: nothing more to say (Python's advice)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as error:
        message = explain(error)
        if message is None or debug:
            raise
        print(f"lookout: {redact(message)}", file=sys.stderr)  # AWS's words can quote what it was sent
        return 2


def query_errors_in_one_line(run: Command) -> Command:
    """``run`` (a command that reads the query configuration) with a configuration, catalog or query error
    said in one line, exit 2 (unless ``--debug``)."""

    @functools.wraps(run)
    def command(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except (ConfigError, CatalogError, QueryError) as exc:
            if args.debug:
                raise
            hint = f" ({CONFIG_HINT})" if "cannot be read" in str(exc) else ""
            print(f"lookout: {redact(str(exc))}{hint}", file=sys.stderr)  # a query's error can quote its data
            return 2

    return command
