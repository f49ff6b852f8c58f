"""Run the suite on another day: ``pytest --clock-ahead DAYS`` moves every clock of the test process (and of
the processes it starts) DAYS ahead of today, ticking on, with time-machine. The embedded stack's servers run
in the test process, so moto, the stand-ins and the bot all see the same moved clock.

``make test`` runs the suite once today and once a year ahead: a test that depends on today's date fails the
second run. Monotonic clocks are not moved (time-machine leaves them alone), so deadlines and timeouts behave.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

AHEAD_S = "LOOKOUT_TEST_CLOCK_AHEAD_S"
"""Seconds to move the clock: set for child processes, read by ``clock_ahead/sitecustomize.py``."""
SITE = Path(__file__).parent / "clock_ahead"


def move_clock_ahead(days: float) -> None:
    """Move this process's clock ``days`` ahead for the rest of its life, and every child process's too."""
    seconds = timedelta(days=days).total_seconds()
    os.environ[AHEAD_S] = repr(seconds)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITE), os.environ.get("PYTHONPATH")]))
    travel(seconds)


def travel(seconds: float) -> None:
    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(seconds=seconds), tick=True).start()
