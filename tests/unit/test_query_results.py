"""Query results without AWS: the cost estimate per engine, and error messages folded by kind without breaking
a secret into unredacted pieces."""

from __future__ import annotations

import pytest

from bot.queries.folding import fold_errors, normalise
from bot.queries.results import estimated_cost


def test_cost_estimates() -> None:
    assert estimated_cost("athena", 0) == pytest.approx(10 * 1024**2 / 1024**4 * 5)  # 10 MB minimum
    assert estimated_cost("athena", 1024**4) == pytest.approx(5.0)
    assert estimated_cost("insights", 1024**3) == pytest.approx(0.005)


def test_error_messages_fold_by_kind() -> None:
    from bot.queries.results import QueryResult

    raw = QueryResult(
        engine="insights",
        columns=("@message", "count", "first_seen", "last_seen"),
        rows=(
            (
                "2026-11-26T07:01:02.123Z\t0b2fd6d1-6d4f-4fd9-9c13-2f1b8c7bcd56\tERROR timeout after 3012 ms",
                "3",
                "2026-11-26 07:01:02.123",
                "2026-11-26 07:05:00.000",
            ),
            (
                "2026-11-26T07:09:02.123Z\t1c3fd6d1-6d4f-4fd9-9c13-2f1b8c7bcd57\tERROR timeout after 2999 ms",
                "2",
                "2026-11-26 07:09:02.123",
                "2026-11-26 07:40:00.000",
            ),
            (
                '{"level": "ERROR", "msg": "payment failed", "orderId": "ord-1", "requestId": "r-42"}',
                "4",
                "2026-11-26 07:30:00.000",
                "2026-11-26 07:31:00.000",
            ),
            (
                '{"level": "ERROR", "msg": "payment failed", "orderId": "ord-2", "requestId": "r-43"}',
                "1",
                "2026-11-26 07:20:00.000",
                "2026-11-26 07:59:00.000",
            ),
        ),
        seconds=1.0,
        bytes_scanned=0,
        records_matched=10,
    )
    folded, total = fold_errors(raw)
    assert total == 10
    assert folded.rows == (
        (
            "<time> <uuid> ERROR timeout after <n> ms",
            "5",
            "2026-11-26 07:01:02.123",
            "2026-11-26 07:40:00.000",
            "0b2fd6d1-6d4f-4fd9-9c13-2f1b8c7bcd56",
        ),
        ("ERROR payment failed", "5", "2026-11-26 07:20:00.000", "2026-11-26 07:59:00.000", "r-42"),
    )
    assert normalise("user 12 sent 0x7f3a9b2c1d at 2026-11-26 07:00:00") == "user <n> sent <id> at <time>"


def test_folding_never_breaks_a_secret_into_unredacted_pieces() -> None:
    from bot.queries.results import QueryResult

    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcmRlcnMifQ.c2lnbmF0dXJl"
    raw = QueryResult(
        "insights", ("@message", "count"), ((f"ERROR retry with Authorization: Bearer {jwt} for 42", "3"),), 1.0, 0
    )
    folded, _ = fold_errors(raw)
    text = folded.rows[0][0]
    assert "eyJ" not in text and "c2lnbmF0dXJl" not in text and "[REDACTED" in text
