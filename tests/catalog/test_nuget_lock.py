"""Declared NuGet packages from packages.lock.json and obj/project.assets.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from declared_corpus import declared_params, expected_pairs, reported

from dockwise.catalog import catalog
from dockwise.catalog.nuget_lock import NugetLockCataloger
from dockwise.source.filetree import FileTree

LOCK = (NugetLockCataloger(),)


def place(name: str, data: bytes) -> str | None:
    """Peers rename their lock fixtures (`packages_lock_simple.json`): tell them by content."""
    if name.endswith(".json") and b'"resolved"' in data:
        return "packages.lock.json"
    return "obj/project.assets.json" if name == "project.assets.json" else None


def version(value: str) -> str:
    return value


@pytest.mark.parametrize("case", declared_params("dotnet", place, {}))
def test_corpus_packages(case: Path) -> None:
    assert reported(case, place, LOCK, version) == expected_pairs(case, version)


PACKAGES_LOCK = {
    "version": 2,
    "dependencies": {
        "net8.0": {
            "Serilog": {"type": "Direct", "requested": "[3.1.1, )", "resolved": "3.1.1"},
            "System.Memory": {"type": "Transitive", "resolved": "4.5.5"},
            "Central.Pinned": {
                "type": "CentralTransitive",
                "requested": "[2.0.0, )",
                "resolved": "2.0.0",
            },  # fmt: skip
            "my.library": {"type": "Project", "dependencies": {"Serilog": "[3.1.1, )"}},
        },
        "net6.0": {
            "Serilog": {"type": "Direct", "requested": "[3.1.1, )", "resolved": "3.1.1"},
            "System.Memory": {"type": "Direct", "requested": "[4.5.5, )", "resolved": "4.5.5"},
            "broken": ["not", "an", "object"],
        },
    },
}
ASSETS = {
    "version": 3,
    "targets": {"net8.0": {"Serilog/3.1.1": {"type": "package"}}},
    "libraries": {
        "Serilog/3.1.1": {"type": "package", "sha512": "abc=="},
        "StyleCop.Analyzers/1.1.118": {"type": "package"},
        "System.Memory/4.5.5": {"type": "package"},
        "My.Library/1.0.0": {"type": "project", "path": "../lib/My.Library.csproj"},
    },
    "project": {
        "frameworks": {
            "net8.0": {
                "dependencies": {
                    "serilog": {"target": "Package", "version": "[3.1.1, )"},
                    "StyleCop.Analyzers": {
                        "target": "Package",
                        "version": "[1.1.118, )",
                        "suppressParent": "All",
                    },  # fmt: skip
                }
            }
        }
    },
}


def test_packages_lock_json() -> None:
    tree = FileTree.from_files({"src/app/packages.lock.json": json.dumps(PACKAGES_LOCK)})
    found = {p.name: p for p in catalog(tree, LOCK).packages}
    got = {name: (p.version, dict(p.metadata)) for name, p in found.items()}
    assert got == {
        "Serilog": ("3.1.1", {"relationship": "direct"}),
        "System.Memory": ("4.5.5", {"relationship": "direct"}),
        "Central.Pinned": ("2.0.0", {"relationship": "indirect"}),
    }
    assert found["Serilog"].purl == "pkg:nuget/Serilog@3.1.1"
    assert {p.found_as for p in found.values()} == {"declared"}


def test_project_assets_json() -> None:
    tree = FileTree.from_files({"src/app/obj/project.assets.json": json.dumps(ASSETS)})
    got = {p.name: (p.version, dict(p.metadata)) for p in catalog(tree, LOCK).packages}
    assert got == {
        "Serilog": ("3.1.1", {"relationship": "direct", "sha512": "abc=="}),
        "StyleCop.Analyzers": ("1.1.118", {"dev": "true", "relationship": "direct"}),
        "System.Memory": ("4.5.5", {"relationship": "indirect"}),
    }


def test_hostile_documents_warn() -> None:
    tree = FileTree.from_files(
        {
            "a/packages.lock.json": b"[" * 100_000,
            "b/packages.lock.json": b'"a string"',
            "c/packages.lock.json": b'{"dependencies": {"net8.0": [1, 2]}}',
            "d/obj/project.assets.json": b'{"libraries": {"/": {}, "x": 1}, "project": []}',
            "e/obj/project.assets.json": b"\xff\xfe\x00",
        }
    )
    inventory = catalog(tree, LOCK)
    assert inventory.packages == ()
    assert sorted(w.path for w in inventory.warnings) == [
        "a/packages.lock.json", "b/packages.lock.json", "e/obj/project.assets.json"]  # fmt: skip
