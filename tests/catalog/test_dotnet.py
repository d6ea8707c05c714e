""".NET deps.json: the peers' corpus, then our own edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from language_corpus import corpus_params, peer_pairs, reported_pairs

from dockwise.catalog import catalog
from dockwise.catalog.dotnet import DotnetDepsCataloger
from dockwise.source.filetree import FileTree

NET = DotnetDepsCataloger()
KNOWN = {
    # Trivy's rule (also ours): a package whose target entry has no runtime, native or
    # runtimeTargets assets ships no file; syft lists those two framework-provided ones.
    "syft__cataloger-dotnet__dir-example-1": "packages without runtime assets are not shipped",
    "trivy__dotnet-nuget__config": "packages.config is a project file, not installed state",
}
DEPS = {
    "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0"},
    "targets": {
        ".NETCoreApp,Version=v8.0": {
            "app/1.0.0": {"runtime": {"app.dll": {}}},
            "Newtonsoft.Json/13.0.1": {"runtime": {"lib/Newtonsoft.Json.dll": {}}},
            "Meta.Package/1.0.0": {"dependencies": {"Newtonsoft.Json": "13.0.1"}},
            "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {"native": {"x": {}}},
        }
    },
    "libraries": {
        "app/1.0.0": {"type": "project"},
        "Newtonsoft.Json/13.0.1": {"type": "package", "sha512": "sha512-x"},
        "Meta.Package/1.0.0": {"type": "package"},
        "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {"type": "runtimepack"},
        "Ref/1.0.0": {"type": "reference"},
    },
}


@pytest.mark.parametrize("case", corpus_params("dotnet", KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported_pairs("dotnet", case) == peer_pairs(case)


def test_deps_json() -> None:
    tree = FileTree.from_files({"app/app.deps.json": json.dumps(DEPS)})
    got = {(p.name, p.version, dict(p.metadata)["role"]) for p in catalog(tree, [NET]).packages}
    assert got == {
        ("app", "1.0.0", "root"),
        ("Newtonsoft.Json", "13.0.1", "installed"),
        ("Microsoft.NETCore.App.Runtime.linux-x64", "8.0.0", "installed"),
    }


def test_garbage_warns() -> None:
    tree = FileTree.from_files(
        {"a/x.deps.json": b"{", "b/y.deps.json": b"[]", "c/z.deps.json": json.dumps(DEPS)}
    )
    inventory = catalog(tree, [NET])
    assert len(inventory.packages) == 3
    assert len(inventory.warnings) == 2
