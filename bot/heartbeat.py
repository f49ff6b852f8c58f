"""The outside witness: after a good scheduled run, a GET to a dead man's switch service (healthchecks.io,
Cronitor, Better Stack…), which alerts through its own channels when the pings stop — so a region outage, a
broken deployment or a disabled schedule is noticed by something that does not run in AWS.

A failed ping is logged and counted by the caller, never fatal: the run itself was good.
Not for: the in-AWS heartbeat (the ``Heartbeat`` metric and its alarm in the template).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from urllib3 import PoolManager


def ping(url: str, pool: PoolManager, timeout_s: float = 3.0) -> bool:
    """Whether the switch answered 2xx."""
    import urllib3

    try:
        response = pool.request(
            "GET",
            url,
            timeout=urllib3.Timeout(total=timeout_s),
            retries=urllib3.Retry(total=1, backoff_factor=0.2),
        )
    except urllib3.exceptions.HTTPError:
        return False
    return 200 <= response.status < 300
