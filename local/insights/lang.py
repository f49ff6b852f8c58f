"""Logs Insights query language for the embedded stand-in: a parser into commands and expressions.

Commands: ``fields``, ``display``, ``filter``, ``parse`` (glob and regex, of a field or of ``@message``),
``stats`` (the aggregates of ``local.insights.expr``, by fields and ``bin()``), ``sort``, ``limit``, ``dedup``
(only ``limit`` may follow it, anywhere after it); ``#`` comments. Anything else — other commands, parse's
logfmt, CSV and multi-match modes — is refused with ``MalformedQuery`` naming the construct, as AWS answers
``MalformedQueryException``. Expressions: ``local.insights.expr``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from local.insights.expr import (
    AGGREGATES,
    IP_PREDICATES,
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


_CONDITIONS = {"and", "or", "=", "!=", "<", "<=", ">", ">=", "like", "=~", "in"}


def _is_condition(expr: Expr) -> bool:
    """A comparison, logical expression or IP-address test (its value is true/false, not a number or text)."""
    if expr.kind == "unary" and expr.value == "not":
        return True
    if expr.kind == "call" and expr.value in IP_PREDICATES:
        return True
    return expr.kind == "binary" and str(expr.value).lower() in _CONDITIONS


def parse_query(text: str) -> list[Command]:
    stages = _stages(text)
    if not "".join(stages).strip():
        raise MalformedQuery("the query is empty")
    if any(not stage.strip() for stage in stages):
        raise MalformedQuery("a | with no command before or after it")
    commands = [_command(stage.strip()) for stage in stages]
    names = [command.name for command in commands]
    last_parse = len(names) - 1 - names[::-1].index("parse") if "parse" in names else None
    if last_parse is not None and not {"fields", "display", "stats"} & set(names[last_parse:]):
        # Without them the result shows Insights' default columns, and the guide says only that extracted fields
        # appear in them ("parse": an event that doesn't match is shown "without the extracted fields").
        raise MalformedQuery(
            "parse with no fields, display or stats after it: the guide does not say which columns Insights "
            "shows then; add display"
        )
    if "dedup" in names:
        # CWL_QuerySyntax-Dedup: "The only query command that you can use in a query after the dedup command is
        # limit." — anywhere after it, not only right after it.
        for after in names[names.index("dedup") + 1 :]:
            if after != "limit":
                raise MalformedQuery(f"only limit may follow dedup, not {after}")
    return commands


def _stages(text: str) -> list[str]:
    """The commands of a query: split on ``|`` and without ``#`` comments (to the end of their line), both
    outside strings, `field names` and regex literals."""
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    at = 0
    while at < len(text):
        char = text[at]
        if quote:
            current.append(char)
            if char == quote and not _escaped(current):
                quote = ""
        elif char == "#":
            newline = text.find("\n", at)
            at = len(text) if newline < 0 else newline
            continue
        elif char in "\"'`" or (char == "/" and _regex_starts("".join(current))):
            quote = char
            current.append(char)
        elif char == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        at += 1
    if quote:
        raise MalformedQuery("a string, `field name` or regular expression is not closed")
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
    or a comma — and right after ``parse`` or ``parse <field>``; elsewhere it divides."""
    before = stage.rstrip()
    word = re.search(r"(\w+)$", before)
    if word and word.group(1).lower() in ("like", "in", "and", "or", "not"):
        return True
    return (
        before == ""
        or before.endswith(("=~", "=", "(", ",", "[", "<", ">", "+", "-", "*", "%", "^"))
        or bool(re.fullmatch(r"\s*parse(?:\s+\S+)?", before, re.I))
    )


def _command(stage: str) -> Command:
    match = re.match(r"([A-Za-z]\w*)(.*)$", stage, re.S)  # the command word ends where a name would ("filter(")
    word, rest = (match.group(1), match.group(2).strip()) if match else (stage.split()[0], "")
    name = word.lower()
    if name not in COMMANDS:
        raise MalformedQuery(f"unsupported command: {word!r}")
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
        return _sort_command(rest)
    if name == "limit":
        # "limit any N" stops at the first N matching events, from "any portion of the time range" ("limit"):
        # the first N of a full scan are among the answers it allows.
        rest = re.sub(r"^any\s+", "", rest, flags=re.I)
        if not rest.isdigit() or not 0 < int(rest) <= MAX_LIMIT:
            raise MalformedQuery(f"limit takes a number from 1 to {MAX_LIMIT}, got {rest!r}")
        return Command(name, count=int(rest))
    names = [field_name(n) for n in _comma_split(rest)]
    if not names:
        raise MalformedQuery("dedup needs at least one field")
    return Command(name, names=names)


