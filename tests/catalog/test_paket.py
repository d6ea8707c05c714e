"""Declared NuGet packages from paket.lock and paket.dependencies."""

from __future__ import annotations

from pathlib import Path

import pytest
from declared_corpus import declared_params, expected_pairs, reported

from dockwise.catalog import catalog
from dockwise.catalog.paket import PaketCataloger
from dockwise.source.filetree import FileTree

PAKET = (PaketCataloger(),)
KNOWN = {
    "scalibr__dotnet-paketlock__paket.lock": (
        "scalibr reports GITHUB entries as packages; in paket.lock they are source files "
        "fetched from a repository, not NuGet packages"
    ),
}


def place(name: str, data: bytes) -> str | None:
    return name if name in ("paket.lock", "paket.dependencies") else None


def version(value: str) -> str:
    return value


@pytest.mark.parametrize("case", declared_params("dotnet", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported(case, place, PAKET, version) == expected_pairs(case, version)


LOCK = """\
RESTRICTION: == net8.0
NUGET
  remote: https://api.nuget.org/v3/index.json
    FSharp.Core (8.0.100)
    Newtonsoft.Json (13.0.3)
      FSharp.Core (>= 4.0)
GITHUB
  remote: fsprojects/FAKE
    src/app/FakeLib/Globbing/Globbing.fs (0341a2e614eb2a7f34607cec914eb0ed83ce9add)

GROUP Test
NUGET
  remote: https://api.nuget.org/v3/index.json
    NUnit (3.14.0)
"""
DEPENDENCIES = """\
source https://api.nuget.org/v3/index.json
nuget FSharp.Core = 8.0.100
nuget Newtonsoft.Json ~> 13.0 framework: net8.0  // latest 13
nuget Argu
github fsprojects/FAKE src/app/FakeLib/Globbing/Globbing.fs

group Test
  nuget NUnit >= 3.0 < 4.0
"""


def test_paket_lock() -> None:
    tree = FileTree.from_files({"repo/paket.lock": LOCK, "repo/paket.dependencies": DEPENDENCIES})
    found = {p.name: p for p in catalog(tree, PAKET).packages}
    assert {n: (p.version, dict(p.metadata)) for n, p in found.items()} == {
        "FSharp.Core": ("8.0.100", {}),
        "Newtonsoft.Json": ("13.0.3", {}),
        "NUnit": ("3.14.0", {"group": "Test"}),
    }
    assert {p.location.path for p in found.values()} == {"repo/paket.lock"}
    assert found["NUnit"].purl == "pkg:nuget/NUnit@3.14.0"


def test_paket_dependencies_alone() -> None:
    tree = FileTree.from_files({"repo/paket.dependencies": DEPENDENCIES})
    got = {p.name: (p.version, dict(p.metadata)) for p in catalog(tree, PAKET).packages}
    assert got == {
        "FSharp.Core": ("8.0.100", {}),
        "Newtonsoft.Json": ("", {"constraint": "~> 13.0"}),
        "Argu": ("", {}),
        "NUnit": ("", {"constraint": ">= 3.0 < 4.0", "group": "Test"}),
    }
    assert {p.found_as for p in catalog(tree, PAKET).packages} == {"declared"}


def test_garbage_is_quiet() -> None:
    tree = FileTree.from_files(
        {
            "a/paket.lock": b"\xff\xfe\x00NUGET\n    (\n" + b"    x (" * 100_000,
            "b/paket.dependencies": b"nuget\n\x00\x01 nuget \n" * 10_000,
        }
    )
    inventory = catalog(tree, PAKET)
    assert inventory.packages == ()
    assert inventory.warnings == ()
