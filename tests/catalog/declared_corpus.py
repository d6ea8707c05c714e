"""Shared corpus cases of lockfiles and manifests, laid out as image roots.

A peer fixture named after its case (`replace-one.mod`, `Cargo_v3.lock`) is placed under
the file name its cataloger looks for; a fixture folder keeps its own names. Formats no
declared cataloger reads map to None and are left out, not skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from corpus import expected, pkgdb_cases
from language_corpus import case_params, dir_files

from dockwise.catalog.base import Cataloger
from dockwise.source.filetree import FileTree

Place = Callable[[str, bytes], str | None]  # fixture name and bytes -> name in an image, or None


def declared_tree(case: Path, place: Place) -> FileTree | None:
    """The input as an image root under app/, or None when no file of it is ours."""
    root = case / expected(case)["input_root"]
    if root.is_dir():
        files = dir_files(root, f"app/{root.name}/")
        if not any(place(path.rsplit("/", 1)[-1], data) for path, data in files.items()):
            return None
        return FileTree.from_files(files)
    name = place(root.name, root.read_bytes())
    return None if name is None else FileTree.from_files({f"app/{name}": root.read_bytes()})


def declared_params(kind: str, place: Place, known: dict[str, str]) -> list:
    """Every case of a kind in a format we read; documented disagreements are strict
    xfails, and a `known` entry for a case that is not ours fails at collection."""

    cases = [c for c in pkgdb_cases(kind) if declared_tree(c, place) is not None]
    stale = set(known) - {c.name for c in cases}
    assert not stale, f"known disagreements for cases not read: {sorted(stale)}"
    return case_params(cases, known)


def reported(
    case: Path, place: Place, catalogers: Sequence[Cataloger], version: Callable[[str], str]
) -> set[tuple[str, str]]:
    """(name, normalised version) of what the catalogers report for a case."""
    from dockwise.catalog import catalog

    tree = declared_tree(case, place)
    assert tree is not None, f"{case.name}: not a declared format"
    return {(p.name, version(p.version)) for p in catalog(tree, catalogers).packages}


def expected_pairs(case: Path, version: Callable[[str], str]) -> set[tuple[str, str]]:
    return {(p["name"], version(p["version"])) for p in expected(case)["packages"]}


def maven_pairs(case: Path) -> set[tuple[str, str]]:
    """The peer's Maven packages as `group:artifact`: syft names the artifact alone, and
    its purl has the group."""
    out = set()
    for package in expected(case)["packages"]:
        name = package["name"]
        if "purl" in package:
            group, _, rest = package["purl"].removeprefix("pkg:maven/").partition("/")
            name = f"{group}:{rest.split('@', 1)[0]}"
        out.add((name, package["version"]))
    return out
