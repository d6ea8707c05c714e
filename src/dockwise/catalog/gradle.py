"""Declared Maven packages from Gradle builds: dependency lockfiles and dependency
verification metadata.

Formats: https://docs.gradle.org/current/userguide/dependency_locking.html
(`group:artifact:version=configuration,...` lines, `#` comments, a final `empty=` line
naming configurations without dependencies; trivy reads every `*gradle.lockfile`, since a
build may lock per configuration) and
https://docs.gradle.org/current/userguide/dependency_verification.html
(`gradle/verification-metadata.xml`: a `<component group name version>` per module
whose artifacts Gradle checked, which is every module the build resolved; read through
defusedxml, declared.py). Like trivy, a locked module used only by configurations whose
names start with `test` is development-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import Element

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import (
    ManifestError,
    declared_package,
    load_xml,
    local_name,
    unreadable,
)
from dockwise.catalog.java import maven_purl
from dockwise.model import Package, ScanWarning

MAX_GRADLE_SIZE = 16 * 1024 * 1024
_LOCKED = re.compile(r"([^:=\s]+):([^:=\s]+):([^:=\s]+)=(.*)")


class GradleCataloger:
    """Modules a Gradle build locked or verified."""

    name = "gradle-lock"
    globs = ("**/*gradle.lockfile", "**/gradle/verification-metadata.xml")
    reads: tuple[str, ...] = ()
    max_size = MAX_GRADLE_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        if file.path.endswith(".lockfile"):
            return list(lockfile_packages(file.text()))
        try:
            root = load_xml(file)
        except ManifestError as exc:
            return [unreadable(file, exc)]
        return list(verification_packages(root))


def lockfile_packages(text: str) -> Iterator[Package]:
    """Each `group:artifact:version=configurations` line; anything else is skipped, as
    Gradle itself regenerates rather than repairs a damaged lockfile."""
    for line in text.splitlines():
        match = _LOCKED.fullmatch(line.strip())
        if match is None:
            continue
        group, artifact, version, configurations = match.groups()
        names = [c.strip() for c in configurations.split(",") if c.strip()]
        dev = bool(names) and all(c.startswith("test") for c in names)
        yield _maven(group, artifact, version, dev=dev, configurations=",".join(names))


def verification_packages(root: Element) -> Iterator[Package]:
    """Every `<component>` with a group and a name; one without a version is reported
    with none. Duplicates (Gradle never writes them) collapse to one."""
    seen = set()
    for element in root.iter():
        if local_name(element) != "component":
            continue
        group, artifact = element.get("group", "").strip(), element.get("name", "").strip()
        version = element.get("version", "").strip()
        if group and artifact and (group, artifact, version) not in seen:
            seen.add((group, artifact, version))
            yield _maven(group, artifact, version)


def _maven(group: str, artifact: str, version: str, *, dev: bool = False, **meta: str) -> Package:
    return declared_package(f"{group}:{artifact}", version, "maven",
                            maven_purl(group, artifact, version), dev=dev, **meta)  # fmt: skip
