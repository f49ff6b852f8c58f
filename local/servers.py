"""What the embedded stack's loopback HTTP servers share."""

from __future__ import annotations

POLL_S = 0.05
"""How often a server checks for shutdown: stopping one takes at most this long (``serve_forever``'s default
of 0.5 s was paid by every test that started a stand-in)."""
