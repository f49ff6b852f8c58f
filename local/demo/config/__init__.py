"""Where the demo app's configuration lives: its ``lookout.yaml`` (orders-api, tenants' field mappings), its own
saved queries (``queries/``, read together with the shipped ``infra/queries``) and the Glue tables its mapping
writes (``glue_tables.yaml``). ``make demo`` and the tests run Lookout with these (``environment()``); a
deployment runs with ``infra/`` only.

Not for: the demo's data (``local.scenario.incident``, ``local.scenario.tables``, ``local.scenario.config_table``).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
CONFIG = HERE / "lookout.yaml"
QUERIES = (ROOT / "infra" / "queries", HERE / "queries")
"""The shipped saved queries and the demo's own, in the order ``LOOKOUT_QUERIES`` names them."""
GLUE_TABLES = HERE / "glue_tables.yaml"


def environment(*, relative: bool = False) -> dict[str, str]:
    """``LOOKOUT_CONFIG`` and ``LOOKOUT_QUERIES`` for the demo's configuration; ``relative``: as paths from the
    repository's root (the tests run there, and a test that leaves it finds no configuration, as a user would)."""

    def where(path: Path) -> str:
        return str(path.relative_to(ROOT) if relative else path)

    return {
        "LOOKOUT_CONFIG": where(CONFIG),
        "LOOKOUT_QUERIES": os.pathsep.join(where(folder) for folder in QUERIES),
    }
