"""CloudWatch Logs filter patterns, as the embedded Logs stand-in applies them (moto matches only plain terms
and treats JSON patterns as match-all).

Supported: terms (all must appear, case-sensitive), quoted phrases, ``?term`` (any of), ``-term`` (none of),
``%regex%``, and JSON patterns ``{ $.a.b = "x*" }`` with ``= != > >= < <=``, ``IS NULL``, ``NOT EXISTS``,
``IS TRUE``/``IS FALSE``, ``&&``, ``||`` and parentheses. Space-delimited ``[…]`` patterns raise
``PatternError`` (AWS's ``InvalidParameterException``) rather than matching everything.
"""

from __future__ import annotations

import fnmatch
import json
import operator
import re
from collections.abc import Callable
from typing import Any

Matcher = Callable[[str], bool]

_TERM = re.compile(r'\s*([?-]?)(%(?:[^%\\]|\\.)*%|"(?:[^"\\]|\\.)*"|[^\s"]+)')
_JSON_TOKEN = re.compile(
    r'\s*(\|\||&&|>=|<=|!=|[(){}=<>]|"(?:[^"\\]|\\.)*"|\$[\w.\[\]-]*|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_*][\w*.-]*)'
)
_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_MISSING = object()


class PatternError(ValueError):
    """Invalid (or, in this stand-in, unsupported) filter pattern."""


def compile_pattern(pattern: str | None) -> Matcher:
    text = (pattern or "").strip()
    if not text:
        return lambda message: True
    if text.startswith("{"):
        return _json_matcher(text)
    if text.startswith("["):
        raise PatternError("space-delimited [..] filter patterns are not supported by the embedded Logs stand-in")
    return _term_matcher(text)


def _term_matcher(text: str) -> Matcher:
    required: list[Matcher] = []
    optional: list[Matcher] = []
    excluded: list[Matcher] = []
    pos = 0
    while pos < len(text):
        match = _TERM.match(text, pos)
        if not match:
            break
        sign, term = match.groups()
        pos = match.end()
        if term.startswith("%") and len(term) > 1 and term.endswith("%"):
            try:
                regex = re.compile(term[1:-1])
            except re.error as exc:
                raise PatternError(f"invalid regular expression {term}: {exc}") from None
            test = _regex_test(regex)
        else:
            if term.startswith('"'):
                if len(term) < 2 or not term.endswith('"'):
                    raise PatternError(f"unterminated quoted term {term}")
                term = re.sub(r"\\(.)", r"\1", term[1:-1])
            test = _substring_test(term)
        {"?": optional, "-": excluded}.get(sign, required).append(test)
    return lambda m: (
        all(t(m) for t in required)
        and (not optional or any(t(m) for t in optional))
        and not any(t(m) for t in excluded)
    )


def _regex_test(regex: re.Pattern[str]) -> Matcher:
    return lambda message: regex.search(message) is not None


def _substring_test(term: str) -> Matcher:
    return lambda message: term in message


def _json_matcher(text: str) -> Matcher:
    if not text.endswith("}"):
        raise PatternError("a JSON filter pattern must end with }")
    tokens = _tokens(text[1:-1])
    parser = _JsonParser(tokens)
    test = parser.expr()
    if parser.pos != len(tokens):
        raise PatternError(f"unexpected {tokens[parser.pos]!r} in JSON filter pattern")

    def match(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict | list) and test(document)

    return match


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _JSON_TOKEN.match(text, pos)
        if not match:
            if text[pos:].strip():
                raise PatternError(f"cannot parse JSON filter pattern near {text[pos : pos + 20]!r}")
            break
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


class _JsonParser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def take(self) -> str:
        if self.pos >= len(self.tokens):
            raise PatternError("JSON filter pattern ends too early")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def expr(self) -> Callable[[Any], bool]:
        left = self.conjunction()
        while self.peek() == "||":
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda d: a(d) or b(d))(left, right)
        return left

    def conjunction(self) -> Callable[[Any], bool]:
        left = self.comparison()
        while self.peek() == "&&":
            self.take()
            right = self.comparison()
            left = (lambda a, b: lambda d: a(d) and b(d))(left, right)
        return left

    def comparison(self) -> Callable[[Any], bool]:
        token = self.take()
        if token == "(":
            inner = self.expr()
            if self.take() != ")":
                raise PatternError("missing ) in JSON filter pattern")
            return inner
        if not token.startswith("$"):
            raise PatternError(f"expected a $.selector, got {token!r}")
        path = _path(token)
        op = self.take()
        if op.upper() == "IS":
            value = self.take().upper()
            expected = {"NULL": None, "TRUE": True, "FALSE": False}
            if value not in expected:
                raise PatternError(f"IS takes NULL, TRUE or FALSE, got {value}")
            return lambda d: _select(d, path) is expected[value] if value != "NULL" else _select(d, path) is None
        if op.upper() == "NOT":
            if self.take().upper() != "EXISTS":
                raise PatternError("expected NOT EXISTS")
            return lambda d: _select(d, path) is _MISSING
        raw = self.take()
        if op in _NUMERIC:
            limit = _number(raw)
            return lambda d: _is_number(_select(d, path)) and _NUMERIC[op](float(_select(d, path)), limit)
        if op not in {"=", "!="}:
            raise PatternError(f"unknown operator {op!r}")
        equal = _equality(raw)
        return (
            (lambda d: equal(_select(d, path)))
            if op == "="
            else (lambda d: _select(d, path) is not _MISSING and not equal(_select(d, path)))
        )


def _path(selector: str) -> list[str | int]:
    parts: list[str | int] = []
    for piece in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", selector[1:]):
        parts.append(piece[0] if piece[0] else int(piece[1]))
    if not parts and selector != "$":
        raise PatternError(f"invalid selector {selector}")
    return parts


def _select(document: Any, path: list[str | int]) -> Any:
    for key in path:
        in_list = isinstance(key, int) and isinstance(document, list) and key < len(document)
        in_dict = isinstance(key, str) and isinstance(document, dict) and key in document
        if not (in_list or in_dict):
            return _MISSING
        document = document[key]
    return document


def _number(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise PatternError(f"expected a number, got {raw!r}") from None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equality(raw: str) -> Callable[[Any], bool]:
    if raw.startswith('"'):
        text = re.sub(r"\\(.)", r"\1", raw[1:-1])
        if "*" in text:
            return lambda v: isinstance(v, str) and fnmatch.fnmatchcase(v, text)
        return lambda v: isinstance(v, str) and v == text
    try:
        number = float(raw)
    except ValueError:
        return lambda v: isinstance(v, str) and fnmatch.fnmatchcase(v, raw)
    return lambda v: _is_number(v) and float(v) == number
