"""Rust executables built with cargo-auditable: the crates compiled in.

The ELF analyzer inflates the `.dep-v0` section (see dockwise.analyze.cargo).
purls per https://github.com/package-url/purl-spec (type `cargo`).
"""

from __future__ import annotations

from collections.abc import Iterator

from packageurl import PackageURL

from dockwise.catalog.base import Environment, File
from dockwise.model import Package


class RustBinaryCataloger:
    """Packages from cargo-auditable dependency lists, one set per binary."""

    name = "rust-binary"
    globs: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    max_size = 0
    facts = ("elf",)

    def parse(self, file: File, env: Environment) -> Iterator[Package]:
        facts = file.facts.get("elf")
        if not isinstance(facts, dict):
            return
        for crate in facts.get("cargo", ()):
            yield _package(crate)


def _package(crate: dict) -> Package:
    meta = {"source": crate.get("source", ""), "kind": crate.get("kind", "")}
    if crate.get("root"):
        meta["relationship"] = "root"
    purl = PackageURL(type="cargo", name=crate["name"], version=crate["version"]).to_string()
    return Package(
        crate["name"],
        crate["version"],
        "cargo",
        purl,
        metadata=tuple(sorted((k, v) for k, v in meta.items() if v)),
    )
