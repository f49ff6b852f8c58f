"""The embedded Logs stand-in's filter patterns against hand-picked lines."""

from __future__ import annotations

import pytest

from local.logs.patterns import PatternError, compile_pattern

LINES = [
    "2026-11-20T14:02:01Z ERROR PaymentError: 502 Bad Gateway",
    "2026-11-20T14:02:02Z WARN slow response",
    "2026-11-20T14:02:03Z INFO Task timed out after 3.00 seconds",
    "DEBUG ERROR in debug mode",
    '{"level": "ERROR", "latency": 812, "data": {"clientKey": "acme-7"}, "tags": ["pay", "eu"], "retry": true}',
    '{"level": "INFO", "latency": 45, "data": {"clientKey": "globex"}, "tags": [], "retry": false, "user": null}',
    '{"level": "WARN", "latency": "n/a"}',
]


def matching(pattern: str) -> list[int]:
    match = compile_pattern(pattern)
    return [i for i, line in enumerate(LINES) if match(line)]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", [0, 1, 2, 3, 4, 5, 6]),
        ("ERROR", [0, 3, 4]),
        ("ERROR Bad", [0]),
        ('"Task timed out"', [2]),
        ('?WARN ?"timed out"', [1, 2, 6]),
        ("ERROR -DEBUG", [0, 4]),
        ("error", []),  # case-sensitive, as in AWS
        ("%[45]0[0-9] Bad%", [0]),
        ('{ $.level = "ERROR" }', [4]),
        ('{ $.level != "ERROR" }', [5, 6]),
        ("{ $.latency > 100 }", [4]),
        ("{ $.latency <= 45 }", [5]),
        ('{ $.data.clientKey = "acme-*" }', [4]),
        ('{ $.tags[1] = "eu" }', [4]),
        ("{ $.retry IS TRUE }", [4]),
        ("{ $.user IS NULL }", [5]),
        ("{ $.data NOT EXISTS }", [6]),
        ('{ ($.level = "ERROR" || $.level = "WARN") && $.latency > 100 }', [4]),
        ("{ $.level = INFO }", [5]),
    ],
)
def test_patterns(pattern: str, expected: list[int]) -> None:
    assert matching(pattern) == expected


@pytest.mark.parametrize("pattern", ["[ip, user]", "{ $.level = ", '{ level = "x" }', "{ $.a ~ 1 }", "%(%"])
def test_unsupported_or_invalid_patterns_raise(pattern: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(pattern)
