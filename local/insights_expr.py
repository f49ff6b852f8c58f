"""Logs Insights expressions for the embedded stand-in: tokens, literals (numbers, time units, strings,
``/regex/``) and a recursive-descent parser into ``Expr`` trees. Not for commands (``local.insights_lang``) nor
for evaluating them (``local.insights_eval``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

AGGREGATES = (
    "count", "count_distinct", "sum", "avg", "min", "max", "pct", "percentile", "stddev", "earliest", "latest"
)  # fmt: skip
FUNCTIONS = (
    "ispresent", "isempty", "coalesce", "strlen", "tolower", "toupper", "concat", "abs", "floor", "ceil", "bin",
    "strcontains", "substr", "replace", "trim", "ltrim", "rtrim", "datefloor", "dateceil", "tomillis",
    "frommillis", "isipv4insubnet",
)  # fmt: skip
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+|ms|sec|min|hr|mo|s|m|h|d|w|q|y)?\b)
    | (?P<name>`[^`]+`|@{0,2}[A-Za-z_][\w.@]*)
    | (?P<op>=~|!=|<=|>=|[=<>+\-*/%^(),\[\]])
    )""",
    re.VERBOSE,
)
_REGEX = re.compile(r"\s*(/(?:[^/\\]|\\.)+/)")
_UNITS = {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400, "w": 604800}
_CALENDAR_UNITS = {"mo": 1, "q": 3, "y": 12}
"""Calendar units, in months: a bin of them starts on the first of a month (UTC), not every N seconds."""


@dataclass(frozen=True)
class Months:
    """A calendar period (``1mo``, ``1q``, ``1y``) as a number of months."""

    count: int


_OPERAND_AFTER = {"(", ",", "[", "=", "!=", "<", "<=", ">", ">=", "=~", "+", "-", "*", "/", "%", "^"}
_OPERAND_AFTER_WORDS = {"and", "or", "not", "like", "in"}


class MalformedQuery(ValueError):
    """The query cannot run; the message names the construct, as AWS's ``MalformedQueryException`` would."""


@dataclass(frozen=True)
class Expr:
    kind: str  # field | literal | regex | call | unary | binary | list
    value: Any = None
    args: tuple[Expr, ...] = ()


def field_name(token: str) -> str:
    token = token.strip()
    return token[1:-1] if token.startswith("`") and token.endswith("`") else token


def _python_regex(pattern: str) -> str:
    return re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern)


def compile_regex(pattern: str) -> re.Pattern[str]:
    """An Insights regex: ``(?<name>…)`` groups, and ``(?i)`` anywhere in it (Python wants flags first)."""
    flags = re.IGNORECASE if "(?i)" in pattern else 0
    try:
        return re.compile(_python_regex(pattern.replace("(?i)", "")), flags)
    except re.error as exc:
        raise MalformedQuery(f"invalid regular expression /{pattern}/: {exc}") from None


