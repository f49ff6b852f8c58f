"""Trino's semantics where sqlglot's Trino → DuckDB transpilation alone would give another answer, as node
rewrites (``rewrite``): ``regexp_extract`` and ``split_part`` give NULL when nothing matches,
``json_extract_scalar`` NULL for objects and arrays, ``parse_datetime`` takes a Joda pattern, offsets of
``from_iso8601_timestamp`` (``local.athena_datetime``), ``approx_percentile`` a value of the data,
``regexp_replace`` group references (``$1``, ``${name}``, ``\\$``), ``reduce``'s output function, ``||`` of an
array and an element. Integer division is DuckDB's ``integer_division`` setting (``local.athena_sql``).
A form with no faithful rewrite fails with NOT_SUPPORTED naming it.

Not for: name resolution or comparisons (``local.athena_dialect``, ``local.athena_names``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from local.athena_datetime import offset_guard, offset_rule, offset_use, shown_with_offset, strftime_of, wall_time
from local.athena_dialect import AthenaError

if TYPE_CHECKING:
    from collections.abc import Mapping

_REGEX_FUNCTIONS = (exp.RegexpExtract, exp.RegexpLike, exp.RegexpReplace, exp.RegexpExtractAll, exp.RegexpSplit)
_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z][A-Za-z0-9]*)>")


def rewrite(node: exp.Expr, column_types: Mapping[str, str]) -> exp.Expr:
    """``node`` as DuckDB must run it to give Trino's answer (``column_types``: column → Glue type)."""
    if isinstance(node, _REGEX_FUNCTIONS):
        _java_named_groups(node)
    if isinstance(node, exp.RegexpReplace):
        _trino_replacement(node)
    if isinstance(node, exp.RegexpExtract):
        matches = exp.Anonymous(this="regexp_matches", expressions=[node.this.copy(), node.expression.copy()])
        return exp.If(this=matches, true=node.copy())  # no match → NULL (DuckDB would give '')
    if isinstance(node, exp.SplitPart):
        parts = exp.Anonymous(this="string_split", expressions=[node.this.copy(), node.args["delimiter"].copy()])
        count = exp.Anonymous(this="len", expressions=[parts])
        return exp.If(this=exp.GTE(this=count, expression=node.args["part_index"].copy()), true=node.copy())
    if isinstance(node, exp.JSONExtractScalar):
        kind = exp.Anonymous(this="json_type", expressions=[node.this.copy(), node.expression.copy()])
        complex_value = exp.In(this=kind, expressions=[exp.Literal.string("OBJECT"), exp.Literal.string("ARRAY")])
        return exp.If(
            this=exp.Not(this=exp.Coalesce(this=complex_value, expressions=[exp.false()])), true=node.copy()
        )
    if isinstance(node, exp.Reduce):
        return _reduce(node)
    if isinstance(node, exp.DPipe):
        return _concatenation(node, column_types)
    return _datetime(node)


def _datetime(node: exp.Expr) -> exp.Expr:
    rule = offset_rule(node)
    use = offset_use(node) if rule is not None else "instant"
    if use == "wall":
        return wall_time(node)
    if use == "shown":
        return shown_with_offset(node)
    guarded = rule is not None and not isinstance(node.this, exp.Literal) and use == "other"
    converted = node
    if isinstance(node, exp.ParseDatetime) and isinstance(node.args.get("format"), exp.Literal):
        fmt = strftime_of(node.args["format"].this)
        converted = exp.Anonymous(this="strptime", expressions=[node.this.copy(), exp.Literal.string(fmt)])
    if guarded and rule is not None:  # a column's values, row by row (a literal was checked when parsed)
        return offset_guard(node, converted.copy(), rule)
    if converted is not node:
        return converted
    if isinstance(node, exp.ApproxQuantile):
        return exp.Anonymous(this="quantile_disc", expressions=[node.this.copy(), node.args["quantile"].copy()])
    return node


def _java_named_groups(node: exp.Expr) -> None:
    """Java's ``(?<name>…)`` is RE2's ``(?P<name>…)`` (lookbehind ``(?<=`` stays, and RE2 refuses it)."""
    pattern = node.args.get("expression")
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        pattern.set("this", _NAMED_GROUP.sub(r"(?P<\1>", pattern.this))


def _trino_replacement(node: exp.RegexpReplace) -> None:
    """Trino's replacement (``$g``, ``${name}``, ``\\x`` for a literal x) in RE2's words (``\\g``, ``\\\\``)."""
    replacement = node.args.get("replacement")
    if isinstance(replacement, exp.Lambda):
        raise AthenaError("NOT_SUPPORTED: regexp_replace(string, pattern, function) is not supported here")
    if replacement is None:
        return
    if not (isinstance(replacement, exp.Literal) and replacement.is_string):
        raise AthenaError("NOT_SUPPORTED: regexp_replace with a replacement that is not a string literal")
    pattern = node.args.get("expression")
    names = _group_names(pattern.this) if isinstance(pattern, exp.Literal) and pattern.is_string else None
    replacement.set("this", _re2_replacement(replacement.this, names))


