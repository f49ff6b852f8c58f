"""X-Ray filter expressions, the subset Lookout and the demo use, evaluated over one trace.

Grammar: ``expr := term (("OR"|"||"|"AND"|"&&") term)*``; ``term := ["!"] atom``;
``atom := service("name") ["{" expr "}"] | "(" expr ")" | ok | error | fault | throttle
| (responsetime | duration) (>|>=|<|<=|=|!=) number``. AND binds tighter than OR. Anything else raises
``FilterError`` (as X-Ray answers ``InvalidRequestException``), never a silent match-all.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

_TOKEN = re.compile(r'\s*(\|\||&&|>=|<=|!=|[(){}!<>=]|"(?:[^"\\]|\\.)*"|[A-Za-z_][\w.]*|\d+(?:\.\d+)?)')
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    "!=": operator.ne,
}
FLAGS = ("ok", "error", "fault", "throttle")


class FilterError(ValueError):
    """The expression is not valid (or uses syntax this stand-in does not implement)."""


class TraceView(Protocol):
    """What a filter needs to know about one trace."""

    def flags(self, service: str | None) -> set[str]:
        """Flags of the whole trace (service None) or of one node in it; empty set when absent."""

    def touches(self, service: str) -> bool: ...

    def number(self, key: str) -> float: ...


Predicate = Callable[[TraceView, str | None], bool]


@dataclass
class _Parser:
    tokens: list[str]
    pos: int = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token.lower() != expected.lower()):
            raise FilterError(f"expected {expected or 'more input'} at token {self.pos + 1}, got {token!r}")
        self.pos += 1
        return token

    def expr(self) -> Predicate:
        left = self.conjunction()
        while (self.peek() or "").lower() in {"or", "||"}:
            self.take()
            right = self.conjunction()
            left = (lambda a, b: lambda t, s: a(t, s) or b(t, s))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.term()
        while (self.peek() or "").lower() in {"and", "&&"}:
            self.take()
            right = self.term()
            left = (lambda a, b: lambda t, s: a(t, s) and b(t, s))(left, right)
        return left

    def term(self) -> Predicate:
        if self.peek() == "!":
            self.take()
            inner = self.atom()
            return lambda t, s: not inner(t, s)
        return self.atom()

    def atom(self) -> Predicate:
        token = self.take()
        word = token.lower()
        if token == "(":
            inner = self.expr()
            self.take(")")
            return inner
        if word == "service":
            self.take("(")
            name = self.take()
            if not name.startswith('"'):
                raise FilterError(f"service() takes a quoted name, got {name}")
            self.take(")")
            name = re.sub(r"\\(.)", r"\1", name[1:-1])
            if self.peek() == "{":
                self.take("{")
                inner = self.expr()
                self.take("}")
                return lambda t, s: t.touches(name) and inner(t, name)
            return lambda t, s: t.touches(name)
        if word in FLAGS:
            return lambda t, s: word in t.flags(s)
        if word in {"responsetime", "duration"}:
            op = self.take()
            if op not in _OPS:
                raise FilterError(f"unknown comparison {op!r}")
            value = float(self.take())
            return lambda t, s: _OPS[op](t.number(word), value)
        raise FilterError(f"unsupported filter expression keyword {token!r}")


def compile_filter(expression: str | None) -> Callable[[TraceView], bool]:
    """A predicate over traces; an empty expression matches every trace."""
    text = (expression or "").strip()
    if not text:
        return lambda trace: True
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or not match.group(1):
            if text[pos:].strip():
                raise FilterError(f"cannot parse filter expression near {text[pos : pos + 20]!r}")
            break
        tokens.append(match.group(1))
        pos = match.end()
    parser = _Parser(tokens)
    predicate = parser.expr()
    if parser.peek() is not None:
        raise FilterError(f"unexpected {parser.peek()!r} in filter expression")
    return lambda trace: predicate(trace, None)
