"""Which partitions of a table a parsed query can need — from its top-level ``AND``ed predicates only.

A table read exactly once, directly in the outermost ``SELECT``'s ``FROM``/``JOIN``, is pruned by the
conjuncts of that ``SELECT``'s ``WHERE`` that compare one of its partition columns with string literals
(``=``, ``<``, ``<=``, ``>``, ``>=``, ``BETWEEN``, ``IN``). Anything else — ``OR``, ``NOT``, a predicate in a
CTE, a subquery or inside ``count_if``, a table read twice, a column that only ends in the partition's name —
reads every partition: slower, never wrong.

Not for: reading the files (``local.athena.tables``) or which values a projection produces
(``local.athena.projection``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

if TYPE_CHECKING:
    from local.athena.dialect import TableRef

Wanted = Callable[[dict[str, str]], bool]
_OPS: dict[type, Callable[[str, str], bool]] = {
    exp.EQ: operator.eq,
    exp.GT: operator.gt,
    exp.GTE: operator.ge,
    exp.LT: operator.lt,
    exp.LTE: operator.le,
}
_FLIPPED: dict[type, type] = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ}


def partition_filter(
    tree: exp.Expr, ref: TableRef, refs: list[TableRef], partitions: list[str], others: set[str]
) -> Wanted:
    """A test on a partition's values (column → value as in the path). ``others``: column names of the other
    tables in the query (an unqualified column that one of them has too is not this table's to prune by)."""
    tests: list[Wanted] = []
    same = [r for r in refs if r.key == ref.key]
    select = ref.node.find_ancestor(exp.Select)
    if len(same) == 1 and select is tree and isinstance(tree, exp.Select) and not tree.args.get("with"):
        where = tree.args.get("where")
        for conjunct in conjuncts(where.this) if where else []:
            test = _test(conjunct, ref, set(partitions), others)
            if test is not None:
                tests.append(test)
    return lambda values: all(test(values) for test in tests)


def conjuncts(node: exp.Expr) -> list[exp.Expr]:
    if isinstance(node, exp.And):
        return conjuncts(node.left) + conjuncts(node.right)
    if isinstance(node, exp.Paren):
        return conjuncts(node.this)
    return [node]


def _column(node: exp.Expr, ref: TableRef, partitions: set[str], others: set[str]) -> str | None:
    if not isinstance(node, exp.Column) or node.name.lower() not in partitions:
        return None
    qualifier = node.table.lower()
    if qualifier:
        return node.name.lower() if qualifier in {ref.node.alias_or_name.lower(), ref.name} else None
    return None if node.name.lower() in others else node.name.lower()


def _string(node: exp.Expr) -> str | None:
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _test(node: exp.Expr, ref: TableRef, partitions: set[str], others: set[str]) -> Wanted | None:
    kind = type(node)
    if kind in _OPS:
        left, right = node.left, node.right  # type: ignore[attr-defined]
        name, bound = _column(left, ref, partitions, others), _string(right)
        if name is None or bound is None:
            name, bound, kind = _column(right, ref, partitions, others), _string(left), _FLIPPED[kind]
        if name is None or bound is None:
            return None
        compare = _OPS[kind]
        column, value = name, bound
        return lambda values: compare(values.get(column, ""), value)
    if isinstance(node, exp.Between):
        name = _column(node.this, ref, partitions, others)
        low, high = _string(node.args["low"]), _string(node.args["high"])
        if name is None or low is None or high is None:
            return None
        column, lo, hi = name, low, high
        return lambda values: lo <= values.get(column, "") <= hi
    if isinstance(node, exp.In) and not node.args.get("query"):
        name = _column(node.this, ref, partitions, others)
        listed = [_string(e) for e in node.expressions]
        if name is None or not listed or any(v is None for v in listed):
            return None
        column, allowed = name, set(listed)
        return lambda values: values.get(column, "") in allowed
    return None
