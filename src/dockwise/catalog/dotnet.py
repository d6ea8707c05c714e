""".NET dependencies from the `*.deps.json` file beside every built application.

Format: https://github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md
(`libraries` maps "Name/Version" to `{"type": "package" | "project" | ...}`).
NuGet packages are `package`; the application itself is a `project`, reported like
the npm root with metadata role=root.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from packageurl import PackageURL

from dockwise.catalog.base import Environment, File
from dockwise.model import Package, ScanWarning

_ROLES = {"package": "installed", "project": "root"}
MAX_DEPS_JSON_SIZE = 32 * 1024 * 1024


class DotnetDepsCataloger:
    """NuGet packages a .NET application was built with."""

    name = "dotnet-deps"
    globs = ("**/*.deps.json",)
    reads: tuple[str, ...] = ()
    max_size = MAX_DEPS_JSON_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        return _parse(file)


def _parse(file: File) -> Iterator[Package | ScanWarning]:
    try:
        document = json.loads(file.content or b"")
    except (ValueError, RecursionError) as exc:
        yield ScanWarning(f"invalid JSON ({exc.__class__.__name__})", file.path, file.layer)
        return
    libraries = document.get("libraries") if isinstance(document, dict) else None
    if not isinstance(libraries, dict):
        yield ScanWarning("deps.json without a libraries object", file.path, file.layer)
        return
    for key, library in libraries.items():
        role = _ROLES.get(library.get("type", "") if isinstance(library, dict) else "")
        name, _, version = key.rpartition("/")
        if role and name and version:
            yield _package(name, version, role, library)


def _package(name: str, version: str, role: str, library: dict) -> Package:
    metadata = {"role": role, "sha512": str(library.get("sha512") or "")}
    return Package(
        name=name,
        version=version,
        type="nuget",
        purl=PackageURL(type="nuget", name=name, version=version).to_string(),
        metadata=tuple(sorted((k, v) for k, v in metadata.items() if v)),
    )
