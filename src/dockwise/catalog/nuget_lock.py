"""Declared NuGet packages from the files `dotnet restore` writes: `packages.lock.json`
and `obj/project.assets.json`.

Formats: packages.lock.json (https://learn.microsoft.com/nuget/consume-packages/package-references-in-project-files#locking-dependencies)
maps each target framework to `{name: {"type": "Direct" | "Transitive" |
"CentralTransitive" | "Project", "requested", "resolved"}}`; project.assets.json
(https://learn.microsoft.com/nuget/reference/msbuild-targets#restore-outputs) keys
`libraries` by `Name/Version` with `type` `package` or `project`, and lists the project's
own requests per framework under `project.frameworks.<tfm>.dependencies`. Both are
resolved: each package has one exact version. Other projects of the solution (`Project`,
`project`) are not packages and are left out, as trivy and syft do.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import (
    ManifestError,
    declared_package,
    load_json_object,
    unreadable,
)
from dockwise.catalog.dotnet import nuget_purl
from dockwise.model import Package, ScanWarning

MAX_NUGET_LOCK_SIZE = 32 * 1024 * 1024
_DIRECT = {"Direct": "direct", "Transitive": "indirect", "CentralTransitive": "indirect"}
# A private-assets reference (an analyzer, a build tool) never flows to consumers.
_DEV_SUPPRESS = "All"


class NugetLockCataloger:
    """Packages a .NET project's restore resolved."""

    name = "nuget-lock"
    globs = ("**/packages.lock.json", "**/obj/project.assets.json")
    reads: tuple[str, ...] = ()
    max_size = MAX_NUGET_LOCK_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        try:
            document = load_json_object(file)
        except ManifestError as exc:
            return [unreadable(file, exc)]
        if posixpath.basename(file.path) == "project.assets.json":
            return list(assets_packages(document))
        return list(lock_packages(document))


def lock_packages(document: dict) -> Iterator[Package]:
    """Each resolved package once, across target frameworks; direct wins over indirect."""
    found: dict[tuple[str, str], str] = {}
    for name, entry in _entries(document.get("dependencies")):
        relationship = _DIRECT.get(str(entry.get("type")))
        version = entry.get("resolved")
        if relationship and isinstance(version, str) and version:
            key = (name, version)
            found[key] = "direct" if "direct" in (found.get(key), relationship) else relationship
    for (name, version), relationship in found.items():
        yield _nuget(name, version, relationship=relationship)


def _entries(frameworks: object) -> Iterator[tuple[str, dict]]:
    for packages in frameworks.values() if isinstance(frameworks, dict) else ():
        for name, entry in packages.items() if isinstance(packages, dict) else ():
            if isinstance(entry, dict):
                yield str(name), entry


def assets_packages(document: dict) -> Iterator[Package]:
    """`libraries` of type package; direct when the project asked for them itself."""
    libraries = document.get("libraries")
    requested = _requested(document.get("project"))
    for key, library in libraries.items() if isinstance(libraries, dict) else ():
        name, _, version = str(key).rpartition("/")
        if not (name and version and isinstance(library, dict)):
            continue
        if library.get("type") != "package":
            continue
        request = requested.get(name.lower())
        yield _nuget(
            name,
            version,
            dev=request is not None and request.get("suppressParent") == _DEV_SUPPRESS,
            relationship="direct" if request is not None else "indirect",
            sha512=str(library.get("sha512") or ""),
        )


def _requested(project: object) -> dict[str, dict]:
    """The project's own references, by lower-case id (NuGet ids ignore case)."""
    frameworks = project.get("frameworks") if isinstance(project, dict) else None
    if not isinstance(frameworks, dict):
        return {}
    requests = {tfm: f.get("dependencies") for tfm, f in frameworks.items() if isinstance(f, dict)}
    return {name.lower(): entry for name, entry in _entries(requests)}


def _nuget(name: str, version: str, *, dev: bool = False, **meta: str) -> Package:
    return declared_package(name, version, "nuget", nuget_purl(name, version), dev=dev, **meta)
