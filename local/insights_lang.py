"""Logs Insights query language for the embedded stand-in: a parser into commands and expressions.

Commands: ``fields``, ``display``, ``filter``, ``parse`` (glob and regex), ``stats`` (count, count_distinct, sum,
avg, min, max, pct, by fields and ``bin()``), ``sort``, ``limit``, ``dedup`` (only ``limit`` may follow it); ``#``
comments. Anything else is refused with ``MalformedQuery`` naming the construct, as AWS answers
``MalformedQueryException``. Expressions: ``local.insights_expr``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from local.insights_expr import (
    AGGREGATES,
    Expr,
    ExpressionParser,
    MalformedQuery,
    Months,
    compile_regex,
    field_name,
)

__all__ = ["AGGREGATES", "Command", "Expr", "MalformedQuery", "Months", "compile_regex", "parse_query"]

MAX_LIMIT = 100_000
"""Insights' largest ``limit`` (the default result limit is 10,000)."""
COMMANDS = ("fields", "display", "filter", "parse", "stats", "sort", "limit", "dedup")


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
    commands = [_command(stage) for stage in stages]
    for before, after in zip(commands, commands[1:], strict=False):
        if before.name == "dedup" and after.name != "limit":
            raise MalformedQuery(f"only limit may follow dedup, not {after.name}")
    return commands


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
        return Command(name, exprs=[(ExpressionParser(rest).whole(), "")])
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
            order.append((field_name(parts[0]), len(parts) == 1 or parts[1].lower() == "desc"))
        return Command(name, order=order)
    if name == "limit":
        if not rest.isdigit() or not 0 < int(rest) <= MAX_LIMIT:
            raise MalformedQuery(f"limit takes a number from 1 to {MAX_LIMIT}, got {rest!r}")
        return Command(name, count=int(rest))
    names = [field_name(n) for n in _comma_split(rest)]
    if not names:
        raise MalformedQuery("dedup needs at least one field")
    return Command(name, names=names)


def _parse_command(rest: str) -> Command:
    match = re.match(r"(`[^`]+`|@?[\w.]+)\s+(.*)$", rest, re.S)
    if not match:
        raise MalformedQuery("parse needs a field and a pattern")
    source, spec = field_name(match.group(1)), match.group(2).strip()
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
    names = [field_name(n) for n in _comma_split(glob.group(2))]
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
        source, alias = (match.group(1), field_name(match.group(2))) if match else (item, "")
        expr = ExpressionParser(source).whole()
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