def _sort_command(rest: str) -> Command:
    order = []
    rest = re.sub(r"^by\s+", "", rest, flags=re.I)
    if not rest:
        raise MalformedQuery("sort needs a field")
    for item in _comma_split(rest):
        parts = item.split()
        if (
            not parts
            or len(parts) > 2
            or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc"))
            or not re.fullmatch(r"`[^`]+`|@{0,2}[A-Za-z_][\w.@]*", parts[0])
        ):
            raise MalformedQuery(f"cannot read sort field {item!r}: sort takes field names, each asc or desc")
        order.append((field_name(parts[0]), len(parts) == 1 or parts[1].lower() == "desc"))
    return Command("sort", order=order)


_PARSE_MODES = ("logfmt", "csv")


def _parse_command(rest: str) -> Command:
    """``parse [field] "glob" as a, b`` or ``parse [field] /regex/``; without a field it reads ``@message``, as
    the guide ("parse") says."""
    if rest[:1] in ('"', "'", "/"):
        source, spec = "@message", rest
    else:
        match = re.match(r"(`[^`]+`|@?[\w.]+)\s*(.*)$", rest, re.S)
        if not match:
            raise MalformedQuery("parse needs a field and a pattern")
        source, spec = field_name(match.group(1)), match.group(2).strip()
        if not spec and source.lower() in _PARSE_MODES:
            source, spec = "@message", source
    if spec.split(" ", 1)[0].lower() in _PARSE_MODES:
        raise MalformedQuery(f"parse's {spec.split(' ', 1)[0].lower()} mode is not supported by the stand-in")
    if spec.startswith("/"):
        return _parse_regex(source, spec)
    glob = re.match(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s+as\s+(.+)$""", spec, re.S | re.I)
    if not glob:
        raise MalformedQuery('parse needs "glob pattern" as field, … or /regex/')
    pattern = re.sub(r"\\(.)", r"\1", glob.group(1)[1:-1])
    names = [field_name(n) for n in _comma_split(glob.group(2))]
    if pattern.count("*") != len(names):
        raise MalformedQuery(f"parse pattern has {pattern.count('*')} wildcards but {len(names)} field names")
    return Command("parse", source=source, pattern=_anchored_glob(pattern), names=names)


def _parse_regex(source: str, spec: str) -> Command:
    end = next((i for i in range(1, len(spec)) if spec[i] == "/" and not _escaped(list(spec[: i + 1]))), 0)
    if not end:
        raise MalformedQuery("a parse regular expression is not closed")
    after = spec[end + 1 :].strip()
    if after.lower() == "multi":
        raise MalformedQuery("parse's multi-match mode (/regex/ multi) is not supported by the stand-in")
    if after:
        raise MalformedQuery(f"unexpected {after!r} after the parse regular expression")
    regex = compile_regex(spec[1:end].replace("\\/", "/"))
    if not regex.groupindex:
        raise MalformedQuery("a parse regular expression needs named groups (?<name>…)")
    return Command("parse", source=source, pattern=regex, names=list(regex.groupindex))


def _anchored_glob(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: each ``*`` captures lazily, except a trailing one, which takes the rest."""
    pieces = [re.escape(p) for p in pattern.split("*")]
    body = "(.*?)".join(pieces)
    if pattern.endswith("*"):
        body = body[: -len("(.*?)")] + "(.*)"
    return re.compile(body, re.S)


def _stats_command(rest: str) -> Command:
    measures, by_text = _split_by(rest)
    exprs = _named_list(measures, aggregates=True)
    earlier: set[str] = set()
    for expr, name in exprs:
        if not _aggregates_only(expr, earlier):
            raise MalformedQuery(
                f"stats needs aggregate functions ({', '.join(AGGREGATES)}), arithmetic on them, or the names "
                f"of earlier ones; got {name!r}"
            )
        earlier.add(name)
    by = _named_list(by_text) if by_text is not None else []
    for expr, shown in by:
        if _is_condition(expr):
            raise MalformedQuery(
                f"a condition to group stats by ({shown}): the guide does not say how Insights shows its value"
            )
    return Command("stats", exprs=exprs, by=by)


def _split_by(text: str) -> tuple[str, str | None]:
    """``stats`` measures and the fields after ``by`` — the word by outside brackets, strings and regexes."""
    depth, quote = 0, ""
    for at, char in enumerate(text):
        if quote:
            if char == quote and not _escaped(list(text[: at + 1])):
                quote = ""
        elif char in "\"'`" or (char == "/" and _regex_starts(text[:at])):
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and re.match(r"\sby\s", text[at : at + 4], re.I):
            return text[:at], text[at + 4 :]
    return text, None


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


def _named_list(text: str, *, aggregates: bool = False) -> list[tuple[Expr, str]]:
    items = []
    for item in _comma_split(text):
        match = re.match(r"(.*?)\s+as\s+(`[^`]+`|@?[\w.]+)\s*$", item, re.S | re.I)
        source, alias = (match.group(1), field_name(match.group(2))) if match else (item, "")
        expr = ExpressionParser(source, aggregates=aggregates).whole()
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
            if char == quote and not _escaped(current):
                quote = ""
            continue
        if char in "\"'`" or (char == "/" and _regex_starts("".join(current))):
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