class ExpressionParser:
    """Recursive descent over one expression: or → and → not → comparison → additive → term → atom."""

    def __init__(self, text: str) -> None:
        """Tokens, knowing where an operand is expected: there ``/`` opens a regex, elsewhere it divides
        (``max(@memorySize / 1024 / 1024)``)."""
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            regex = _REGEX.match(text, pos) if self._operand_expected() else None
            if regex:
                self.tokens.append(("regex", regex.group(1)))
                pos = regex.end()
                continue
            match = _TOKEN.match(text, pos)
            if not match or match.end() == pos:
                if text[pos:].strip():
                    raise MalformedQuery(f"cannot read the query near {text[pos : pos + 20]!r}")
                break
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.pos = 0

    def _operand_expected(self) -> bool:
        if not self.tokens:
            return True
        kind, text = self.tokens[-1]
        return (kind == "op" and text in _OPERAND_AFTER) or (
            kind == "name" and text.lower() in _OPERAND_AFTER_WORDS
        )

    def whole(self) -> Expr:
        expr = self.or_()
        if self.pos != len(self.tokens):
            raise MalformedQuery(f"unexpected {self.tokens[self.pos][1]!r}")
        return expr

    def peek(self) -> str:
        return self.tokens[self.pos][1].lower() if self.pos < len(self.tokens) else ""

    def take(self) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise MalformedQuery("the expression ends too early")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def or_(self) -> Expr:
        left = self.and_()
        while self.peek() == "or":
            self.take()
            left = Expr("binary", "or", (left, self.and_()))
        return left

    def and_(self) -> Expr:
        left = self.not_()
        while self.peek() == "and":
            self.take()
            left = Expr("binary", "and", (left, self.not_()))
        return left

    def not_(self) -> Expr:
        if self.peek() == "not":
            self.take()
            return Expr("unary", "not", (self.not_(),))
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        op = self.peek()
        if op in ("=", "!=", "<", "<=", ">", ">=", "=~", "like", "in"):
            self.take()
            return Expr("binary", op, (left, self.additive()))
        if (
            op == "not"
            and self.pos + 1 < len(self.tokens)
            and self.tokens[self.pos + 1][1].lower() in ("like", "in")
        ):
            self.take()
            inner = self.take()[1].lower()
            return Expr("unary", "not", (Expr("binary", inner, (left, self.additive())),))
        return left

    def additive(self) -> Expr:
        left = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            left = Expr("binary", op, (left, self.term()))
        return left

    def term(self) -> Expr:
        left = self.power()
        while self.peek() in ("*", "/", "%") and self.tokens[self.pos][0] == "op":
            op = self.take()[1]
            left = Expr("binary", op, (left, self.power()))
        return left

    def power(self) -> Expr:
        base = self.atom()
        if self.peek() == "^" and self.tokens[self.pos][0] == "op":
            self.take()
            return Expr("binary", "^", (base, self.power()))  # right-associative
        return base

    def atom(self) -> Expr:
        kind, text = self.take()
        if kind == "string":
            return Expr("literal", re.sub(r"\\(.)", r"\1", text[1:-1]))
        if kind == "regex":
            return Expr("regex", compile_regex(text[1:-1].replace("\\/", "/")))
        if kind == "number":
            unit = re.search(r"(ms|sec|min|hr|mo|s|m|h|d|w|q|y)$", text)
            if unit and unit.group(1) in _CALENDAR_UNITS:
                amount = float(text[: unit.start()])
                if not amount.is_integer() or amount < 1:
                    raise MalformedQuery(f"calendar time unit {text!r} needs a whole number")
                return Expr("literal", Months(int(amount) * _CALENDAR_UNITS[unit.group(1)]))
            if unit:
                return Expr("literal", float(text[: unit.start()]) * _UNITS[unit.group(1)])
            return Expr("literal", int(text) if text.isdigit() else float(text))
        if text == "(":
            inner = self.or_()
            if self.take()[1] != ")":
                raise MalformedQuery("missing )")
            return inner
        if text == "[":
            values = []
            while self.peek() != "]":
                values.append(self.additive())
                if self.peek() == ",":
                    self.take()
            self.take()
            return Expr("list", args=tuple(values))
        if text == "-":
            return Expr("binary", "-", (Expr("literal", 0), self.atom()))
        if kind == "name":
            name = field_name(text)
            if self.peek() == "(":
                return self.call(name)
            return Expr("field", name)
        raise MalformedQuery(f"unexpected {text!r}")

    def call(self, name: str) -> Expr:
        function = name.lower()
        if function not in FUNCTIONS and function not in AGGREGATES:
            raise MalformedQuery(f"unsupported function: {name}()")
        self.take()
        args: list[Expr] = []
        while self.peek() != ")":
            if self.peek() == "*":
                self.take()
                args.append(Expr("literal", "*"))
            else:
                args.append(self.or_())
            if self.peek() == ",":
                self.take()
        self.take()
        return Expr("call", function, tuple(args))
