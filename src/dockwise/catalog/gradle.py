"""Declared Maven packages from Gradle builds: dependency lockfiles, dependency
verification metadata and version catalogs.

Formats: https://docs.gradle.org/current/userguide/dependency_locking.html
(`group:artifact:version=configuration,...` lines, `#` comments, a final `empty=` line
naming configurations without dependencies; trivy reads every `*gradle.lockfile`, since a
build may lock per configuration) and
https://docs.gradle.org/current/userguide/dependency_verification.html
(`gradle/verification-metadata.xml`: a `<component group name version>` per module
whose artifacts Gradle checked, which is every module the build resolved; read through
defusedxml, declared.py) and https://docs.gradle.org/current/userguide/platforms.html
(`gradle/*.versions.toml`: `[libraries]` as `"group:name:version"` strings or tables with
`module` or `group`/`name` and a `version` that is a string, a `version.ref` into
`[versions]`, or a rich version whose `strictly`, `require` or `prefer` is taken, as
scalibr does; a range is a `constraint`). Like trivy, a locked module used only by
configurations whose names start with `test` is development-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import (
    ManifestError,
    declared_package,
    load_toml,
    load_xml,
    local_name,
    unreadable,
)
from dockwise.catalog.java import maven_purl
from dockwise.model import Package, ScanWarning

if TYPE_CHECKING:  # annotations only: ElementTree is imported when a file is parsed
    from xml.etree.ElementTree import Element

MAX_GRADLE_SIZE = 16 * 1024 * 1024
_LOCKED = re.compile(r"([^:=\s]+):([^:=\s]+):([^:=\s]+)=(.*)")
_RICH = ("strictly", "require", "prefer")
_RANGE = re.compile(r"[\[\](),+]")  # `[1.0,2.0)`, `1.+`: not one version


class GradleCataloger:
    """Modules a Gradle build locked, verified or named in its version catalog."""

    name = "gradle-lock"
    globs = ("**/*gradle.lockfile", "**/gradle/verification-metadata.xml",
             "**/gradle/*.versions.toml")  # fmt: skip
    reads: tuple[str, ...] = ()
    max_size = MAX_GRADLE_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        if file.path.endswith(".lockfile"):
            return list(lockfile_packages(file.text()))
        try:
            if file.path.endswith(".toml"):
                return list(catalog_packages(load_toml(file)))
            return list(verification_packages(load_xml(file)))
        except ManifestError as exc:
            return [unreadable(file, exc)]


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


def catalog_packages(document: dict) -> Iterator[Package]:
    """Each `[libraries]` entry that names a module; bundles and plugins are not modules."""
    libraries, versions = document.get("libraries"), document.get("versions")
    versions = versions if isinstance(versions, dict) else {}
    for entry in libraries.values() if isinstance(libraries, dict) else ():
        module, version = _library(entry, versions)
        group, _, artifact = module.partition(":")
        if group and artifact and ":" not in artifact:
            exact = "" if _RANGE.search(version) else version
            yield _maven(group, artifact, exact, constraint=version if not exact else "")


def _library(entry: object, versions: dict) -> tuple[str, str]:
    """`group:artifact` and the version a library entry asks for ("" when none)."""
    if isinstance(entry, str):
        group, artifact, version = (entry.split(":") + ["", ""])[:3]
        return f"{group}:{artifact}", version
    if not isinstance(entry, dict):
        return "", ""
    module = entry.get("module") or f"{entry.get('group', '')}:{entry.get('name', '')}"
    return str(module), _version(entry.get("version", ""), versions)


def _version(value: object, versions: dict) -> str:
    """A version string, a `ref` into `[versions]`, or a rich version's first bound."""
    if isinstance(value, dict) and isinstance(value.get("ref"), str):
        value = versions.get(value["ref"], "")
    if isinstance(value, dict):
        value = next((value[k] for k in _RICH if isinstance(value.get(k), str)), "")
    return value if isinstance(value, str) else ""


def _maven(group: str, artifact: str, version: str, *, dev: bool = False, **meta: str) -> Package:
    return declared_package(f"{group}:{artifact}", version, "maven",
                            maven_purl(group, artifact, version), dev=dev, **meta)  # fmt: skip
