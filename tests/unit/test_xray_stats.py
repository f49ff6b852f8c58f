"""The X-Ray enricher's arithmetic on the documented API shapes: a node's figures from its summary statistics
and response-time histogram, the percentile's edges, the quoted trace filter."""

from __future__ import annotations

import pytest

from bot.enrich.xray import filter_expression, percentile_ms, stats_of
from tests.support.xray import API_HISTOGRAM, summary


def test_stats_from_summary_and_histogram() -> None:
    stats = stats_of(summary(90, 4, 2, 4, 21.0), API_HISTOGRAM)
    assert (stats.requests, stats.ok, stats.errors, stats.throttles, stats.faults) == (100, 90, 4, 2, 4)
    assert stats.error_rate == pytest.approx(0.06)
    assert stats.fault_rate == pytest.approx(0.04)
    assert stats.avg_ms == pytest.approx(210.0)
    assert stats.p95_ms == pytest.approx(300.0)  # 80 + 15 = 95 requests at or under 0.3 s


def test_percentile_edges() -> None:
    assert percentile_ms([], 0.95) is None
    assert percentile_ms([{"Value": 1.0, "Count": 1}], 0.95) == 1000.0
    assert percentile_ms([{"Value": 0.1, "Count": 94}, {"Value": 9.0, "Count": 6}], 0.95) == 9000.0


def test_filter_expression_quotes_names() -> None:
    assert filter_expression('a"b') == 'service("a\\"b") { fault OR error }'
