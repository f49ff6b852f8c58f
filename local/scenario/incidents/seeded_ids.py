"""Deterministic ids for the scenarios' shapes (``Ids``): X-Ray trace and segment ids, request ids and event ids,
all drawn from one seeded random source, so a seed always gives the same world.

Not for: the shapes the ids go into (``local.scenario.incidents.xray_segments``,
``local.scenario.incidents.log_lines``, ``local.scenario.incidents.cloudtrail_events``).
"""

from __future__ import annotations

import random
import uuid

from local.scenario.incident import hex_id


class Ids:
    """Deterministic ids from one seeded random source: X-Ray trace and segment ids, request ids, event ids."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def trace(self, at: float) -> str:
        return f"1-{int(at):08x}-{hex_id(self.rng, 24)}"

    def segment(self) -> str:
        return hex_id(self.rng)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def uniform(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)

    def chance(self, share: float) -> bool:
        return self.rng.random() < share
