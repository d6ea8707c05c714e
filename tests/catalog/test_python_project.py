"""Declared Python packages from pyproject.toml (PEP 621, PEP 735, Poetry) and a
statically read setup.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus import expected
from declared_corpus import declared_params, declared_tree
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from dockwise.catalog import catalog
from dockwise.catalog.python_project import PythonProjectCataloger
from dockwise.source.filetree import FileTree

PROJECT = (PythonProjectCataloger(),)
KNOWN = {
    "scalibr__python-setup__valid": (
        "scalibr reports the bound of `pkg3<= 1.2.3` as its version; an upper bound says "
        "nothing of the version installed"
    ),
}


def place(name: str, data: bytes) -> str | None:
    """Scalibr's fixtures are named for their case (`valid`, `simple_deps.toml`). A file
    named pyproject.toml is in the corpus only beside a lockfile, whose cases are the
    lock cataloger's (and this one leaves such a project to the lock)."""
    if (
        name.endswith(".toml")
        and name != "pyproject.toml"
        and (b"[project]" in data or b"[tool.poetry" in data or b"[dependency-groups]" in data)
    ):
        return "pyproject.toml"
    if not name.endswith((".json", ".txt", ".toml")) and b"setup(" in data:
        return "setup.py"
    return None


def lower_bound(constraint: str) -> str:
    """`>=2.20,<3.0` -> `2.20`: what peers report as the version of a range."""
    bounds = [s.version for s in SpecifierSet(constraint) if s.operator == ">="]
    return bounds[0] if len(bounds) == 1 else ""


@pytest.mark.parametrize("case", declared_params("python", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    """Syft reports pinned requirements only; scalibr reports a range's lower bound as
    the version, which stays a `constraint` here, so for scalibr the comparison reads it
    from there. Names compare as PyPI does (PEP 503)."""
    tree = declared_tree(case, place)
    assert tree is not None
    bounds = expected(case)["source"]["repo"] == "google/osv-scalibr"
    got = set()
    for package in catalog(tree, PROJECT).packages:
        constraint = dict(package.metadata).get("constraint", "")
        version = package.version or (lower_bound(constraint) if bounds else "")
        if version:
            got.add((canonicalize_name(package.name), version))
    want = {(canonicalize_name(p["name"]), p["version"]) for p in expected(case)["packages"]}
    assert got == {pair for pair in want if pair[1]}


PYPROJECT = b"""
[project]
name = "app"
version = "1.0"
dependencies = ["Flask==3.0.0", "requests[socks]>=2.31; python_version >= '3.8'", "numpy"]
[project.optional-dependencies]
test = ["pytest==8.0.0"]
s3 = ["boto3==1.34.0"]
[dependency-groups]
lint = ["ruff==0.4.0"]
[tool.poetry.dependencies]
python = "^3.11"
django = "4.2.1"
celery = {version = "^5.3", extras = ["redis"]}
mine = {git = "https://github.com/o/mine.git", tag = "v1"}
[tool.poetry.group.docs.dependencies]
sphinx = "==7.2.6"
[tool.poetry.dev-dependencies]
black = "~23.1"
"""


def packages(files: dict[str, bytes]) -> dict[str, tuple[str, dict[str, str]]]:
    inventory = catalog(FileTree.from_files(files), PROJECT)
    assert inventory.warnings == ()
    return {p.name: (p.version, dict(p.metadata)) for p in inventory.packages}


def test_pyproject_declarations() -> None:
    assert packages({"srv/pyproject.toml": PYPROJECT}) == {
        "Flask": ("3.0.0", {}),
        "requests": ("", {"constraint": ">=2.31", "extras": "socks",
                          "marker": 'python_version >= "3.8"'}),
        "numpy": ("", {}),
        "pytest": ("8.0.0", {"dev": "true", "extra": "test"}),
        "boto3": ("1.34.0", {"extra": "s3"}),
        "ruff": ("0.4.0", {"dev": "true", "group": "lint"}),
        "django": ("4.2.1", {}),
        "celery": ("", {"constraint": "^5.3"}),
        "mine": ("", {"source": "https://github.com/o/mine.git"}),
        "sphinx": ("7.2.6", {"dev": "true", "group": "docs"}),
        "black": ("", {"constraint": "~23.1", "dev": "true", "group": "dev"}),
    }  # fmt: skip


def test_a_lockfile_beside_wins() -> None:
    files = {
        "srv/pyproject.toml": PYPROJECT,
        "srv/uv.lock": b"version = 1\n",
        "srv/setup.py": b"from setuptools import setup\nsetup(install_requires=['a==1'])",
    }
    assert packages(files) == {}


SETUP = b'''
from setuptools import setup
import os
BASE = ["click==8.1.7", "attrs>=23"]
EXTRAS = {"dev": ["pytest==8.0.0"], "yaml": """
pyyaml==6.0.1
""".split()}
setup(
    name="tool",
    install_requires=BASE + ["jinja2==3.1.3", os.environ.get("X", "x==1"), "%s==1" % "y"],
    extras_require=EXTRAS,
    tests_require=["mock==5.1.0"],
    setup_requires=["setuptools_scm==8.0"],
)
'''


def test_setup_py_read_statically(tmp_path) -> None:
    marker = tmp_path / "ran"
    hostile = SETUP + f"open({str(marker)!r}, 'w').write('x')\n".encode()
    assert packages({"srv/setup.py": hostile}) == {
        "click": ("8.1.7", {}),
        "attrs": ("", {"constraint": ">=23"}),
        "jinja2": ("3.1.3", {}),
        "pytest": ("8.0.0", {"dev": "true", "extra": "dev"}),
        "pyyaml": ("6.0.1", {"extra": "yaml"}),
        "mock": ("5.1.0", {"dev": "true"}),
    }
    assert not marker.exists()  # never executed


def test_hostile_project_files() -> None:
    tree = FileTree.from_files({
        "a/pyproject.toml": b"[project\ndependencies = [",
        "b/pyproject.toml": b"a = " + b"[" * 50_000 + b"]" * 50_000,
        "c/setup.py": b"setup(install_requires=[" + b"(" * 100_000 + b")" * 100_000 + b"])",
        "d/setup.py": b"\xff\xfe setup(",
        "e/setup.py": b"setup(install_requires=A)\nA = B\nB = A\n",
        "f/pyproject.toml": b"project = 3\n[tool]\npoetry = [1]\n",
    })  # fmt: skip
    inventory = catalog(tree, PROJECT)
    assert inventory.packages == ()
    assert [w.path for w in inventory.warnings] == ["a/pyproject.toml", "b/pyproject.toml",
                                                    "c/setup.py", "d/setup.py"]  # fmt: skip


def test_huge_pyproject() -> None:
    dependencies = ", ".join(f'"p{i}==1.{i}"' for i in range(20_000))
    tree = FileTree.from_files({"pyproject.toml": f"[project]\ndependencies = [{dependencies}]"})
    assert len(catalog(tree, PROJECT).packages) == 20_000
