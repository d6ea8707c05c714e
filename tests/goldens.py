"""Golden-file comparison, shared by the test directories that keep goldens (a module of
its own: `conftest` is a name every test directory shares)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def compare(path: Path, actual: str, update: bool) -> None:
    """Assert `actual` equals the golden file, or rewrite it (pytest --update-goldens)."""
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} missing: run pytest --update-goldens"
    assert actual == path.read_text(encoding="utf-8")


def checker(request, directory: str) -> Callable[[str, str], None]:
    """The `golden` fixture's function for tests/golden/<directory>/: compare, or rewrite
    with --update-goldens."""
    update = request.config.getoption("--update-goldens")
    root = Path(__file__).resolve().parent / "golden" / directory

    def check(name: str, actual: str) -> None:
        compare(root / name, actual, update)

    return check
