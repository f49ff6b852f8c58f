"""Trino's semantics where sqlglot's Trino → DuckDB transpilation alone would give another answer, as node
rewrites (``rewrite``): ``regexp_extract`` and ``split_part`` give NULL when nothing matches,
``json_extract_scalar`` NULL for objects and arrays, ``parse_datetime`` takes a Joda pattern, offsets of
``from_iso8601_timestamp`` (``local.athena.datetimes``), ``approx_percentile`` a value of the data,
``regexp_replace`` group references (``$1``, ``${name}``, ``\\$``), ``reduce``'s output function, ``||`` of an
array and an element. Integer division is DuckDB's ``integer_division`` setting (``local.athena.sql``).
A form with no faithful rewrite fails with NOT_SUPPORTED naming it.

Not for: name resolution or comparisons (``local.athena.dialect``, ``local.athena.names``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from local.athena.casts import MACROS as CAST_MACROS
from local.athena.casts import cast, date_arithmetic, json_array_get, subscript, to_iso8601
from local.athena.datetimes import offset_guard, offset_rule, offset_use, shown_with_offset, strftime_of, wall_time
from local.athena.dialect import AthenaError, position
from local.athena.numbers import MACROS as NUMBER_MACROS
from local.athena.numbers import numeric
from local.athena.sql_types import Kind, Types

if TYPE_CHECKING:
    from collections.abc import Mapping

_REGEX_FUNCTIONS = (exp.RegexpExtract, exp.RegexpLike, exp.RegexpReplace, exp.RegexpExtractAll, exp.RegexpSplit)
_NAMED_GROUP = re.compile(r"\(\?<([A-Za-z][A-Za-z0-9]*)>")


CONCAT_CHECK = (
    # x, one side of a || b whose types the text does not tell: x itself if Trino joins a and b, else its error
    "CREATE MACRO trino_concat_check(x, a, b, prefix) AS CASE WHEN "
    "(typeof(a) IN ('VARCHAR', '\"NULL\"') AND typeof(b) IN ('VARCHAR', '\"NULL\"')) "
    "OR typeof(a) LIKE '%[]' OR typeof(b) LIKE '%[]' OR (typeof(a) = 'BLOB' AND typeof(b) = 'BLOB') THEN x "
    "ELSE error(prefix || lower(typeof(a)) || ', ' || lower(typeof(b)) || ') for function concat') END"
)


def install(connection: Any, sql: str) -> None:
    """Create, on a fresh connection, the DuckDB macros the rewritten ``sql`` calls (only those: each costs
    about a millisecond)."""
    called = sql.lower()
    for statement in (*NUMBER_MACROS, CONCAT_CHECK, *CAST_MACROS):
        name = statement.split()[2].split("(")[0]
        if f"{name}(" in called:
            connection.execute(statement)


def annotate(tree: exp.Expr, column_types: Mapping[str, str], sql: str) -> None:
    """Note on the nodes whose rewrite depends on types what the query's text tells of their operands
    (``meta['kinds']``, ``meta['depths']``) and where a ``||`` stands (``meta['at']``), before any is
    rewritten."""
    types = Types(tree, column_types)
    kinds_of = (exp.Div, exp.Avg, exp.Round, exp.DPipe, exp.Concat, exp.Cast, exp.Add, exp.Sub, exp.Bracket)
    for node in tree.find_all(*kinds_of):
        if isinstance(node, exp.Div | exp.DPipe | exp.Add | exp.Sub):
            operands = [node.this, node.expression]
        elif isinstance(node, exp.Concat):
            operands = list(node.expressions)
        else:
            operands = [node.this.expressions[0] if isinstance(node.this, exp.Distinct) else node.this]
        node.meta["kinds"] = [types.of(operand) for operand in operands]
        if isinstance(node, exp.DPipe | exp.Concat):
            node.meta["depths"] = [_depth(operand, column_types) for operand in operands]
            node.meta["at"] = _operator_at(node, sql)


def rewrite(node: exp.Expr, column_types: Mapping[str, str]) -> exp.Expr:
    """``node`` as DuckDB must run it to give Trino's answer (``column_types``: column → Glue type); its
    operands are already rewritten."""
    if isinstance(node, exp.Cast):
        rewritten = numeric(node)
        return cast(rewritten) if isinstance(rewritten, exp.Cast) else rewritten
    if isinstance(node, exp.Div | exp.Avg | exp.Round):
        return numeric(node)
    if isinstance(node, exp.Anonymous):
        return to_iso8601(json_array_get(node))
    if isinstance(node, exp.Add | exp.Sub):
        return date_arithmetic(node)
    if isinstance(node, exp.Bracket):
        return subscript(node)
    if isinstance(node, exp.ArraySort) and node.args.get("expression") is not None:
        raise AthenaError(
            "NOT_SUPPORTED: array_sort(array, function): the stand-in sorts only in natural order (DuckDB's "
            "list_sort takes no comparator); sort ascending and reverse(), or sort in the query"
        )
    if (
        isinstance(node, exp.Struct)
        and node.expressions
        and not any(isinstance(e, exp.PropertyEQ | exp.Alias | exp.Slice) for e in node.expressions)
    ):
        return exp.Anonymous(this="row", expressions=[e.copy() for e in node.expressions])  # Trino's ROW(…)
    if isinstance(node, exp.Concat) and not node.args.get("coalesce") and len(node.expressions) >= 2:
        return _concat_function(node, column_types)
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


def _operator_at(node: exp.Expr, sql: str) -> tuple[int, int]:
    """``line``, ``col`` of a ``||`` (the first after its left operand) or of ``concat(``."""
    if isinstance(node, exp.Concat):
        found = sql.lower().find("concat(", start_of_node(node))
    else:
        found = sql.find("||", end_of_node(node.this))
    return position(sql, found if found >= 0 else max(sql.find("||"), 0))


def start_of_node(node: exp.Expr) -> int:
    from local.athena.dialect import start_of

    return start_of(node)


def end_of_node(node: exp.Expr) -> int:
    spans = [
        int(m["end"])
        for candidate in (node, *node.find_all(exp.Identifier, exp.Literal))
        if "end" in (m := (getattr(candidate, "meta", None) or {}))
    ]
    return max(spans) if spans else 0


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
    joins arrays of one type. Two scalars must both be strings (or NULL): Trino has no ``concat(varchar,
    integer)``, DuckDB would join their text. Undecidable array depths are left to DuckDB, whose refusal is put in
    Athena's words; undecidable scalar types are checked as the query runs (``trino_concat_check``)."""
    depths = node.meta.get("depths") or [_depth(node.this, column_types), _depth(node.expression, column_types)]
    left, right = depths
    if left is not None and right is not None and left != right:
        if left == right + 1:
            return exp.Anonymous(this="list_append", expressions=[node.this.copy(), node.expression.copy()])
        if right == left + 1:
            return exp.Anonymous(this="list_prepend", expressions=[node.this.copy(), node.expression.copy()])
        return node
    if left is not None and left > 0:
        return node  # two arrays: DuckDB's list concatenation
    kinds = node.meta.get("kinds") or [None, None]
    line, col = node.meta.get("at") or (1, 1)
    if any(kind is not None and kind.name == "array" for kind in kinds):
        return node  # an array the text shows only as a CTE's column: DuckDB joins or refuses it
    if all(kind is not None for kind in kinds):
        if not all(_joins_as_text(kind) for kind in kinds):
            words = ", ".join(
                _concat_word(kind, side) for kind, side in zip(kinds, (node.this, node.expression), strict=True)
            )
            raise AthenaError(
                f"FUNCTION_NOT_FOUND: line {line}:{col}: Unexpected parameters ({words}) for function concat"
            )
        return node
    where = exp.Literal.string(f"FUNCTION_NOT_FOUND: line {line}:{col}: Unexpected parameters (")
    pair = [node.this.copy(), node.expression.copy()]
    checked = [exp.Anonymous(this="trino_concat_check", expressions=[side.copy(), *pair, where]) for side in pair]
    return exp.DPipe(this=checked[0], expression=checked[1])


def _concat_function(node: exp.Concat, column_types: Mapping[str, str]) -> exp.Expr:
    """Trino's ``concat(a, b, …)`` is ``a || b || …`` (the same rules; NULL if any argument is NULL)."""
    kinds = node.meta.get("kinds") or [None] * len(node.expressions)
    depths = node.meta.get("depths") or [None] * len(node.expressions)
    joined: exp.Expr = node.expressions[0].copy()
    kind, depth = kinds[0], depths[0]
    for argument, next_kind, next_depth in zip(node.expressions[1:], kinds[1:], depths[1:], strict=True):
        pair = exp.DPipe(this=joined, expression=argument.copy())
        pair.meta.update(kinds=[kind, next_kind], depths=[depth, next_depth], at=node.meta.get("at"))
        joined = _concatenation(pair, column_types)
        both = (kind, next_kind)
        kind = Kind("varchar") if any(k is not None and k.text for k in both) else None
        depth = None if depth is None or next_depth is None else max(depth, next_depth)
    return joined


def _joins_as_text(kind: Kind) -> bool:
    return kind.text or kind.name == "unknown"


def _concat_word(kind: Kind, side: exp.Expr) -> str:
    if kind.text and isinstance(side, exp.Literal) and side.is_string:
        return f"varchar({len(side.this)})"
    return kind.words()


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
