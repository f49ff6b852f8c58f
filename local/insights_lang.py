"""Logs Insights query language for the embedded stand-in: a parser into commands and expressions.

Commands: ``fields``, ``display``, ``filter``, ``parse`` (glob and regex), ``stats`` (count, count_distinct, sum,
avg, min, max, pct, by fields and ``bin()``), ``sort``, ``limit``, ``dedup``; ``#`` comments. Anything else is
refused with ``MalformedQuery`` naming the construct, as AWS answers ``MalformedQueryException``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_LIMIT = 100_000
"""Insights' largest ``limit`` (the default result limit is 10,000)."""
COMMANDS = ("fields", "display", "filter", "parse", "stats", "sort", "limit", "dedup")
AGGREGATES = (
    "count",
    "count_distinct",
    "sum",
    "avg",
    "min",
    "max",
    "pct",
    "percentile",
    "stddev",
    "earliest",
    "latest",
)
FUNCTIONS = (
    "ispresent",
    "isempty",
    "coalesce",
    "strlen",
    "tolower",
    "toupper",
    "concat",
    "abs",
    "floor",
    "ceil",
    "bin",
    "strcontains",
    "substr",
    "replace",
    "trim",
    "ltrim",
    "rtrim",
    "datefloor",
    "dateceil",
    "tomillis",
    "frommillis",
    "isipv4insubnet",
)
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<number>\d+(?:\.\d+)?(?:ms|sec|min|hr|mo|s|m|h|d|w|q|y)?\b)
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


@dataclass
class Command:
    name: str
    exprs: list[tuple[Expr, str]] = field(default_factory=list)  # (expression, output name)
    by: list[tuple[Expr, str]] = field(default_factory=list)
    source: str = ""
    pattern: Any = None
    names: list[str] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    count: int = 0


_CONDITIONS = {"and", "or", "=", "!=", "<", "<=", ">", ">=", "like", "=~", "in", "not like", "not in"}


def _is_condition(expr: Expr) -> bool:
    """A comparison or logical expression (its value is true/false, not a number or text)."""
    if expr.kind == "unary" and expr.value == "not":
        return True
    return expr.kind == "binary" and str(expr.value).lower() in _CONDITIONS


def parse_query(text: str) -> list[Command]:
    lines = [line.split("#", 1)[0] if not _in_literal(line) else line for line in text.splitlines()]
    stages = [s.strip() for s in _split_pipes("\n".join(lines)) if s.strip()]
    if not stages:
        raise MalformedQuery("the query is empty")
    return [_command(stage) for stage in stages]


def _in_literal(line: str) -> bool:
    """Whether a ``#`` on this line sits inside a string or regex (then it is not a comment)."""
    hash_at = line.find("#")
    if hash_at < 0:
        return False
    before = line[:hash_at]
    return before.count('"') % 2 == 1 or before.count("'") % 2 == 1 or before.count("/") % 2 == 1


def _split_pipes(text: str) -> list[str]:
    """Stages of a query: split on ``|`` outside strings and regex literals."""
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    for char in text:
        if quote:
            current.append(char)
            if char == quote and not _escaped(current):
                quote = ""
        elif char in "\"'" or (char == "/" and _regex_starts("".join(current))):
            quote = char
            current.append(char)
        elif char == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if quote:
        raise MalformedQuery("a string or regular expression is not closed")
    parts.append("".join(current))
    return parts


def _escaped(chars: list[str]) -> bool:
    backslashes = 0
    for char in reversed(chars[:-1]):
        if char != "\\":
            break
        backslashes += 1
    return backslashes % 2 == 1


def _regex_starts(stage: str) -> bool:
    """A ``/`` opens a regex where an operand is expected — after like, in, and, or, not, an operator, (, [
    or a comma — and right after ``parse <field>``; elsewhere it divides."""
    before = stage.rstrip()
    word = re.search(r"(\w+)$", before)
    if word and word.group(1).lower() in ("like", "in", "and", "or", "not"):
        return True
    return (
        before == ""
        or before.endswith(("=~", "=", "(", ",", "[", "<", ">", "+", "-", "*", "%", "^"))
        or bool(re.fullmatch(r"\s*parse\s+\S+", stage, re.I))
    )


