"""Loaded by every Python process a ``pytest --clock-ahead`` run starts (its directory is on PYTHONPATH): moves
that process's clock as far ahead as the test process's (``tests/support/clock.py``)."""

import os

if os.environ.get("LOOKOUT_TEST_CLOCK_AHEAD_S"):
    from datetime import UTC, datetime, timedelta

    import time_machine

    seconds = float(os.environ["LOOKOUT_TEST_CLOCK_AHEAD_S"])
    time_machine.travel(datetime.now(UTC) + timedelta(seconds=seconds), tick=True).start()
