"""Every checker lives in `checks/`, and the libraries checkers call (`security/`,
`lifecycle/`, `provenance/`) never reach up into the checkers or the answers: a finding
made outside `checks/` is one suppression cannot reach."""

from __future__ import annotations

import ast
from datetime import date

from corpus import REPO

from dockwise.checks import build_checkers
from tests.checks.conftest import FakeAdvisorySource

SRC = REPO / "src" / "dockwise"
LIBRARIES = ("security", "lifecycle", "provenance")


def test_every_registered_checker_lives_in_checks():
    checkers = build_checkers(FakeAdvisorySource([]), date(2026, 1, 1))
    homes = {type(c).__name__: type(c).__module__ for c in checkers}
    assert {
        name: home for name, home in homes.items() if not home.startswith("dockwise.checks.")
    } == {}


def test_no_checker_class_outside_checks():
    outside = [
        f"{path.relative_to(SRC)}:{node.name}"
        for path in SRC.rglob("*.py")
        if "checks" not in path.relative_to(SRC).parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Checker")
    ]
    assert outside == []


def test_libraries_never_import_checkers_or_answers():
    upward = [
        f"{path.relative_to(SRC)}: {module}"
        for library in LIBRARIES
        for path in (SRC / library).rglob("*.py")
        for module in _imported(path)
        if module.startswith(("dockwise.checks", "dockwise.answers"))
    ]
    assert upward == []


def _imported(path) -> list[str]:  # noqa: ANN001 - pathlib.Path
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found
