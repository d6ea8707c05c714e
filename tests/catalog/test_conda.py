"""Installed conda packages from conda-meta records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from declared_corpus import declared_params, expected_pairs, reported

from dockwise.catalog import catalog
from dockwise.catalog.conda import CondaMetaCataloger
from dockwise.source.filetree import FileTree

CONDA = (CondaMetaCataloger(),)


def place(name: str, data: bytes) -> str | None:
    """A record under conda-meta/; environment.yaml files are declarations this
    cataloger does not read."""
    return f"conda-meta/{name}" if name.endswith(".json") else None


def place_python(name: str, data: bytes) -> str | None:
    """scalibr files its conda-meta case (a record named `valid`) under python."""
    if b'"channel"' in data and b'"subdir"' in data and b'"build' in data:
        return f"conda-meta/{name.removesuffix('.json')}.json"
    return None


def version(value: str) -> str:
    return value


@pytest.mark.parametrize("case", declared_params("conda", place, {}))
def test_corpus_packages(case: Path) -> None:
    assert reported(case, place, CONDA, version) == expected_pairs(case, version)


@pytest.mark.parametrize("case", declared_params("python", place_python, {}))
def test_corpus_python_cases(case: Path) -> None:
    assert reported(case, place_python, CONDA, version) == expected_pairs(case, version)


RECORD = {
    "name": "libgomp",
    "version": "11.2.0",
    "build": "h1234567_1",
    "channel": "https://repo.anaconda.com/pkgs/main/linux-64",
    "subdir": "linux-64",
    "fn": "libgomp-11.2.0-h1234567_1.conda",
    "license": "GPL-3.0-only WITH GCC-exception-3.1",
    "files": ["lib/libgomp.so", "lib/libgomp.so.1.0.0"],
}


def test_conda_meta_record() -> None:
    tree = FileTree.from_files({"opt/conda/conda-meta/libgomp.json": json.dumps(RECORD)})
    (package,) = catalog(tree, CONDA).packages
    assert (package.name, package.version, package.type, package.found_as) == (
        "libgomp",
        "11.2.0",
        "conda",
        "installed",
    )
    assert package.purl == (
        "pkg:conda/libgomp@11.2.0?build=h1234567_1&channel=main&subdir=linux-64&type=conda"
    )
    assert package.licenses == ("GPL-3.0-only WITH GCC-exception-3.1",)
    assert package.files == ("opt/conda/lib/libgomp.so", "opt/conda/lib/libgomp.so.1.0.0")
    assert dict(package.metadata) == {"build": "h1234567_1", "channel": "main",
                                      "subdir": "linux-64"}  # fmt: skip


def test_hostile_records_warn() -> None:
    tree = FileTree.from_files(
        {
            "a/conda-meta/x.json": b"[" * 100_000,
            "b/conda-meta/x.json": b'{"name": "x"}',
            "c/conda-meta/x.json": b'{"name": "x", "version": "1", "files": [1, {"a": 2}]}',
            "d/conda-meta/x.json": b"\xff\xfe",
        }
    )
    inventory = catalog(tree, CONDA)
    assert [(p.name, p.files) for p in inventory.packages] == [("x", ())]
    assert sorted(w.path for w in inventory.warnings) == [
        "a/conda-meta/x.json", "b/conda-meta/x.json", "d/conda-meta/x.json"]  # fmt: skip
