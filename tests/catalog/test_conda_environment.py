"""Declared conda (and pip) packages from a conda environment file."""

from __future__ import annotations

from pathlib import Path

import pytest
from declared_corpus import declared_params, declared_tree, expected_pairs

from dockwise.catalog import catalog
from dockwise.catalog.conda_environment import CondaEnvironmentCataloger
from dockwise.source.filetree import FileTree

ENVIRONMENT = (CondaEnvironmentCataloger(),)


def place(name: str, data: bytes) -> str | None:
    return (
        "environment.yml" if name.endswith((".yml", ".yaml")) and b"dependencies:" in data else None
    )


@pytest.mark.parametrize("case", declared_params("conda", place, {}))
def test_corpus_packages(case: Path) -> None:
    """trivy lists the specs that name a version; a range or a bare name is reported
    here without one (tested below), so the comparison is on versioned ones."""
    tree = declared_tree(case, place)
    assert tree is not None
    got = {(p.name, p.version) for p in catalog(tree, ENVIRONMENT).packages if p.version}
    assert got == expected_pairs(case, str)


ENVIRONMENT_FILE = b"""name: app
channels: [conda-forge, defaults]
dependencies:
  - python=3.11
  - conda-forge::numpy=1.26.4=py311h64a7726_0
  - libgomp 13.2.0 hf8544c7_5
  - scipy>=1.11,<2
  - pandas
  - 42
  - pip
  - pip:
      - requests==2.31.0
      - flask>=3
      - --index-url https://pypi.example/simple
"""


def test_specs_and_pip_section() -> None:
    tree = FileTree.from_files({"srv/environment.yml": ENVIRONMENT_FILE})
    found = {(p.type, p.name): p for p in catalog(tree, ENVIRONMENT).packages}
    assert {k: (p.version, dict(p.metadata)) for k, p in found.items()} == {
        ("conda", "python"): ("3.11", {}),
        ("conda", "numpy"): ("1.26.4", {"build": "py311h64a7726_0", "channel": "conda-forge"}),
        ("conda", "libgomp"): ("13.2.0", {"build": "hf8544c7_5"}),
        ("conda", "scipy"): ("", {"constraint": ">=1.11,<2"}),
        ("conda", "pandas"): ("", {}),
        ("conda", "42"): ("", {}),
        ("conda", "pip"): ("", {}),
        ("pypi", "requests"): ("2.31.0", {}),
        ("pypi", "flask"): ("", {"constraint": ">=3"}),
    }
    assert found[("conda", "numpy")].purl == (
        "pkg:conda/numpy@1.26.4?build=py311h64a7726_0&channel=conda-forge"
    )
    assert {p.found_as for p in found.values()} == {"declared"}


def test_hostile_environment_files() -> None:
    bomb = b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    bomb += b"".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n".encode()
                     for p, c in zip("abcdefgh", "bcdefghi", strict=True))  # fmt: skip
    tree = FileTree.from_files({
        "a/environment.yml": b"dependencies: [",
        "b/environment.yml": b"[" * 100_000,
        "c/environment.yml": bomb + b"dependencies: *i\n",
        "d/environment.yml": b"- just\n- a list\n",
        "e/environment.yml": b"dependencies:\n  - {pip: 3}\n  - [nested]\n  - '::'\n",
    })  # fmt: skip
    inventory = catalog(tree, ENVIRONMENT)
    assert inventory.packages == ()
    assert [w.path for w in inventory.warnings] == ["a/environment.yml", "b/environment.yml",
                                                    "c/environment.yml"]  # fmt: skip


def test_huge_environment_file() -> None:
    lines = "".join(f"  - p{i}=1.{i}\n" for i in range(20_000))
    tree = FileTree.from_files({"environment.yml": f"dependencies:\n{lines}"})
    assert len(catalog(tree, ENVIRONMENT).packages) == 20_000
