"""The fleet sits on dockwise's public surface (STYLE.md §11): only `fleet/api.py` may
import dockwise's internals, so moving to the public API is an edit of one file."""

import ast

from corpus import REPO

FLEET = REPO / "src" / "dockwise" / "fleet"
ALLOWED = ("dockwise.fleet", "dockwise.errors")


def imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def reaching_below(package, allowed):
    """`file: module` for each import of dockwise's internals outside the adapter."""
    return sorted(
        f"{path.relative_to(package)}: {module}"
        for path in package.rglob("*.py") if path.name != "api.py"
        for module in imports(path)
        if module.startswith("dockwise.") and not module.startswith(allowed)
    )  # fmt: skip


def test_only_the_adapter_reaches_into_dockwise():
    assert reaching_below(FLEET, ALLOWED) == []
