""".NET dependencies from the `*.deps.json` file beside every built application.

Format: https://github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md
(`libraries` maps "Name/Version" to `{"type": "package" | "project" | ...}`).
NuGet packages are `package`; the application itself is a `project`, reported like
the npm root with metadata role=root.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from packageurl import PackageURL

from dockwise.catalog.base import Environment, File
from dockwise.model import Package, ScanWarning
from dockwise.untrusted import load_json

_ROLES = {"package": "installed", "runtimepack": "installed", "project": "root"}
# A package whose target entry has none of these ships no file with the app (a
# metapackage, a reference assembly); Trivy skips those too.
_RUNTIME_PACK = "runtimepack."  # self-contained apps key their runtime as runtimepack.<name>
_ASSETS = ("runtime", "runtimeTargets", "native")
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
        document = load_json(file.content or b"")
    except ValueError as exc:
        yield ScanWarning(str(exc), file.path, file.layer)
        return
    libraries = document.get("libraries") if isinstance(document, dict) else None
    if not isinstance(libraries, dict):
        yield ScanWarning("deps.json without a libraries object", file.path, file.layer)
        return
    targets = _runtime_target(document)
    for key, library in libraries.items():
        role = _ROLES.get(library.get("type", "") if isinstance(library, dict) else "")
        name, _, version = key.removeprefix(_RUNTIME_PACK).rpartition("/")
        if role and name and version and _ships(targets.get(key), role):
            yield _package(name, version, role, library)


def _runtime_target(document: dict) -> dict:
    """The target the app runs on: `runtimeTarget.name` names a key of `targets`."""
    runtime = document.get("runtimeTarget")
    targets = document.get("targets")
    if not isinstance(runtime, dict) or not isinstance(targets, dict):
        return {}
    target = targets.get(runtime.get("name"))
    return target if isinstance(target, dict) else {}


def _ships(entry: object, role: str) -> bool:
    """Whether the library's files are deployed; unknown (no target entry) counts as yes."""
    if role == "root" or not isinstance(entry, dict):
        return True
    return any(entry.get(asset) for asset in _ASSETS)


def nuget_purl(name: str, version: str) -> str:
    """`pkg:nuget/Name@1.2.3`: NuGet ids keep their case in purls (the spec's nuget type)."""
    return PackageURL(type="nuget", name=name, version=version or None).to_string()


def _package(name: str, version: str, role: str, library: dict) -> Package:
    metadata = {"role": role, "sha512": str(library.get("sha512") or "")}
    return Package(
        name=name,
        version=version,
        type="nuget",
        purl=nuget_purl(name, version),
        metadata=tuple(sorted((k, v) for k, v in metadata.items() if v)),
    )
