"""The import graph of ``blade_spider``: no cycles, and packages import only the layers below them.

docs/ARCHITECTURE.md draws the same table; a new import that breaks it fails here, so the picture
stays true.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "blade_spider"

#: What each part of the package may import (besides itself). Parts are the sub-packages and the
#: top-level modules; ``blade_spider/__init__.py`` (the version) and ``status`` (exit statuses)
#: may be imported by anyone.
ANYONE = {"__init__", "status"}
ALLOWED: dict[str, set[str]] = {
    "__init__": set(),
    "status": set(),
    "sites": set(),
    "urls": {"sites"},
    "record": {"urls", "sites"},
    "extract": {"record", "urls", "sites"},
    "archive": {"record", "extract", "urls", "sites"},
    "dataset": {"archive"},
    "crawl": {"archive", "record", "extract", "urls", "sites"},
    "spiders": {"crawl", "archive", "record", "extract", "urls", "sites"},
    "settings": {"crawl", "archive", "sites"},
    "commands": {"crawl", "spiders", "cli"},
    "sample_site": set(),
    "cli": {"crawl", "archive", "record", "extract", "spiders", "dataset", "sample_site", "urls",
            "sites"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """The ``blade_spider`` modules ``path`` imports, at any depth of the file (a function-level
    import is still a dependency). ``from package import module`` depends on the module, as
    import-linter counts it."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if base.startswith("blade_spider"):
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    found.add(submodule if submodule in modules else base)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("blade_spider"))
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        edges[name] = {m for m in imports_of(path, name, set(modules))
                       if m in modules and m != name}
    return edges


def part(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph, if any (iterative depth-first search)."""
    state: dict[str, int] = {}
    for start in sorted(edges):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(edges[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return [*path[path.index(child):], child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(edges.get(child, ())))))
    return None


def test_the_import_graph_has_no_cycle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_packages_import_only_the_layers_below_them() -> None:
    wrong = sorted(
        f"{a} imports {b}"
        for a, targets in graph().items() for b in targets
        if part(b) != part(a) and part(b) not in ANYONE
        and part(b) not in ALLOWED.get(part(a), set()))
    assert not wrong, "\n".join(wrong)


def test_every_part_is_in_the_table() -> None:
    parts = {part(m) for m in graph()}
    missing = sorted(parts - set(ALLOWED))
    assert not missing, f"add {missing} to ALLOWED and to docs/ARCHITECTURE.md"


@pytest.mark.parametrize("edges, cycle", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": set(), "c": {"b"}}, None),
])
def test_the_cycle_finder_finds_cycles(edges: dict[str, set[str]], cycle: list[str] | None) -> None:
    assert find_cycle(edges) == cycle
