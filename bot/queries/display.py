"""How query results read, the same in Slack, the digest and the terminal: bytes and cost in one wording
("64.5 KB · < $0.0001"), column headers in words with their units, and cells in those units (milliseconds
as "190 ms" or "1.95 s", bytes as "3.0 MB", timestamps without a ".000" that says nothing).

Not for: Block Kit (``bot.slack.blocks.results``) or the terminal's layout (``bot.cli.queries``).
"""

from __future__ import annotations

import re

LABELS = {
    "requests": "Requests",
    "error_rate_pct": "5xx %",
    "client_error_pct": "4xx %",
    "p95_ms": "p95",
    "avg_ms": "Average",
    "bytes": "Sent",
    "first_seen": "First seen",
    "last_seen": "Last seen",
    "sample_request_id": "Sample request id",
    "last_changed": "Last changed",
}
_TIMESTAMP_ZERO_MS = re.compile(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})\.0+$")


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def human_cost(usd: float) -> str:
    return f"≈ ${usd:.4f}" if usd >= 0.0001 else "< $0.0001"


def label(column: str) -> str:
    """``error_rate_pct`` → ``5xx %``; an unknown ``snake_case`` name → ``Snake case``; ``@timestamp`` as is."""
    if column in LABELS:
        return LABELS[column]
    if column.startswith("@") or not re.fullmatch(r"[a-z0-9_]+", column):
        return column
    words = column.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def cell(column: str, value: str) -> str:
    """A cell in its column's unit; anything that is not a plain number of that unit is left as it is."""
    text = str(value)
    number = _number(text)
    if number is not None:
        if column.endswith("_ms"):
            return f"{number / 1000:.2f} s" if number >= 1000 else f"{number:.0f} ms"
        if column == "bytes":
            return human_bytes(int(number))
        if column.endswith("_pct"):
            return f"{number:g} %"
        return text
    zero = _TIMESTAMP_ZERO_MS.match(text)
    return zero.group(1) if zero else text


def table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Headers and rows as shown."""
    shown = [tuple(cell(c, v) for c, v in zip(columns, row, strict=False)) for row in rows]
    return tuple(label(c) for c in columns), shown


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
