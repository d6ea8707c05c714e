"""Declared Rust crates: `Cargo.lock` (v1 to v4), and `Cargo.toml` where no lockfile covers it.

Formats: Cargo.lock, https://doc.rust-lang.org/cargo/guide/cargo-toml-vs-cargo-lock.html and
cargo's `resolver/encode.rs` (every version is a `[[package]]` table; v1 keeps checksums in
`[metadata]`, v2+ inline; no `source` means a workspace member or path dependency, a
`git+` source pins a commit). Cargo.toml,
https://doc.rust-lang.org/cargo/reference/specifying-dependencies.html: a requirement such
as `"1.2"` means `^1.2`, a range, so only `"=1.2.3"` is reported as a version.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import ManifestError, declared_package, load_toml, unreadable
from dockwise.catalog.purls import os_purl
from dockwise.model import Package, ScanWarning

MAX_CARGO_SIZE = 16 * 1024 * 1024
# Sources of downloaded crates and vendored copies: each has its own Cargo.toml (and
# sometimes Cargo.lock), but the project that fetched them declares them already.
_DEPENDENCY_TREES = re.compile(r"(?:^|/)(?:\.cargo/registry|\.cargo/git|vendor)/")
_EXACT = re.compile(r"^=\s*(\d[\w.+-]*)$")
_TABLES = (("dependencies", False), ("build-dependencies", False), ("dev-dependencies", True))
_V1_CHECKSUM = re.compile(r"^checksum (\S+) (\S+) \((.+)\)$")


class CargoCataloger:
    """Cargo.lock files, and the Cargo.toml manifests of crates that have none."""

    name = "rust-cargo"
    globs = ("**/Cargo.lock", "**/Cargo.toml")
    reads: tuple[str, ...] = ()
    max_size = MAX_CARGO_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        if _DEPENDENCY_TREES.search(file.path):
            return []
        is_lock = file.path.endswith(".lock")
        if not is_lock and _locked(file.path, env):
            return []  # the lockfile of this crate or its workspace has the versions
        try:
            document = load_toml(file)
        except ManifestError as exc:
            return [unreadable(file, exc)]
        return list(lock_packages(document) if is_lock else manifest_packages(document))


def lock_packages(document: dict) -> Iterator[Package]:
    """Each `[[package]]` (and old v1's `[root]`), once per name, version and source."""
    checksums = _v1_checksums(document.get("metadata"))
    seen: set[tuple[str, str, str]] = set()
    for entry in _tables([document.get("root"), *_tables(document.get("package"))]):
        name, version = entry.get("name"), entry.get("version")
        source = entry.get("source") if isinstance(entry.get("source"), str) else ""
        if not isinstance(name, str) or not isinstance(version, str) or not name:
            continue
        if (name, version, source) in seen:
            continue
        seen.add((name, version, source))
        checksum = entry.get("checksum") or checksums.get((name, version, source), "")
        yield _crate(name, version, source=source, checksum=str(checksum),
                     relationship="" if source else "local")  # fmt: skip


def manifest_packages(document: dict) -> Iterator[Package]:
    """The crate itself (relationship root), then each dependency it requires."""
    package = document.get("package")
    workspace = document.get("workspace")
    shared = workspace.get("package") if isinstance(workspace, dict) else None
    if isinstance(package, dict) and isinstance(package.get("name"), str):
        version = package.get("version")
        if isinstance(version, dict) and isinstance(shared, dict):  # version.workspace = true
            version = shared.get("version")
        yield _crate(package["name"], version if isinstance(version, str) else "",
                     relationship="root")  # fmt: skip
    for table, dev in _dependency_tables(document):
        for key, spec in table.items():
            yield _dependency(str(key), spec, dev)


def _dependency_tables(document: dict) -> Iterator[tuple[dict, bool]]:
    """`[dependencies]` and friends, per target too, and `[workspace.dependencies]`."""
    scopes = [document]
    targets = document.get("target")
    if isinstance(targets, dict):
        scopes += [t for t in targets.values() if isinstance(t, dict)]
    for scope in scopes:
        for key, dev in _TABLES:
            if isinstance(scope.get(key), dict):
                yield scope[key], dev
    workspace = document.get("workspace")
    if isinstance(workspace, dict) and isinstance(workspace.get("dependencies"), dict):
        yield workspace["dependencies"], False


def _dependency(key: str, spec: object, dev: bool) -> Package:
    """`name = "1.0"` or `name = { version, git, rev, tag, path, package, workspace }`."""
    fields = spec if isinstance(spec, dict) else {"version": spec}
    name = fields.get("package") if isinstance(fields.get("package"), str) else key
    requirement = str(fields.get("version") or "")
    exact = _EXACT.match(requirement.strip())
    git = fields.get("git") if isinstance(fields.get("git"), str) else ""
    pin = next((f"{k}={fields[k]}" for k in ("rev", "tag", "branch") if k in fields), "")
    return _crate(
        name,
        exact.group(1) if exact else "",
        dev=dev,
        constraint="" if exact else requirement,
        source=f"git+{git}" if git else "",
        git_ref=pin if git else "",
        path=str(fields.get("path") or ""),
        workspace="true" if fields.get("workspace") is True else "",
    )


def _crate(name: str, version: str, *, dev: bool = False, **meta: str) -> Package:
    return declared_package(name, version, "cargo", os_purl("cargo", "", name, version),
                            dev=dev, **meta)  # fmt: skip


def _v1_checksums(metadata: object) -> dict[tuple[str, str, str], str]:
    """v1 `[metadata]`: `"checksum name version (source)" = "sha256"`."""
    found: dict[tuple[str, str, str], str] = {}
    for key, value in metadata.items() if isinstance(metadata, dict) else ():
        match = _V1_CHECKSUM.match(str(key))
        if match and isinstance(value, str) and value != "<none>":
            found[match.groups()] = value
    return found


def _tables(value: object) -> Iterator[dict]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, dict))


def _locked(manifest: str, env: Environment) -> bool:
    """Whether a Cargo.lock sits beside the manifest or in a folder above (its workspace)."""
    folder = posixpath.dirname(manifest)
    while True:
        if env.tree.entry(posixpath.join(folder, "Cargo.lock")) is not None:
            return True
        if not folder:
            return False
        folder = posixpath.dirname(folder)
