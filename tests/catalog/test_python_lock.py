"""Declared Python packages: poetry, uv, pdm, pylock and Pipfile lockfiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from declared_corpus import declared_params, expected_pairs, reported

from dockwise.catalog import catalog
from dockwise.catalog.python_lock import PythonLockCataloger
from dockwise.source.filetree import FileTree

LOCKS = (PythonLockCataloger(),)
LOCK_NAMES = ("poetry.lock", "uv.lock", "pdm.lock", "pylock.toml", "Pipfile.lock")
KNOWN = {
    "scalibr__python-uvlock__grouped-packages.lock": (
        "the extracted expectation kept only scalibr's packages with groups, not the other 11"
    ),
    "scalibr__python-uvlock__source-git.lock": (
        "scalibr leaves out the locked project itself; we report it as relationship=root"
    ),
}


def place(name: str, data: bytes) -> str | None:
    """Lockfile fixtures are often renamed (`one-package.json`): tell them by content."""
    if name in LOCK_NAMES:
        return name
    if name.endswith(".json") or name.startswith("Pipfile"):  # trivy: `Pipfile_many.lock`
        return "Pipfile.lock" if b'"_meta"' in data and b'"default"' in data else None
    if not name.endswith((".lock", ".toml")):
        return None
    if b"lock-version" in data or b"[[packages]]" in data:
        return "pylock.toml"
    if b"[[package]]" not in data:
        return None
    if b"content-hash" in data and b"python-versions" in data or b"category = " in data:
        return "poetry.lock"
    if b"lock_version" in data or b"\ngroups = " in data:
        return "pdm.lock"
    return "uv.lock" if b"source = {" in data or name.startswith("uv") else "poetry.lock"


def version(value: str) -> str:
    return value


@pytest.mark.parametrize("case", declared_params("python", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported(case, place, LOCKS, version) == expected_pairs(case, version)


POETRY = b"""[[package]]
name = "Flask"
version = "2.0.0"
category = "main"

[[package]]
name = "pytest"
version = "7.0.0"
category = "dev"

[[package]]
name = "ike"
version = "0.2.0"
groups = ["dev"]
[package.source]
type = "git"
url = "https://github.com/bwesterb/py-ike"
reference = "cb7f2f4"
"""
PIPFILE = {
    "_meta": {},
    "default": {"requests": {"version": "==2.31.0"}, "mine": {"git": "https://x/y.git"}},
    "develop": {"black": {"version": "==24.1.0"}, "loose": {"version": "*"}},
}


def test_poetry_and_pipfile() -> None:
    tree = FileTree.from_files(
        {"a/poetry.lock": POETRY, "b/Pipfile.lock": json.dumps(PIPFILE)}
    )
    packages = {p.name: p for p in catalog(tree, LOCKS).packages}
    got = {name: (p.version, dict(p.metadata)) for name, p in packages.items()}
    assert got == {
        "Flask": ("2.0.0", {}),
        "pytest": ("7.0.0", {"dev": "true"}),
        "ike": ("0.2.0", {"dev": "true", "source": "git+https://github.com/bwesterb/py-ike"}),
        "requests": ("2.31.0", {}),
        "mine": ("", {"source": "git+https://x/y.git"}),
        "black": ("24.1.0", {"dev": "true"}),
        "loose": ("", {"constraint": "*", "dev": "true"}),
    }
    assert packages["Flask"].purl == "pkg:pypi/flask@2.0.0"
    assert {p.found_as for p in packages.values()} == {"declared"}


def test_pdm_groups_and_pylock() -> None:
    pdm = b'[metadata]\ngroups = ["default", "dev"]\n\n[[package]]\nname = "toml"\n' \
          b'version = "0.10.2"\ngroups = ["default"]\n\n[[package]]\nname = "pyroute2"\n' \
          b'version = "0.7.11"\ngroups = ["dev"]\n'  # fmt: skip
    pylock = b"lock-version = '1.0'\n[[packages]]\nname = 'attrs'\nversion = '25.1.0'\n"
    tree = FileTree.from_files({"a/pdm.lock": pdm, "b/pylock.toml": pylock})
    got = {(p.name, p.version, dict(p.metadata).get("dev", "")) for p in
           catalog(tree, LOCKS).packages}  # fmt: skip
    assert got == {("toml", "0.10.2", ""), ("pyroute2", "0.7.11", "true"),
                   ("attrs", "25.1.0", "")}  # fmt: skip


def test_hostile_documents_warn() -> None:
    tree = FileTree.from_files(
        {
            "a/poetry.lock": b"[[package]\n",
            "b/Pipfile.lock": b"[" * 100_000,
            "c/uv.lock": b"\xff\xfe",
            "d/Pipfile.lock": b"[1, 2]",
        }
    )
    inventory = catalog(tree, LOCKS)
    assert inventory.packages == ()
    assert len(inventory.warnings) == 4
