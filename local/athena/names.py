"""Name resolution where Trino is stricter than DuckDB: ``WHERE``, ``GROUP BY`` and ``HAVING`` see the columns
of the ``FROM`` clause only, never a select-list alias (``GROUP BY mappingName`` fails ``Column 'mappingname'
cannot be resolved``; ``ORDER BY`` may use one). DuckDB accepts the alias, so the stand-in refuses it first.

The columns a name may resolve to are over-approximated — every catalog column of the query, every column
of a CTE, subquery or ``UNNEST … AS t(x)`` — so a query Athena accepts is never refused here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from local.athena.dialect import AthenaError, position, start_of

if TYPE_CHECKING:
    from collections.abc import Iterable


def check_aliases(tree: exp.Expr, catalog_columns: Iterable[str], sql: str) -> None:
    """Raise COLUMN_NOT_FOUND, at its position, for a select alias used in WHERE, GROUP BY or HAVING."""
    selects = list(tree.find_all(exp.Select))
    derived = {str(c.name).lower() for alias in tree.find_all(exp.TableAlias) for c in alias.columns}
    known = {c.lower() for c in catalog_columns} | derived
    for select in selects:
        aliases = {item.alias.lower() for item in select.expressions if isinstance(item, exp.Alias)}
        others = {name.lower() for other in selects if other is not select for name in other.named_selects}
        unresolved = aliases - known - others
        if not unresolved:
            continue
        for clause in ("where", "group", "having"):
            part = select.args.get(clause)
            for column in part.find_all(exp.Column) if part is not None else ():
                name = column.name.lower()
                if name in unresolved and not column.table and _belongs_to(column, select):
                    line, col = position(sql, start_of(column))
                    raise AthenaError(f"COLUMN_NOT_FOUND: line {line}:{col}: Column '{name}' cannot be resolved")


def _belongs_to(column: exp.Column, select: exp.Select) -> bool:
    """The column is this SELECT's own (not a nested query's) and not a lambda's parameter."""
    for ancestor in _ancestors(column):
        if ancestor is select:
            return True
        if isinstance(ancestor, exp.Select):
            return False
        if isinstance(ancestor, exp.Lambda) and column.name in {p.name for p in ancestor.expressions}:
            return False
    return False


def _ancestors(node: exp.Expr) -> Iterable[exp.Expr]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent
