"""The one error for configuration that is missing or malformed — a variable of the environment or a field of a
configuration file — and msgspec's words for a refused value, reworded for the person who wrote it."""

from __future__ import annotations

import re


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable, or the file and the field."""


_TYPES = {"int": "a whole number", "str": "text", "array": "a list", "object": "a mapping", "float": "a number"}
_TYPES |= {"bool": "true or false", "null": "nothing"}
_BOUNDS = {">=": "at least", "<=": "at most", ">": "more than", "<": "less than"}


def reworded(message: str, value: object, choices: tuple[object, ...] = (), *, quote: bool = True) -> str:
    """msgspec's ``Expected `int` <= 5`` → ``must be at most 5, got 9``; other messages as they are.
    ``quote=False``: without the value (the caller shows it)."""
    got = f", got {value!r}" if quote else ""
    if match := re.fullmatch(r"Expected `([\w |]+)`, got `\w+`", message):
        return f"expected {' or '.join(_TYPES.get(t, t) for t in match[1].split(' | '))}{got}"
    if match := re.fullmatch(r"Expected `\w+` (>=|<=|>|<) (\S+)", message):
        return f"must be {_BOUNDS[match[1]]} {match[2]}{got}"
    if match := re.fullmatch(r"Expected `(\w+)` of length (>=|<=) (\d+)", message):
        if match[2] == ">=" and match[3] == "1":
            return "must not be empty"
        return f"must have {_BOUNDS[match[2]]} {match[3]} {'characters' if match[1] == 'str' else 'entries'}"
    if message.startswith("Expected `str` matching regex"):
        return f"{value!r} is not valid" if quote else "not valid"
    if message.startswith("Invalid enum value") and choices:
        listed = ", ".join(map(str, choices))
        return f"{value!r} is not one of {listed}" if quote else f"one of {listed}"
    return message
