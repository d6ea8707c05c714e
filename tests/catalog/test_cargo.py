"""Declared Rust crates: Cargo.lock v1 to v4, and Cargo.toml where no lockfile covers it."""

from __future__ import annotations

from pathlib import Path

import pytest
from declared_corpus import declared_params, expected_pairs, reported

from dockwise.catalog import catalog
from dockwise.catalog.cargo import CargoCataloger
from dockwise.source.filetree import FileTree

CARGO = (CargoCataloger(),)
GIT = "scalibr skips git dependencies pinned by tag or PR ref; we list them unversioned"
GARBLED = "the peer's expected list merges several fixtures (loose extraction); not comparable"
KNOWN = {
    "syft__cataloger-rust__Cargo.lock-with-git-deps": GARBLED,
    "syft__cataloger-rust__path-deps_Cargo.lock": GARBLED,
    "scalibr__rust-cargotoml__git-dependency-tagged.toml": GIT,
    "scalibr__rust-cargotoml__git-dependency-with-pr.toml": GIT,
    "scalibr__rust-cargotoml__git-dependency-with-commit.toml": (
        "the extracted expectation lost scalibr's second package (regex at a commit)"
    ),
}


def place(name: str, data: bytes) -> str | None:
    if name.endswith(".toml"):
        return "Cargo.toml"
    return "Cargo.lock" if name.endswith(".lock") or name.startswith("Cargo.lock") else None


def version(value: str) -> str:
    return value


@pytest.mark.parametrize("case", declared_params("rust", place, KNOWN))
def test_corpus_packages(case: Path) -> None:
    assert reported(case, place, CARGO, version) == expected_pairs(case, version)


LOCK_V1 = b"""[[package]]
name = "app"
version = "0.1.0"
dependencies = ["libc 0.2.54 (registry+https://github.com/rust-lang/crates.io-index)"]

[[package]]
name = "libc"
version = "0.2.54"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum libc 0.2.54 (registry+https://github.com/rust-lang/crates.io-index)" = "c2"
"""
LOCK_V4 = b"""version = 4

[[package]]
name = "regex"
version = "1.11.1"
source = "git+https://github.com/rust-lang/regex.git#1a069b9"

[[package]]
name = "syn"
version = "2.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "c4"
"""
MANIFEST = b"""[package]
name = "tool"
version.workspace = true

[workspace.package]
version = "2.1.0"

[dependencies]
serde = "1.0"
exact = "=0.3.1"
renamed = { package = "real-name", version = "2" }
regex = { git = "https://github.com/rust-lang/regex.git", tag = "1.0.0" }
sibling = { path = "../sibling" }

[dev-dependencies]
proptest = { version = "1" }

[target.'cfg(unix)'.build-dependencies]
cc = "1.0.83"
"""


def test_lockfiles_v1_and_v4() -> None:
    tree = FileTree.from_files({"a/Cargo.lock": LOCK_V1, "b/Cargo.lock": LOCK_V4})
    packages = {p.name: p for p in catalog(tree, CARGO).packages}
    assert sorted((p.name, p.version) for p in packages.values()) == [
        ("app", "0.1.0"), ("libc", "0.2.54"), ("regex", "1.11.1"), ("syn", "2.0.0"),
    ]  # fmt: skip
    assert {p.found_as for p in packages.values()} == {"declared"}
    assert dict(packages["libc"].metadata)["checksum"] == "c2"
    assert dict(packages["syn"].metadata)["checksum"] == "c4"
    assert dict(packages["app"].metadata) == {"relationship": "local"}
    assert dict(packages["regex"].metadata)["source"].startswith("git+https://")
    assert packages["syn"].purl == "pkg:cargo/syn@2.0.0"


def test_manifest_ranges_are_constraints_not_versions() -> None:
    tree = FileTree.from_files({"src/tool/Cargo.toml": MANIFEST})
    packages = {p.name: p for p in catalog(tree, CARGO).packages}
    got = {name: (p.version, dict(p.metadata)) for name, p in packages.items()}
    assert got == {
        "tool": ("2.1.0", {"relationship": "root"}),
        "serde": ("", {"constraint": "1.0"}),
        "exact": ("0.3.1", {}),
        "real-name": ("", {"constraint": "2"}),
        "regex": ("", {"source": "git+https://github.com/rust-lang/regex.git",
                       "git_ref": "tag=1.0.0"}),  # fmt: skip
        "sibling": ("", {"path": "../sibling"}),
        "proptest": ("", {"constraint": "1", "dev": "true"}),
        "cc": ("", {"constraint": "1.0.83"}),
    }
    assert packages["serde"].purl == "pkg:cargo/serde"


def test_manifest_under_a_lockfile_is_not_read() -> None:
    tree = FileTree.from_files(
        {
            "ws/Cargo.lock": LOCK_V4,
            "ws/member/Cargo.toml": MANIFEST,
            "root/.cargo/registry/src/index/serde-1.0.0/Cargo.toml": MANIFEST,
            "root/.cargo/registry/src/index/tool-1.0.0/Cargo.lock": LOCK_V1,
        }
    )
    got = {(p.name, p.location.path) for p in catalog(tree, CARGO).packages}
    assert got == {("regex", "ws/Cargo.lock"), ("syn", "ws/Cargo.lock")}


def test_hostile_toml_warns() -> None:
    deep = b"a = " + b"[" * 50_000 + b"]" * 50_000
    tree = FileTree.from_files(
        {"a/Cargo.lock": b"[[package]\nname=", "b/Cargo.lock": deep, "c/Cargo.toml": b"\xff\xfe"}
    )
    inventory = catalog(tree, CARGO)
    assert inventory.packages == ()
    assert sorted(w.path for w in inventory.warnings) == ["a/Cargo.lock", "b/Cargo.lock",
                                                          "c/Cargo.toml"]  # fmt: skip
