"""The dependency rules of docs/architecture.md, checked on the source: domain packages return values and
decisions and never reach the edges (``bot.slack``, ``bot.wiring``, the CLI, the handlers); nothing in ``bot/``
imports ``handlers``, ``local`` or the tests; and no two modules of ``bot/`` import each other in a circle when
they are loaded."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
EDGES = ("bot.slack", "bot.wiring", "bot.cli", "handlers")
"""What a domain module never imports, at load time or inside a function."""
DOMAINS = (
    "bot.alarms",
    "bot.alarm_parsers",
    "bot.events",
    "bot.enrich",
    "bot.lifecycle",
    "bot.queries",
    "bot.analytics",
    "bot.checks",
    "bot.logerrors",
    "bot.changes",
    "bot.config",
    "bot.notices",
    "bot.table_keys",
    "bot.text",
    "bot.coerce",
    "bot.regions",
)
OUTSIDE = ("handlers", "local", "tests", "bench")
"""What nothing in ``bot/`` imports."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text(), str(p)) for p in sorted(BOT.rglob("*.py"))}


def imports(tree: ast.Module, *, load_time: bool) -> set[str]:
    """Imported modules (``from a import b``: ``a`` and ``a.b``); ``load_time``: only those run on import (not
    inside a function, not under ``if TYPE_CHECKING:``)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if load_time and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        if load_time and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_domain_packages_never_reach_the_edges() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, tree in modules().items()
        if within(name, DOMAINS)
        for target in imports(tree, load_time=False)
        if within(target, EDGES)
    )
    assert wrong == []


def test_nothing_in_bot_imports_handlers_local_or_tests() -> None:
    wrong = sorted(
        f"{name} imports {target}"
        for name, tree in modules().items()
        for target in imports(tree, load_time=False)
        if within(target, OUTSIDE)
    )
    assert wrong == []


def test_no_import_circles_when_modules_load() -> None:
    known = modules()
    graph = {
        name: {t for t in imports(tree, load_time=True) if t in known and t != name}
        for name, tree in known.items()
    }
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def walk(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                circles.append([*path[path.index(target) :], target])
            elif target not in state:
                walk(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert circles == []
