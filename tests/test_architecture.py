"""The code's shape, held by tests: one home for each rule.

The layer contracts themselves are import-linter's (`lint-imports`, contracts in
pyproject.toml, run by CI); these tests hold what import-linter cannot see.
"""

import ast
import re
import shutil
import subprocess
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "apps"
MAX_LINES = 500

# The one module per app (and core's) allowed to ask which database it runs on: each of its
# public functions runs the PostgreSQL statement there and the portable path elsewhere.
VENDOR_DOORS = {
    "apps/core/bulk.py",
    "apps/shipments/sql.py",
    "apps/compensation/sql.py",
    "apps/feedback/sql.py",
}
VENDOR_TEST = re.compile(r"\.vendor\b|\bis_postgres\b")


def _modules():
    for path in sorted(APPS.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_module_under_apps_is_over_500_lines():
    # Demo texts are prose in Python strings, not logic.
    long = {
        _relative(path): lines
        for path in _modules()
        if not _relative(path).startswith("apps/demo/texts/")
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }

    assert long == {}


def test_no_import_cycle_between_modules():
    graph = grimp.build_graph("apps", cache_dir=None)
    cycles = sorted(
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if graph.find_shortest_chain(importer=imported, imported=importer)
    )

    assert cycles == []


def _imported_apps_modules(tree: ast.Module) -> set[str]:
    """Local names bound to modules of apps/ (`from apps.x import services`, `import apps.x`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("apps"):
            base = ROOT / node.module.replace(".", "/")
            for alias in node.names:
                if (base / alias.name).is_dir() or (base / f"{alias.name}.py").exists():
                    names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("apps") and alias.asname:
                    names.add(alias.asname)
    return names


def test_no_module_reaches_into_another_modules_private_names():
    reaches = []
    for path in _modules():
        tree = ast.parse(path.read_text())
        modules = _imported_apps_modules(tree)
        for node in ast.walk(tree):
            ours = isinstance(node, ast.ImportFrom) and (
                node.level > 0 or (node.module or "").startswith("apps")
            )
            if ours:
                reaches += [
                    f"{_relative(path)}:{node.lineno} imports {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                reaches.append(f"{_relative(path)}:{node.lineno} uses {node.value.id}.{node.attr}")

    assert reaches == []


def test_no_import_of_our_own_code_hides_inside_a_function():
    # An import inside a function is how a cycle hides; the cycle is the design talking.
    hidden = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.ImportFrom)
                    and inner.module
                    and inner.module.startswith("apps")
                ) or (
                    isinstance(inner, ast.Import)
                    and any(alias.name.startswith("apps") for alias in inner.names)
                ):
                    hidden.append(f"{_relative(path)}:{inner.lineno}")

    assert hidden == []


def test_only_the_sql_doors_ask_which_database_runs():
    askers = [
        _relative(path)
        for path in _modules()
        if _relative(path) not in VENDOR_DOORS and VENDOR_TEST.search(path.read_text())
    ]

    assert askers == []


@pytest.mark.parametrize("pattern", [r"DOMAIN\.md", r"\.\./shared", r"ARCHITECTURE\.md"])
def test_nothing_in_the_repo_refers_to_files_outside_it(pattern):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed: no list of the repo's files")
    tracked = subprocess.run(  # noqa: S603 - a fixed git command, no outside input
        [git, "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout: nothing to list")
    this_file = _relative(Path(__file__))
    citing = [
        name
        for name in tracked
        if name != this_file
        and (ROOT / name).is_file()
        and re.search(pattern, (ROOT / name).read_text(errors="ignore"))
    ]

    assert citing == []
