"""Golden-file comparison, shared by the test directories that keep goldens (a module of
its own: `conftest` is a name every test directory shares)."""

from __future__ import annotations

from pathlib import Path


def compare(path: Path, actual: str, update: bool) -> None:
    """Assert `actual` equals the golden file, or rewrite it (pytest --update-goldens)."""
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} missing: run pytest --update-goldens"
    assert actual == path.read_text(encoding="utf-8")
