"""Typed, validated query parameters: durations with a maximum, names, enums, integers, free text.

User text reaches a query only through here: Athena gets values as ``ExecutionParameters`` literals, Logs
Insights as double-quoted strings whose quotes and backslashes are escaped, so no input can end a string or
add a pipe stage. Control characters are refused outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

ParamType = Literal["duration", "int", "enum", "name", "string", "date"]
PARAM_TYPES: tuple[str, ...] = ("duration", "int", "enum", "name", "string", "date")

_DURATION = re.compile(r"(\d+)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
MAX_DURATION_S = 10 * 366 * 86400
"""Beyond any configured window; it also keeps ``timedelta`` from overflowing on absurd input."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+=-]{0,127}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
MAX_STRING = 200


class ParameterError(ValueError):
    """A value a user typed is not acceptable; the message says what would be."""


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``2h``, ``1h30m``, ``7d``, ``1w`` → timedelta."""
    raw = text.strip().lower()
    parts = _DURATION.findall(raw)
    if not raw or not parts or "".join(n + u for n, u in parts) != raw.replace(" ", ""):
        raise ParameterError(f"{text!r} is not a duration: use a number and a unit, e.g. 30m, 2h, 7d")
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise ParameterError("a duration must be longer than zero")
    if seconds > MAX_DURATION_S:
        raise ParameterError(f"{text!r} is longer than any window Lookout reads (at most a few years)")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """``30 min``, ``2 h``, ``24 h``, ``7 d``: days only from two days on, where they read better."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0 and seconds >= (2 * size if unit == "d" else size):
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter of a command or saved query."""

    name: str
    type: ParamType
    description: str = ""
    default: str | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_duration: timedelta | None = None
    required: bool = field(default=False)

    def usage(self) -> str:
        kind = "|".join(self.choices) if self.type == "enum" else self.type
        default = f", default {self.default}" if self.default is not None else ""
        return f"{self.name}=<{kind}>{default}"

    def validate(self, raw: str) -> str | int | timedelta:
        """The typed value of ``raw``, or ``ParameterError`` saying what is wrong with it."""
        value = raw.strip()
        if _CONTROL.search(value):
            raise ParameterError(f"{self.name}: control characters and line breaks are not allowed")
        if self.type == "duration":
            duration = parse_duration(value)
            if self.max_duration and duration > self.max_duration:
                limit = format_duration(self.max_duration)
                raise ParameterError(f"{self.name}: {value} is too wide a range; the maximum is {limit}")
            return duration
        if self.type == "int":
            if not re.fullmatch(r"-?\d{1,12}", value):
                raise ParameterError(f"{self.name}: {value!r} is not a whole number")
            number = int(value)
            if (self.minimum is not None and number < self.minimum) or (
                self.maximum is not None and number > self.maximum
            ):
                raise ParameterError(f"{self.name}: must be between {self.minimum} and {self.maximum}")
            return number
        if self.type == "enum":
            if value.lower() not in self.choices:
                raise ParameterError(f"{self.name}: {value!r} is not one of {', '.join(self.choices)}")
            return value.lower()
        if self.type == "name":
            if not _NAME.fullmatch(value):
                raise ParameterError(
                    f"{self.name}: {value!r} is not a valid name (letters, digits and . _ : / @ + = - only)"
                )
            return value
        if self.type == "date":
            if not _DATE.fullmatch(value):
                raise ParameterError(f"{self.name}: {value!r} is not a date (YYYY-MM-DD)")
            return value
        if not value or len(value) > MAX_STRING:
            raise ParameterError(f"{self.name}: give between 1 and {MAX_STRING} characters")
        return value


def insights_literal(value: str | int) -> str:
    """A Logs Insights literal: numbers as digits, text double-quoted with ``\\`` and ``"`` escaped."""
    if isinstance(value, int):
        return str(value)
    if _CONTROL.search(value):
        raise ParameterError("control characters and line breaks are not allowed")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def athena_literal(value: str | int) -> str:
    """An Athena ``ExecutionParameters`` entry: a literal, never SQL (single quotes doubled)."""
    if isinstance(value, int):
        return str(value)
    if _CONTROL.search(value):
        raise ParameterError("control characters and line breaks are not allowed")
    return "'" + value.replace("'", "''") + "'"
