"""Java archives: one Maven package per artifact a jar, war or ear is or embeds.

The facts come from the java-archive analyzer (dockwise.analyze.java), which read the
archive while its layer streamed past. purls per the purl spec, type `maven`:
`pkg:maven/<groupId>/<artifactId>@<version>`.
"""

from __future__ import annotations

from collections.abc import Iterator

from packageurl import PackageURL

from dockwise.catalog.base import Environment, File
from dockwise.model import Location, Package, ScanWarning


class JavaArchiveCataloger:
    """Packages from the artifacts found in Java archives; nested ones keep their path."""

    name = "java-archive"
    globs: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    max_size = 0
    facts = ("java-archive",)

    def parse(self, file: File, env: Environment) -> Iterator[Package | ScanWarning]:
        facts = file.facts.get("java-archive")
        if not isinstance(facts, dict):
            return
        for artifact in facts.get("artifacts", ()):
            yield maven_package(artifact, file.path)
        for message in facts.get("warnings", ()):
            yield ScanWarning(f"java-archive: {message}", file.path, file.layer)


def maven_purl(group: str, artifact: str, version: str) -> str:
    """`pkg:maven/<groupId>/<artifactId>@<version>`; no version when none is known."""
    return PackageURL(type="maven", namespace=group or None, name=artifact,
                      version=version or None).to_string()  # fmt: skip


def maven_package(artifact: dict, path: str) -> Package:
    """`group:artifact` as the name (as OSV's Maven ecosystem spells it)."""
    group, name, version = artifact["group"], artifact["artifact"], artifact["version"]
    inner = artifact.get("path", "")
    meta = {"evidence": artifact["evidence"], "group_id": group, "artifact_id": name}
    if inner:
        meta["nested_path"] = inner
    if artifact.get("embedded"):
        meta["embedded"] = "true"  # shaded into the archive rather than nested as a jar
    return Package(
        f"{group}:{name}",
        version,
        "maven",
        maven_purl(group, name, version),
        location=Location(path),  # the file in the image; nested_path says where inside
        metadata=tuple(sorted(meta.items())),
    )
