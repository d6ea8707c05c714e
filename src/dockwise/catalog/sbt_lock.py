"""Declared Maven packages from sbt's dependency lockfile, `build.sbt.lock`.

Format: sbt-dependency-lock (https://github.com/stringbean/sbt-dependency-lock), JSON
with `lockVersion` 1 and a `dependencies` list of `{org, name, version,
configurations}`; trivy reads `*.sbt.lock`. As for Gradle lockfiles, a module that only
the `test` configuration uses is development-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import (
    ManifestError,
    declared_package,
    load_json_object,
    unreadable,
)
from dockwise.catalog.java import maven_purl
from dockwise.model import Package, ScanWarning

MAX_SBT_LOCK_SIZE = 32 * 1024 * 1024


class SbtLockCataloger:
    """Modules an sbt build locked."""

    name = "sbt-lock"
    globs = ("**/*.sbt.lock",)
    reads: tuple[str, ...] = ()
    max_size = MAX_SBT_LOCK_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        try:
            document = load_json_object(file)
        except ManifestError as exc:
            return [unreadable(file, exc)]
        return list(lock_packages(document))


def lock_packages(document: dict) -> Iterator[Package]:
    """Each dependency with an organisation, a name and a version."""
    dependencies = document.get("dependencies")
    for entry in dependencies if isinstance(dependencies, list) else ():
        if not isinstance(entry, dict):
            continue
        group, artifact, version = (entry.get(k) for k in ("org", "name", "version"))
        if not all(isinstance(v, str) and v for v in (group, artifact, version)):
            continue
        configurations = entry.get("configurations")
        names = [c for c in configurations if isinstance(c, str)] if isinstance(
            configurations, list) else []  # fmt: skip
        yield declared_package(f"{group}:{artifact}", version, "maven",
                               maven_purl(group, artifact, version),
                               dev=bool(names) and set(names) == {"test"},
                               configurations=",".join(names))  # fmt: skip
