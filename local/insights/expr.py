"""Logs Insights expressions for the embedded stand-in: tokens, literals (numbers, time units, strings,
``/regex/``) and a recursive-descent parser into ``Expr`` trees that refuses what the guide does not define
(unknown functions, wrong argument counts, a regex outside like/=~, stats functions outside stats). Not for
commands (``local.insights.lang``) nor for evaluating them (``local.insights.evaluation``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_AGGREGATE_ARITY = {
    "count": (0, 1), "count_distinct": (1, 1), "sum": (1, 1), "avg": (1, 1), "min": (1, 1), "max": (1, 1),
    "pct": (2, 2), "percentile": (2, 2), "stddev": (1, 1), "earliest": (1, 1), "latest": (1, 1),
    "sortsfirst": (1, 1), "sortslast": (1, 1),
}  # fmt: skip
_FUNCTION_ARITY = {
    "ispresent": (1, 1), "isempty": (1, 1), "isblank": (1, 1), "coalesce": (1, None), "strlen": (1, 1),
    "tolower": (1, 1), "toupper": (1, 1), "concat": (1, None), "abs": (1, 1), "floor": (1, 1), "ceil": (1, 1),
    "bin": (1, 1), "strcontains": (2, 2), "substr": (2, 3), "replace": (3, 3), "trim": (1, 2), "ltrim": (1, 2),
    "rtrim": (1, 2), "datefloor": (2, 2), "dateceil": (2, 2), "tomillis": (1, 1), "frommillis": (1, 1),
    "isvalidip": (1, 1), "isvalidipv4": (1, 1), "isvalidipv6": (1, 1), "isipinsubnet": (2, 2),
    "isipv4insubnet": (2, 2), "isipv6insubnet": (2, 2),
}  # fmt: skip
"""Each function's (fewest, most) arguments, as the guide's signatures give them; None: any number more."""
AGGREGATES = tuple(_AGGREGATE_ARITY)
FUNCTIONS = tuple(_FUNCTION_ARITY)
IP_PREDICATES = ("isvalidip", "isvalidipv4", "isvalidipv6", "isipinsubnet", "isipv4insubnet", "isipv6insubnet")
"""Functions the guide types as boolean without saying how ``fields`` shows them (unlike ``ispresent``, whose
value it documents as 0 or 1)."""
_SUBNET_VERSION = {"isipv4insubnet": 4, "isipv6insubnet": 6, "isipinsubnet": None}
_TIME_FIELDS = ("@timestamp", "@ingestionTime")
_UNITS = {
    "millisecond": 0.001, "msec": 0.001, "ms": 0.001, "second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60,
    "m": 60, "hour": 3600, "hr": 3600, "h": 3600, "day": 86400, "d": 86400, "week": 604800, "w": 604800,
}  # fmt: skip
_CALENDAR_UNITS = {"month": 1, "mon": 1, "mo": 1, "quarter": 3, "qtr": 3, "q": 3, "year": 12, "yr": 12, "y": 12}
"""Calendar units, in months: a bin of them starts on the first of a month (UTC), not every N seconds."""
_UNIT_PATTERN = "|".join(
    f"{unit}s?" if len(unit) > 1 else unit for unit in sorted({**_UNITS, **_CALENDAR_UNITS}, key=len, reverse=True)
)
"""The guide's ("stats") time units and abbreviations; those longer than one character also take a plural s."""
_TOKEN = re.compile(
    rf"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+|{_UNIT_PATTERN})?\b)
    | (?P<name>`[^`]+`|@{{0,2}}[A-Za-z_][\w.@]*)
    | (?P<op>==|=~|!=|<=|>=|[=<>+\-*/%^(),\[\]])
    )""",
    re.VERBOSE,
)
_REGEX = re.compile(r"\s*(/(?:[^/\\]|\\.)+/)")


@dataclass(frozen=True)
class Months:
    """A calendar period (``1mo``, ``1q``, ``1y``) as a number of months."""

    count: int


_OPERAND_AFTER = {"(", ",", "[", "=", "==", "!=", "<", "<=", ">", ">=", "=~", "+", "-", "*", "/", "%", "^"}
_OPERAND_AFTER_WORDS = {"and", "or", "not", "like", "in"}
_COMPARISONS = ("=", "==", "!=", "<", "<=", ">", ">=", "=~", "like", "in")


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


def _literal_number(text: str) -> Expr:
    """A number token: plain (``95``, ``1e6``), a duration in seconds (``5m``, ``100ms``, ``2hrs``) or a calendar
    period (``1mo``, ``1q``, ``1yr``)."""
    if re.fullmatch(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text):
        return Expr("literal", int(text) if text.isdigit() else float(text))
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]+)", text)
    if not match:
        raise MalformedQuery(f"cannot read the number {text!r}")
    amount, unit = float(match.group(1)), match.group(2)
    if unit not in _UNITS and unit not in _CALENDAR_UNITS and len(unit) > 2 and unit.endswith("s"):
        unit = unit[:-1]  # the plural the guide allows
    if unit in _CALENDAR_UNITS:
        if not amount.is_integer() or amount < 1:
            raise MalformedQuery(f"calendar time unit {text!r} needs a whole number")
        return Expr("literal", Months(int(amount) * _CALENDAR_UNITS[unit]))
    if unit not in _UNITS:
        raise MalformedQuery(f"unknown time unit in {text!r}")
    return Expr("literal", amount * _UNITS[unit])


def _check_subnet(function: str, subnet: Expr) -> None:
    """A literal subnet must be CIDR of the function's IP version without host bits (``192.0.2.0/24``), as the
    guide writes them; a subnet from a field is checked per event."""
    if subnet.kind != "literal" or not isinstance(subnet.value, str):
        return
    import ipaddress

    try:
        network = ipaddress.ip_network(subnet.value, strict=True)
    except ValueError:
        raise MalformedQuery(f"{function}(): {subnet.value!r} is not a subnet in CIDR notation") from None
    version = _SUBNET_VERSION[function]
    if version is not None and network.version != version:
        raise MalformedQuery(f"{function}(): {subnet.value!r} is not an IPv{version} subnet")


def _check_regexes(expr: Expr) -> None:
    """A /regex/ stands only after like, not like or =~ (and in parse, which is no expression)."""
    if expr.kind == "regex":
        raise MalformedQuery(f"a regular expression /{expr.value.pattern}/ is only allowed after like or =~")
    for at, arg in enumerate(expr.args):
        if not (at == 1 and arg.kind == "regex" and expr.kind == "binary" and expr.value in ("like", "=~")):
            _check_regexes(arg)


def _is_test(expr: Expr) -> bool:
    return expr.kind == "unary" or (expr.kind == "binary" and expr.value in (*_COMPARISONS, "and", "or"))


class ExpressionParser:
    """Recursive descent over one expression: or → and → not → comparison → additive → term → atom.

    ``aggregates`` says whether stats functions may appear (only in ``stats``, and never inside one another)."""

    def __init__(self, text: str, *, aggregates: bool = False) -> None:
        """Tokens, knowing where an operand is expected: there ``/`` opens a regex, elsewhere it divides
        (``max(@memorySize / 1024 / 1024)``)."""
        self.tokens: list[tuple[str, str]] = []
        self.aggregates = aggregates
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
                    raise MalformedQuery(f"cannot read the query near {text[pos : pos + 20].strip()!r}")
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
        if not self.tokens:
            raise MalformedQuery("an expression is missing")
        expr = self.or_()
        if self.pos != len(self.tokens):
            raise MalformedQuery(f"unexpected {self.tokens[self.pos][1]!r}")
        _check_regexes(expr)
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
        negated = False
        if (
            op == "not"
            and self.pos + 1 < len(self.tokens)
            and self.tokens[self.pos + 1][1].lower() in ("like", "in")
        ):
            self.take()
            op, negated = self.peek(), True
        if op not in _COMPARISONS:
            return left
        self.take()
        if op == "==":
            raise MalformedQuery(
                "the operator == is not in the guide's comparison operators (=, !=, <, <=, >, >=)"
            )
        right = self._list() if op == "in" else self.additive()
        self._check_comparison(op, left, right)
        expr = Expr("binary", op, (left, right))
        return Expr("unary", "not", (expr,)) if negated else expr

    def _list(self) -> Expr:
        if self.peek() != "[":
            raise MalformedQuery("in needs a list in brackets: in [...]")
        self.take()
        values = []
        while self.peek() != "]":
            values.append(self.additive())
            if self.peek() == ",":
                self.take()
            elif self.peek() != "]":
                raise MalformedQuery(f"unexpected {self.peek() or 'end'!r} in a list")
        self.take()
        return Expr("list", args=tuple(values))

    @staticmethod
    def _check_comparison(op: str, left: Expr, right: Expr) -> None:
        if op == "like" and not (
            right.kind == "regex" or (right.kind == "literal" and isinstance(right.value, str))
        ):
            raise MalformedQuery("like needs a string in quotes or a /regular expression/")
        if op == "=~" and right.kind != "regex":
            raise MalformedQuery("=~ needs a /regular expression/")
        if right.kind == "regex" and right.value.search("") is not None:
            raise MalformedQuery(
                f"the regular expression /{right.value.pattern}/ matches the empty string, so it matches every "
                "value; the guide's example of such a pattern (like /E*/) says otherwise, so the stand-in "
                "cannot know Insights' answer"
            )
        for one, other in ((left, right), (right, left)):
            if (
                one.kind == "field"
                and one.value in _TIME_FIELDS
                and other.kind == "literal"
                and isinstance(other.value, str)
            ):
                raise MalformedQuery(
                    f"comparing {one.value} with the text {other.value!r}: the guide says Insights does not "
                    "support filtering with human-readable timestamps"
                )

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
            return _literal_number(text)
        if text == "(":
            inner = self.or_()
            if self.take()[1] != ")":
                raise MalformedQuery("missing )")
            return inner
        if text == "[":
            raise MalformedQuery("a list [...] is only allowed after in")
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
        arity = _FUNCTION_ARITY.get(function) or _AGGREGATE_ARITY.get(function)
        if arity is None:
            raise MalformedQuery(f"unsupported function: {name}()")
        aggregate = function in _AGGREGATE_ARITY
        if aggregate and not self.aggregates:
            raise MalformedQuery(f"{name}() is a stats function: it belongs in stats, not inside another function")
        self.take()
        args: list[Expr] = []
        outer, self.aggregates = self.aggregates, self.aggregates and not aggregate
        try:
            while self.peek() != ")":
                if self.peek() == "*" and function == "count" and not args:
                    self.take()
                    args.append(Expr("literal", "*"))
                else:
                    args.append(self.or_())
                if self.peek() == ",":
                    self.take()
                elif self.peek() != ")":
                    raise MalformedQuery(f"unexpected {self.peek() or 'end'!r} in {name}()")
            self.take()
        finally:
            self.aggregates = outer
        fewest, most = arity
        if len(args) < fewest or (most is not None and len(args) > most):
            wanted = f"{fewest}" if fewest == most else f"{fewest} to {most}" if most else f"at least {fewest}"
            noun = "argument" if most == 1 else "arguments"
            raise MalformedQuery(f"{name}() takes {wanted} {noun}, not {len(args)}")
        if aggregate and any(_is_test(arg) for arg in args):
            raise MalformedQuery(f"{name}() of a condition: the guide does not say what true or false counts as")
        if function in ("pct", "percentile"):
            share = args[1]
            if share.kind != "literal" or not isinstance(share.value, int | float) or not 0 <= share.value <= 100:
                raise MalformedQuery(f"{name}() takes a percentile from 0 to 100 as its second argument")
        if function in _SUBNET_VERSION:
            _check_subnet(function, args[1])
        return Expr("call", function, tuple(args))
