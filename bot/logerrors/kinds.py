"""Error lines folded into kinds, as ``/errors`` folds them (``bot.queries.folding.normalise``: secrets
redacted first, then ids, numbers, UUIDs and timestamps replaced), one kind per log group and fingerprint,
with how many lines, when first and last seen, and one sample line (redacted).

Not for: deciding what is posted (``bot.logerrors.ledger``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import table_keys
from bot.queries.folding import KIND_CHARS, kind_of, kind_text, request_id_in
from bot.text import redact, window

if TYPE_CHECKING:
    from bot.logerrors.payload import Batch

SAMPLE_CHARS = 1000
assert SAMPLE_CHARS <= KIND_CHARS  # a plain line's sample is cut from its kind's redacted text


@dataclass
class Kind:
    group: str
    fingerprint: str
    count: int
    first_ms: int
    last_ms: int
    sample: str
    stream: str
    request_id: str = ""

    @property
    def key(self) -> str:
        """The kind's tally in the incidents table (``bot.table_keys.log_kind``)."""
        return table_keys.log_kind(hashlib.sha256(f"{self.group}\n{self.fingerprint}".encode()).hexdigest()[:24])


def fold(batch: Batch) -> list[Kind]:
    kinds: dict[str, Kind] = {}
    for event in batch.events:
        text = kind_text(event.message)  # the line's one redaction (a JSON record's: its summary's)
        fingerprint = kind_of(text)
        kind = kinds.get(fingerprint)
        if kind is None:
            whole = event.message.strip()
            plain = not whole.startswith("{")  # a plain line's kind text is its redacted head: the sample's too
            sample = (text if plain else redact(window(whole, SAMPLE_CHARS)))[:SAMPLE_CHARS]
            kinds[fingerprint] = Kind(
                batch.group,
                fingerprint,
                1,
                event.timestamp_ms,
                event.timestamp_ms,
                sample,
                batch.stream,
                request_id_in(event.message),
            )
        else:
            kind.count += 1
            kind.first_ms = min(kind.first_ms, event.timestamp_ms)
            kind.last_ms = max(kind.last_ms, event.timestamp_ms)
    return sorted(kinds.values(), key=lambda k: -k.count)
