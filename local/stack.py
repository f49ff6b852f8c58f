"""The embedded stack: moto's server, the AWS front with our stand-ins, and the Slack stand-in, on loopback.

``with EmbeddedStack() as stack:`` starts everything on free ports; ``stack.env()`` is what a process needs to
talk to it (``AWS_ENDPOINT_URL``, fake credentials, ``SLACK_API_URL``). Everything stops on exit.
"""

from __future__ import annotations

import logging
import os
import urllib.request
from contextlib import contextmanager
from typing import TYPE_CHECKING

from local.aws_front import AwsFront
from local.slack.api import SlackStandIn

if TYPE_CHECKING:
    from collections.abc import Iterator

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account


class EmbeddedStack:
    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.front: AwsFront | None = None
        self.slack = SlackStandIn()

    def __enter__(self) -> EmbeddedStack:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request otherwise
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        moto_url = f"http://{host}:{port}"
        urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10)
        self.front = AwsFront(moto_url)
        self.front.start()
        self.slack.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.slack.__exit__(*exc)
        if self.front:
            self.front.stop()
        self._moto.stop()

    @property
    def aws(self) -> AwsFront:
        assert self.front is not None, "start the stack first"
        return self.front

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.aws.url,
            "AWS_ACCESS_KEY_ID": "embedded",
            "AWS_SECRET_ACCESS_KEY": "embedded",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "SLACK_API_URL": self.slack.url,
        }


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of a block (the demo's process-wide settings)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(argv: list[str] | None = None) -> int:
    """``python -m local.stack`` (``make stack``): the embedded stack on its own, for ``lookout query``, the AWS
    CLI or a notebook — seeded with the demo's incident unless ``--no-seed``, until interrupted."""
    import argparse
    import signal
    import time

    parser = argparse.ArgumentParser(prog="python -m local.stack", description=main.__doc__)
    parser.add_argument("--no-seed", action="store_true", help="start empty: no tables, logs, traces or alarms")
    parser.add_argument("--for", dest="seconds", type=float, default=None, help="stop after this many seconds")
    args = parser.parse_args(argv)
    # SIGTERM stops it as Ctrl-C does: an exception in the main thread. A handler that took a lock (an Event's
    # set()) could deadlock with the main thread holding that very lock.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with EmbeddedStack() as stack, environment(stack.env()):
        try:
            lines = [f"export {key}={value}" for key, value in stack.env().items()]
            if not args.no_seed:
                from local.demo.config import environment as demo_environment
                from local.scenario.incident import seed

                incident = seed()
                lines.append(f"export SLACK_TOKEN_SECRET_ARN={incident.secret_arn}")
                # the seeded data is the demo app's: ask with its configuration and saved queries
                lines += [f"export {key}={value}" for key, value in demo_environment().items()]
            print("# The embedded stack is up. In another shell:", flush=True)
            print("\n".join(lines), flush=True)
            print('# e.g. .venv/bin/lookout slash "/traffic 24h by customer"', flush=True)
            print("#      .venv/bin/lookout query popular-settings  or  aws logs describe-log-groups", flush=True)
            print("# ready (Ctrl-C to stop)", flush=True)
            time.sleep(args.seconds if args.seconds is not None else 10**9)
        except KeyboardInterrupt:
            for stop in (signal.SIGINT, signal.SIGTERM):  # the servers stop on the way out: once, in peace
                signal.signal(stop, signal.SIG_IGN)
    print("# stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