def _command(stage: str) -> Command:
    word, _, rest = stage.partition(" ")
    name = word.strip().lower()
    rest = rest.strip()
    if name not in COMMANDS:
        raise MalformedQuery(f"unsupported command: {word.strip()!r}")
    if name in ("fields", "display"):
        exprs = _named_list(rest)
        for expr, shown in exprs:
            if _is_condition(expr):
                raise MalformedQuery(
                    f"a condition as a {name} value ({shown}): the guide does not say how Insights shows it; "
                    "use it in filter, or strcontains() for 1/0"
                )
        return Command(name, exprs=exprs)
    if name == "filter":
        return Command(name, exprs=[(_Parser(rest).whole(), "")])
    if name == "parse":
        return _parse_command(rest)
    if name == "stats":
        return _stats_command(rest)
    if name == "sort":
        order = []
        rest = re.sub(r"^by\s+", "", rest, flags=re.I)
        for item in _comma_split(rest):
            parts = item.split()
            if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
                raise MalformedQuery(f"cannot read sort field {item!r}")
            order.append((_field_name(parts[0]), len(parts) == 1 or parts[1].lower() == "desc"))
        return Command(name, order=order)
    if name == "limit":
        if not rest.isdigit() or not 0 < int(rest) <= MAX_LIMIT:
            raise MalformedQuery(f"limit takes a number from 1 to {MAX_LIMIT}, got {rest!r}")
        return Command(name, count=int(rest))
    names = [_field_name(n) for n in _comma_split(rest)]
    if not names:
        raise MalformedQuery("dedup needs at least one field")
    return Command(name, names=names)


def _parse_command(rest: str) -> Command:
    match = re.match(r"(`[^`]+`|@?[\w.]+)\s+(.*)$", rest, re.S)
    if not match:
        raise MalformedQuery("parse needs a field and a pattern")
    source, spec = _field_name(match.group(1)), match.group(2).strip()
    if spec.startswith("/"):
        end = spec.rfind("/")
        regex = compile_regex(spec[1:end])
        if not regex.groupindex:
            raise MalformedQuery("a parse regular expression needs named groups (?<name>…)")
        return Command("parse", source=source, pattern=regex, names=list(regex.groupindex))
    glob = re.match(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s+as\s+(.+)$""", spec, re.S | re.I)
    if not glob:
        raise MalformedQuery('parse needs "glob pattern" as field, … or /regex/')
    pattern = glob.group(1)[1:-1]
    names = [_field_name(n) for n in _comma_split(glob.group(2))]
    if pattern.count("*") != len(names):
        raise MalformedQuery(f"parse pattern has {pattern.count('*')} wildcards but {len(names)} field names")
    return Command("parse", source=source, pattern=_anchored_glob(pattern), names=names)


def _anchored_glob(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: each ``*`` captures lazily, except a trailing one, which takes the rest."""
    pieces = [re.escape(p) for p in pattern.split("*")]
    body = "(.*?)".join(pieces)
    if pattern.endswith("*"):
        body = body[: -len("(.*?)")] + "(.*)"
    return re.compile(body, re.S)


def _stats_command(rest: str) -> Command:
    by_split = re.split(r"\s+by\s+", rest, maxsplit=1, flags=re.I)
    exprs = _named_list(by_split[0])
    earlier: set[str] = set()
    for expr, name in exprs:
        if not _aggregates_only(expr, earlier):
            raise MalformedQuery(
                f"stats needs aggregate functions ({', '.join(AGGREGATES)}), arithmetic on them, or the names "
                f"of earlier ones; got {name!r}"
            )
        earlier.add(name)
    by = _named_list(by_split[1]) if len(by_split) > 1 else []
    return Command("stats", exprs=exprs, by=by)


def _aggregates_only(expr: Expr, earlier: set[str]) -> bool:
    """An aggregate call, or arithmetic whose fields are names of earlier aggregates in the same stats."""
    if expr.kind == "call" and expr.value in AGGREGATES:
        return True
    if expr.kind == "literal":
        return True
    if expr.kind == "field":
        return expr.value in earlier
    if expr.kind == "binary" and expr.value in ("+", "-", "*", "/", "%", "^"):
        return all(_aggregates_only(arg, earlier) for arg in expr.args) and any(
            _has_aggregate(arg, earlier) for arg in expr.args
        )
    return False


def _has_aggregate(expr: Expr, earlier: set[str]) -> bool:
    if expr.kind == "call" and expr.value in AGGREGATES:
        return True
    if expr.kind == "field":
        return expr.value in earlier
    return any(_has_aggregate(arg, earlier) for arg in expr.args)


def _named_list(text: str) -> list[tuple[Expr, str]]:
    items = []
    for item in _comma_split(text):
        match = re.match(r"(.*?)\s+as\s+(`[^`]+`|@?[\w.]+)\s*$", item, re.S | re.I)
        source, alias = (match.group(1), _field_name(match.group(2))) if match else (item, "")
        expr = _Parser(source).whole()
        items.append((expr, alias or _default_name(source.strip(), expr)))
    if not items:
        raise MalformedQuery("a field list is empty")
    return items


def _default_name(source: str, expr: Expr) -> str:
    return str(expr.value) if expr.kind == "field" else source


def _comma_split(text: str) -> list[str]:
    items, depth, current, quote = [], 0, [], ""
    for char in text:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "\"'" or (char == "/" and _regex_starts("".join(current))):
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        items.append("".join(current).strip())
    return items


def _field_name(token: str) -> str:
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


class _Parser:
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
            return Expr("literal", float(text) if "." in text else int(text))
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
            name = _field_name(text)
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