def _re2_replacement(text: str, names: list[str | None] | None) -> str:
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            if index + 1 >= len(text):
                raise AthenaError("INVALID_FUNCTION_ARGUMENT: Illegal escape: character to be escaped is missing")
            out.append("\\\\" if text[index + 1] == "\\" else text[index + 1])
            index += 2
        elif char == "$":
            group, index = _group_reference(text, index + 1, names)
            if group > 9:
                raise AthenaError(f"NOT_SUPPORTED: regexp_replace group reference ${group} (more than 9 groups)")
            out.append(f"\\{group}")
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _group_reference(text: str, index: int, names: list[str | None] | None) -> tuple[int, int]:
    """(group number, index after the reference) of ``$…`` at ``index``; as Trino reads it, the longest run of
    digits that names an existing group."""
    count = None if names is None else len(names)
    if text[index : index + 1] == "{":
        end = text.find("}", index)
        name = text[index + 1 : end] if end > 0 else ""
        if names is None or name not in names:
            raise AthenaError(f"INVALID_FUNCTION_ARGUMENT: Illegal group reference: no group named {name!r}")
        return names.index(name) + 1, end + 1
    if not text[index : index + 1].isdigit():
        raise AthenaError("INVALID_FUNCTION_ARGUMENT: Illegal group reference")
    group, index = int(text[index]), index + 1
    while (
        index < len(text) and text[index].isdigit() and (count is None or group * 10 + int(text[index]) <= count)
    ):
        group, index = group * 10 + int(text[index]), index + 1
    if count is not None and group > count:
        raise AthenaError(f"INVALID_FUNCTION_ARGUMENT: Illegal group reference: group {group}")
    return group, index


def _group_names(pattern: str) -> list[str | None]:
    """The capturing groups of a Java pattern in order: their names, None for unnamed ones."""
    names: list[str | None] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            named = re.match(r"\(\?P?<([A-Za-z][A-Za-z0-9]*)>", pattern[index:])
            if named:
                names.append(named.group(1))
            elif not pattern.startswith("(?", index):
                names.append(None)
        index += 1
    return names


def _reduce(node: exp.Reduce) -> exp.Expr:
    """``reduce(a, s0, f, finish)``: DuckDB's ``list_reduce`` has no output function, so it is applied to the
    reduced value as a one-element ``list_transform``."""
    finish = node.args.get("finish")
    if finish is None:
        return node
    reduced = node.copy()
    reduced.set("finish", None)
    if not isinstance(finish, exp.Lambda) or len(finish.expressions) != 1:
        raise AthenaError("NOT_SUPPORTED: reduce() with an output function that is not a one-argument lambda")
    body, (parameter,) = finish.this, finish.expressions
    if isinstance(body, exp.Identifier | exp.Column) and body.name == parameter.name:
        return reduced  # the identity, s -> s
    applied = exp.Transform(this=exp.Array(expressions=[reduced]), expression=finish.copy())
    return exp.Anonymous(this="list_extract", expressions=[applied, exp.Literal.number(1)])


def _concatenation(node: exp.DPipe, column_types: Mapping[str, str]) -> exp.Expr:
    """``array || element`` appends, ``element || array`` prepends (Trino's ``||`` forms); DuckDB's ``||`` only
    joins arrays of one type. Undecidable depths are left to DuckDB, whose refusal is put in Athena's words."""
    left, right = _depth(node.this, column_types), _depth(node.expression, column_types)
    if left is None or right is None or left == right:
        return node
    if left == right + 1:
        return exp.Anonymous(this="list_append", expressions=[node.this.copy(), node.expression.copy()])
    if right == left + 1:
        return exp.Anonymous(this="list_prepend", expressions=[node.this.copy(), node.expression.copy()])
    return node


def _depth(node: exp.Expr, column_types: Mapping[str, str]) -> int | None:
    """How many arrays deep a value is (0 for a scalar), when the query's text tells; else None."""
    if isinstance(node, exp.Paren):
        return _depth(node.this, column_types)
    if isinstance(node, exp.Literal | exp.Boolean):
        return 0
    if isinstance(node, exp.Array):
        inner = _depth(node.expressions[0], column_types) if node.expressions else None
        return None if inner is None else inner + 1
    if isinstance(node, exp.Column) and node.name.lower() in column_types and not node.table:
        glue, depth = column_types[node.name.lower()].replace(" ", ""), 0
        while glue.startswith("array<"):
            glue, depth = glue[len("array<") : -1], depth + 1
        return depth
    if isinstance(node, exp.DPipe):
        sides = [_depth(node.this, column_types), _depth(node.expression, column_types)]
        return None if None in sides else max(d for d in sides if d is not None)
    return None
