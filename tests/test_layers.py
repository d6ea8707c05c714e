"""The package's layers: every import points down (or sideways), none up, none in a circle.

Read from the code itself (ast), so a new import is judged the day it is written. Every
import counts, wherever it is written: at the top, inside a function, or under
TYPE_CHECKING (a type named from a higher layer is still a dependency on it). An import
names a module; the parent package `__init__`s Python runs first are not counted.
The layers and why each sits where it does are in CONTRIBUTING.md ("Layers").
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# Lowest first; a module may import from its own layer and the ones before it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("floor", (
        "dockwise.version", "dockwise.model", "dockwise.model_json",  # the one codec
        "dockwise.errors", "dockwise.untrusted", "dockwise.humanize", "dockwise.options",
        "dockwise.progress", "dockwise.globs",
        "dockwise.cache.root", "dockwise.cache.store",  # shared by the blob cache and the db
        "dockwise.analyze.base",  # the interface the layer reader calls analyzers through
    )),
    ("rules", (
        "dockwise.security",  # the source masks secrets in metadata as it reads
        "dockwise.runprofile.rules",  # data the run-config analyzer and checker both apply
    )),
    ("source", ("dockwise.source",)),
    ("analyze/catalog", ("dockwise.analyze", "dockwise.catalog", "dockwise.cache")),
    ("libraries", (
        "dockwise.vulndb", "dockwise.lifecycle", "dockwise.provenance", "dockwise.dockerfile",
        "dockwise.versions", "dockwise.runprofile",
    )),
    ("checks", ("dockwise.checks",)),
    ("answers", (  # they read findings
        "dockwise.answers", "dockwise.policy", "dockwise.changes",
    )),
    ("pipeline", ("dockwise.pipeline",)),
    ("report", ("dockwise.report",)),
    ("api", ("dockwise", "dockwise.api")),  # `import dockwise`: the public Python API
    ("build", ("dockwise.build",)),  # `dockwise build`: sits on the public API
    ("fleet", ("dockwise.fleet",)),  # on the public API; only fleet/api.py reaches lower
    ("server", ("dockwise.server",)),  # `dockwise serve`: on the public API and the fleet
    ("commands", ("dockwise.commands",)),
    ("cli", ("dockwise.cli", "dockwise.__main__")),
)  # fmt: skip


def modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "dockwise").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


def layer_of(module: str) -> int:
    """The layer of the longest name in LAYERS that is the module or a package above it."""
    best, level = "", -1
    for index, (_, names) in enumerate(LAYERS):
        for name in names:
            inside = module == name or (name != "dockwise" and module.startswith(name + "."))
            if inside and len(name) > len(best):
                best, level = name, index
    return level


def imports(module: str) -> set[str]:
    """The package's modules MODULE imports, anywhere in its text."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_known(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in MODULES else _known(base))
    found.discard(module)
    found.discard("")
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def _known(name: str) -> str:
    """The longest module of the package NAME is or is inside ("" for other packages)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


GRAPH = {module: imports(module) for module in MODULES}


def test_every_module_has_a_layer():
    assert [m for m in sorted(MODULES) if layer_of(m) < 0] == []


def test_no_import_points_up():
    upward = sorted(
        f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
        for a, targets in GRAPH.items()
        for b in targets
        if layer_of(b) > layer_of(a)
    )
    assert upward == []


def test_no_import_cycle():
    try:
        graphlib.TopologicalSorter(GRAPH).prepare()
    except graphlib.CycleError as error:
        pytest.fail("import cycle: " + " -> ".join(error.args[1]))


def test_the_checker_sees_what_it_judges():
    """The graph is read correctly: known imports of each kind are found."""
    assert "dockwise.model" in GRAPH["dockwise.checks.base"]  # from X import name
    assert "dockwise.source.registry.image" in GRAPH["dockwise.source"]  # inside a function
    assert "dockwise.source.filetree" in GRAPH["dockwise.catalog.distro"]  # TYPE_CHECKING
    assert layer_of("dockwise.cache.layers") > layer_of("dockwise.cache.root")
