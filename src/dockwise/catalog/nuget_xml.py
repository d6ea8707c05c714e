"""Declared NuGet packages from MSBuild and NuGet XML files: `packages.config`,
central package management's `Directory.Packages.props` (and the older `Packages.props`),
and the `<PackageReference>` items of project files (`*.csproj`, `*.fsproj`, `*.vbproj`).

Formats: packages.config (https://learn.microsoft.com/nuget/reference/packages-config)
lists `<package id version developmentDependency>`. Central package management
(https://learn.microsoft.com/nuget/consume-packages/central-package-management) lists
`<PackageVersion Include Version>` and `<GlobalPackageReference>` (analyzers and build
tools: development-only); the legacy Packages.props uses `<PackageReference Update>`.
A version may be an MSBuild property, `$(SerilogVersion)`, defined in a
`<PropertyGroup>` of the same file; one defined elsewhere (Directory.Build.props, the
command line) stays unresolved and is kept as `constraint`. A plain version is the
one NuGet resolves (the lowest that satisfies `>=`); a range (`[1.0,2.0)`) or a
floating version (`1.*`) is a constraint. A project file's reference without a version
(central management sets it, in a props file read on its own) is left out, as is a
project whose restore output (`packages.lock.json`, `obj/project.assets.json`) is beside
it: the resolved versions there are read instead. XML is read through defusedxml
(declared.py).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import (
    ManifestError,
    declared_package,
    load_xml,
    local_name,
    unreadable,
)
from dockwise.catalog.dotnet import nuget_purl
from dockwise.model import Package, ScanWarning

if TYPE_CHECKING:  # annotations only: ElementTree is imported when a file is parsed
    from xml.etree.ElementTree import Element

MAX_NUGET_XML_SIZE = 8 * 1024 * 1024
_PROPERTY = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_MAX_EXPANSIONS = 8  # a property defined through others; deeper is a loop
_EXACT = re.compile(r"[0-9][0-9A-Za-z.+-]*")  # not a range, not floating, not a property
PROJECT_SUFFIXES = (".csproj", ".fsproj", ".vbproj")
_RESTORE_OUTPUTS = ("packages.lock.json", "obj/project.assets.json")
_ITEMS = {"PackageVersion": False, "GlobalPackageReference": True, "PackageReference": False}


class NugetXmlCataloger:
    """Packages a .NET project's packages.config or central package versions declare."""

    name = "nuget-manifest"
    globs = ("**/packages.config", "**/Directory.Packages.props", "**/Packages.props",
             "**/packages.props", *(f"**/*{suffix}" for suffix in PROJECT_SUFFIXES))  # fmt: skip
    reads: tuple[str, ...] = ()
    max_size = MAX_NUGET_XML_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        if file.path.endswith(PROJECT_SUFFIXES) and _restored(file.path, env):
            return []
        try:
            root = load_xml(file)
        except ManifestError as exc:
            return [unreadable(file, exc)]
        if posixpath.basename(file.path) == "packages.config":
            return list(packages_config(root))
        return list(props_packages(root))


def packages_config(root: Element) -> Iterator[Package]:
    """`<package>` elements with both an id and a version (NuGet refuses others)."""
    for element in root.iter():
        if local_name(element) != "package":
            continue
        name, version = element.get("id", "").strip(), element.get("version", "").strip()
        if name and version:
            dev = element.get("developmentDependency", "").lower() == "true"
            meta = {"target_framework": element.get("targetFramework", ""),
                    "allowed_versions": element.get("allowedVersions", "")}  # fmt: skip
            yield _nuget(name, version, dev=dev, **meta)


def props_packages(root: Element) -> Iterator[Package]:
    """Central package versions, with `$(Property)` versions from the same file."""
    properties = msbuild_properties(root)
    for element in root.iter():
        global_reference = _ITEMS.get(local_name(element))
        if global_reference is None:
            continue
        name = (element.get("Include") or element.get("Update") or "").strip()
        raw = _attribute_or_child(element, "Version") or _attribute_or_child(
            element, "VersionOverride")  # fmt: skip
        if not name or not raw:
            continue
        version = expand(raw, properties)
        exact = version if _EXACT.fullmatch(version) else ""
        private = _attribute_or_child(element, "PrivateAssets").lower() == "all"
        yield _nuget(name, exact, dev=global_reference or private,
                     constraint="" if exact else version)  # fmt: skip


def _restored(path: str, env: Environment) -> bool:
    """Whether NuGet's restore output for this project is beside it."""
    folder = posixpath.dirname(path)
    return any(env.tree.entry(posixpath.join(folder, name)) for name in _RESTORE_OUTPUTS)


def msbuild_properties(root: Element) -> dict[str, str]:
    """`<PropertyGroup>` children by lower-case name (MSBuild names ignore case); a
    later definition wins, as in MSBuild's evaluation order."""
    properties: dict[str, str] = {}
    for group in root.iter():
        if local_name(group) == "PropertyGroup":
            for prop in group:
                properties[local_name(prop).lower()] = (prop.text or "").strip()
    return properties


def expand(value: str, properties: dict[str, str]) -> str:
    """`$(Name)` replaced by its value; an unknown property is left as written."""
    for _ in range(_MAX_EXPANSIONS):
        expanded = _PROPERTY.sub(lambda m: properties.get(m.group(1).lower(), m.group(0)), value)
        if expanded == value:
            break
        value = expanded
    return value.strip()


def _attribute_or_child(element: Element, name: str) -> str:
    """MSBuild metadata is an attribute or a child element of the same name."""
    if element.get(name) is not None:
        return element.get(name, "").strip()
    child = next((c for c in element if local_name(c) == name), None)
    return (child.text or "").strip() if child is not None else ""


def _nuget(name: str, version: str, *, dev: bool, **meta: str) -> Package:
    return declared_package(name, version, "nuget", nuget_purl(name, version), dev=dev, **meta)
