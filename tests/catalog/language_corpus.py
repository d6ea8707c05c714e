"""Shared corpus cases of language ecosystems, laid out as image roots for our catalogers.

A peer fixture is often a bare file (`zipp-3.12.1.METADATA`, `yarn_happy.lock`); it is
placed where an image would hold it. Formats we do not catalog map to None.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from corpus import expected

from dockwise.catalog.dotnet import DotnetDepsCataloger
from dockwise.catalog.npm import NpmLockCataloger, NpmPackageCataloger
from dockwise.catalog.php import ComposerCataloger
from dockwise.catalog.python import PythonInstalledCataloger
from dockwise.catalog.ruby import GemSpecificationCataloger
from dockwise.source.filetree import FileTree

LANGUAGE_CATALOGERS = (
    PythonInstalledCataloger(),
    NpmPackageCataloger(),
    NpmLockCataloger(),
    GemSpecificationCataloger(),
    ComposerCataloger(),
    DotnetDepsCataloger(),
)
SITE = "usr/lib/python3/site-packages"
GEMS = "usr/lib/ruby/gems/3.1.0/specifications"


def case_id(case: Path) -> str:
    return re.sub(r"[^a-z0-9_]", "_", case.name.lower())


def dir_files(root: Path, prefix: str = "") -> dict[str, bytes]:
    """Every file under root, by its path relative to root, below prefix."""
    return {
        prefix + p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file()
    }


def peer_pairs(case: Path) -> set[tuple[str, str]]:
    return {(p["name"], p["version"]) for p in expected(case)["packages"]}


def case_tree(kind: str, case: Path) -> FileTree | None:
    """The input as an image root, or None when it is a format we do not catalog."""
    root = case / expected(case)["input_root"]
    if root.is_dir():
        return FileTree.from_files(dir_files(root, f"app/{root.name}/"))
    path = _place(kind, root.name, root.read_bytes())
    return None if path is None else FileTree.from_files({path: root.read_bytes()})


def _place(kind: str, name: str, data: bytes) -> str | None:
    return {"python": _python, "npm": _npm, "ruby": _ruby, "php": _php, "dotnet": _dotnet}[kind](
        name, data
    )


def _python(name: str, data: bytes) -> str | None:
    if name.endswith(".METADATA"):
        return f"{SITE}/{name[: -len('.METADATA')]}.dist-info/METADATA"
    if name.endswith(".egg-info"):
        return f"{SITE}/{name}"
    if "PKG-INFO" in name:
        return f"{SITE}/x.egg-info/PKG-INFO"
    return None


def _npm(name: str, data: bytes) -> str | None:
    if name.endswith(".json5") or (name.endswith(".lock") and b'"workspaces"' in data[:400]):
        return "app/bun.lock"  # scalibr names its bun.lock fixtures *.json5
    if name.endswith(".lock") and b"lockfileVersion" not in data[:200]:
        return "app/yarn.lock"
    if name.endswith(".yaml"):
        return "app/pnpm-lock.yaml"
    if name.endswith(".json") and b'"lockfileVersion"' in data:
        return "app/package-lock.json"
    if name.endswith(".json") and b'"name"' in data and not name.startswith("registry"):
        return "app/package.json"
    return None


def _ruby(name: str, data: bytes) -> str | None:
    return f"{GEMS}/{name}" if name.endswith(".gemspec") else None


def _php(name: str, data: bytes) -> str | None:
    try:
        document = json.loads(data)
    except ValueError:
        return None
    return "app/composer.lock" if isinstance(document, dict) and "packages" in document else None


def _dotnet(name: str, data: bytes) -> str | None:
    return f"app/{name}" if name.endswith(".deps.json") else None


def corpus_params(kind: str, known: dict[str, str]) -> list:
    """Every case of a kind in a format we catalog (installed state and npm lockfiles);
    project files such as requirements.txt or Gemfile.lock are left out, not skipped.
    Documented disagreements with the peer are strict xfails."""
    from corpus import pkgdb_cases

    return case_params([c for c in pkgdb_cases(kind) if case_tree(kind, c) is not None], known)


def case_params(cases: list[Path], known: dict[str, str]) -> list:
    """One pytest param per case; documented disagreements are strict xfails."""
    import pytest

    return [
        pytest.param(
            case,
            id=case_id(case),
            marks=[pytest.mark.xfail(strict=True, reason=known[case.name])]
            if case.name in known
            else [],
        )
        for case in cases
    ]


def reported_pairs(kind: str, case: Path, normalize=lambda name: name) -> set[tuple[str, str]]:
    """What our catalogers report for a case."""
    from dockwise.catalog import catalog

    tree = case_tree(kind, case)
    assert tree is not None, f"{case.name}: not a cataloged format"
    return {(normalize(p.name), p.version) for p in catalog(tree, LANGUAGE_CATALOGERS).packages}
