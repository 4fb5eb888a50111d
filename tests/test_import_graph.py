"""The shape of the code, checked: data flows indexer → store ← search ← web, without circles.

Every ``import`` in the product packages is read from the source (those inside
functions too: an import deferred to run time is still a dependency), resolved
to a module of ours or to an outside package. Imports under ``if TYPE_CHECKING:``
are left out: they name types for the checker and never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("archive_search", "indexer", "search", "web")
ENGINE_LIBRARIES = {"whoosh": "search.whoosh_engine", "tantivy": "search.tantivy_engine"}
DATA_IMPORTS = {("search.analysis", "whoosh.lang.stopwords")}
"""Imports of an engine library's data, not its engine: the stop-word lists both engines use."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    _module_name(path): path
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("*.py"))
}


def _imported(module: str, tree: ast.Module) -> Iterator[str]:
    """Each module ``module`` imports, as a dotted name (``from pkg import sub`` → ``pkg.sub``
    when ``sub`` is a module)."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` except what is under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            yield from (n for child in node.orelse for n in (child, *_runtime_nodes(child)))
            continue
        yield node
        yield from _runtime_nodes(node)


def _graph() -> dict[str, set[str]]:
    return {
        module: set(_imported(module, ast.parse(path.read_text(encoding="utf-8"))))
        for module, path in MODULES.items()
    }


GRAPH = _graph()


def _ours(name: str) -> str | None:
    """The module of ours that ``name`` is, or the nearest package of ours above it."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _edges() -> dict[str, set[str]]:
    return {
        module: {ours for name in names if (ours := _ours(name)) and ours != module}
        for module, names in GRAPH.items()
    }


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_graph_was_read() -> None:
    edges = _edges()
    assert "search.registry" in edges["indexer.build"]
    assert "search.whoosh_engine.writer" in edges["search.whoosh_engine"]  # inside a function
    assert "whoosh.writing" in GRAPH["search.whoosh_engine.writer"]
    assert "search.service" not in edges["web.context"]  # only under TYPE_CHECKING


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_cycles_are_found() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle() -> None:
    assert _cycles(_edges()) == []


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("search", "indexer"),
        ("search", "web"),
        ("search", "archive_search"),
        ("indexer", "web"),
        ("indexer", "archive_search"),
        ("web", "indexer"),
    ],
)
def test_dependencies_point_one_way(lower: str, upper: str) -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _edges().items()
        if _within(module, lower)
        for target in targets
        if _within(target, upper)
    )
    assert wrong == []


def test_only_settings_of_the_cli_package_is_imported_from_below() -> None:
    """The web app reads its settings; nothing but the CLI's entry point imports the CLI."""
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _edges().items()
        if not _within(module, "archive_search")
        for target in targets
        if _within(target, "archive_search") and target != "archive_search.settings"
    )
    assert wrong == []


@pytest.mark.parametrize("library", sorted(ENGINE_LIBRARIES))
def test_engine_libraries_stay_in_their_engine_package(library: str) -> None:
    home = ENGINE_LIBRARIES[library]
    outside = sorted(
        f"{module} imports {name}"
        for module, names in GRAPH.items()
        if not _within(module, home)
        for name in names
        if (name == library or name.startswith(library + "."))
        and (module, name) not in DATA_IMPORTS
    )
    assert outside == []
