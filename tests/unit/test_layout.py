"""The split of the suite stays true: unit tests import nothing that emulates AWS or Slack, runs SQL, starts a
process or a server; the support modules they import bring none of it in; and the benchmarks import helpers from
``tests.support`` only, never a test module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "tests" / "unit"
FORBIDDEN = (
    "moto",
    "duckdb",
    "subprocess",
    "http.server",
    "botocore.stub",
    "slack_bolt",
    "cfnlint",
    "samtranslator",
    "local.slack.api",
    "local.stack",
    "local.athena",
    "local.insights",
)
"""What a unit test may not import (a name, its submodules, or ``*`` any module with that prefix)."""
AWS_CLIENTS = ("boto3", "botocore.stub", "moto")
"""What a support module a unit test imports may not import when it is loaded (inside a function it may)."""
ALLOWED = {"conftest.py": {"subprocess"}}
"""The unit tests' conftest imports subprocess to forbid it."""


def imported(node: ast.AST) -> list[str]:
    """The modules an import statement loads, ``from a import b`` as both ``a`` and ``a.b``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return []


def matches(module: str, rules: tuple[str, ...]) -> str | None:
    for rule in rules:
        if rule.endswith("*") and module.startswith(rule[:-1]):
            return rule
        if module == rule or module.startswith(rule + "."):
            return rule
    return None


def all_imports(path: Path) -> list[str]:
    return [m for node in ast.walk(ast.parse(path.read_text(), str(path))) for m in imported(node)]


def load_time_imports(path: Path) -> list[str]:
    """Imports run when the module is loaded: not those inside a function or under ``if TYPE_CHECKING:``."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for other in node.orelse:
                visit(other)
            return
        found.extend(imported(node))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return found


UNIT_FILES = sorted(UNIT.glob("*.py"))


@pytest.mark.parametrize("path", UNIT_FILES, ids=[p.name for p in UNIT_FILES])
def test_unit_tests_import_nothing_that_makes_them_functional(path: Path) -> None:
    for module in all_imports(path):
        rule = matches(module, FORBIDDEN)
        if rule and rule not in ALLOWED.get(path.name, set()):
            pytest.fail(f"tests/unit/{path.name} imports {module} ({rule}): move the test to tests/functional")


def support_modules_of(paths: list[Path]) -> set[Path]:
    """The ``tests.support`` modules these files import, and the ones those import in turn."""
    found: set[Path] = set()
    todo = list(paths)
    while todo:
        for module in all_imports(todo.pop()):
            if not module.startswith("tests.support."):
                continue
            candidate = ROOT / (module.replace(".", "/") + ".py")
            if candidate.exists() and candidate not in found:
                found.add(candidate)
                todo.append(candidate)
    return found


def test_support_modules_of_unit_tests_load_no_aws_client_library() -> None:
    for path in sorted(support_modules_of(UNIT_FILES)):
        for module in load_time_imports(path):
            rule = matches(module, AWS_CLIENTS + FORBIDDEN)
            assert rule is None, (
                f"{path.relative_to(ROOT)} imports {module} when loaded, and unit tests import it: import it "
                "inside the function that needs it"
            )


BENCH_FILES = sorted((ROOT / "bench").glob("*.py"))


@pytest.mark.parametrize("path", BENCH_FILES, ids=[p.name for p in BENCH_FILES])
def test_benchmarks_import_no_test_module(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "tests":
            modules = [f"tests.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module]
        else:
            continue
        for module in modules:
            if module.split(".")[0] == "tests" and not module.startswith("tests.support."):
                pytest.fail(f"bench/{path.name} imports {module}: only tests.support.* may be imported")
