"""The catalogers and the one loop that runs them over a file tree.

Add a cataloger: write `catalog/<thing>.py` with a class that has `name`, `globs`,
`max_size` and `parse()`, then add an instance to `CATALOGERS` below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from dockwise.catalog.apk import ApkCataloger
from dockwise.catalog.base import Cataloger, Environment, File
from dockwise.catalog.cargo import CargoCataloger
from dockwise.catalog.conda import CondaMetaCataloger
from dockwise.catalog.conda_environment import CondaEnvironmentCataloger
from dockwise.catalog.declared import fold_declared
from dockwise.catalog.distro import DISTRO_GLOBS, detect_distro
from dockwise.catalog.dotnet import DotnetDepsCataloger
from dockwise.catalog.dpkg import DpkgCataloger, OpkgCataloger
from dockwise.catalog.golang import GoBinaryCataloger
from dockwise.catalog.golang_mod import GoModCataloger
from dockwise.catalog.gradle import GradleCataloger
from dockwise.catalog.java import JavaArchiveCataloger
from dockwise.catalog.maven_pom import MavenPomCataloger
from dockwise.catalog.npm import NpmLockCataloger, NpmPackageCataloger
from dockwise.catalog.nuget_lock import NugetLockCataloger
from dockwise.catalog.nuget_xml import NugetXmlCataloger
from dockwise.catalog.ownership import mark_owned
from dockwise.catalog.paket import PaketCataloger
from dockwise.catalog.php import ComposerCataloger
from dockwise.catalog.php_pear import PearRegistryCataloger
from dockwise.catalog.python import PythonInstalledCataloger
from dockwise.catalog.python_lock import PythonLockCataloger
from dockwise.catalog.python_project import PythonProjectCataloger
from dockwise.catalog.python_requirements import PythonRequirementsCataloger
from dockwise.catalog.rpm import RpmCataloger
from dockwise.catalog.ruby import GemSpecificationCataloger
from dockwise.catalog.ruby_lock import GemfileLockCataloger, GemSourceSpecCataloger
from dockwise.catalog.runtimes import RuntimeCataloger
from dockwise.catalog.rust import RustBinaryCataloger
from dockwise.catalog.sbt_lock import SbtLockCataloger
from dockwise.catalog.unowned import notable_files
from dockwise.globs import glob_regex
from dockwise.model import Inventory, LayerRef, Package, ScanWarning
from dockwise.source.filetree import FileTree

CATALOGERS: tuple[Cataloger, ...] = (
    ApkCataloger(),
    DpkgCataloger(),
    OpkgCataloger(),
    RpmCataloger(),
    PythonInstalledCataloger(),
    PythonLockCataloger(),
    PythonRequirementsCataloger(),
    PythonProjectCataloger(),
    CondaMetaCataloger(),
    CondaEnvironmentCataloger(),
    NpmPackageCataloger(),
    NpmLockCataloger(),
    GemSpecificationCataloger(),
    GemfileLockCataloger(),
    GemSourceSpecCataloger(),
    ComposerCataloger(),
    PearRegistryCataloger(),
    DotnetDepsCataloger(),
    NugetLockCataloger(),
    NugetXmlCataloger(),
    PaketCataloger(),
    GoBinaryCataloger(),
    GoModCataloger(),
    RustBinaryCataloger(),
    CargoCataloger(),
    JavaArchiveCataloger(),
    GradleCataloger(),
    MavenPomCataloger(),
    SbtLockCataloger(),
    RuntimeCataloger(),
)


def wanted_globs(catalogers: Sequence[Cataloger]) -> dict[str, int]:
    """Every path pattern whose content must be kept while streaming, with its size cap."""
    wants = {glob: 1024 * 1024 for glob in DISTRO_GLOBS}
    for cataloger in catalogers:
        for glob in (*cataloger.globs, *cataloger.reads):
            wants[glob] = max(wants.get(glob, 0), cataloger.max_size)
    return wants


def catalog(tree: FileTree, catalogers: Sequence[Cataloger] = CATALOGERS) -> Inventory:
    """Run each cataloger on each file it asked for; failures become warnings."""
    distro = detect_distro(tree)
    env = Environment(tree, distro)
    packages: list[Package] = []
    warnings: list[ScanWarning] = list(tree.warnings)
    for cataloger in catalogers:
        for file in _files_for(cataloger, tree):
            found, problems = _parse_with_layers(cataloger, file, env)
            packages.extend(found)
            warnings.extend(problems)
    packages = fold_declared(packages)
    packages.sort(key=lambda p: (p.type, p.name, p.version, p.location.path))
    owned = mark_owned(packages)
    return Inventory(distro, owned, tuple(warnings), notable_files(tree, owned))


def _files_for(cataloger: Cataloger, tree: FileTree) -> Iterator[File]:
    """The files a cataloger parses: those its globs name, then those with its facts."""
    seen = set()
    if cataloger.globs:
        for file in tree.kept(glob_regex(cataloger.globs)):
            seen.add(file.path)
            yield file
    for analyzer in getattr(cataloger, "facts", ()):
        for file in tree.with_facts(analyzer):
            if file.path not in seen:
                seen.add(file.path)
                yield file


def _parse_with_layers(
    cataloger: Cataloger, file: File, env: Environment
) -> tuple[list[Package], list[ScanWarning]]:
    """Parse the newest version of a file, and attribute each package to its layer.

    A package belongs to the oldest layer from which every later version of the file
    still lists it: a database rewritten by each layer does not move old packages up.
    """
    packages, warnings = _parse(cataloger, file, env)
    if not packages:  # most files handed over for their ELF facts: nothing to date
        return [], warnings
    introduced = {p.key: file.layer for p in packages}
    alive = set(introduced)
    for version in reversed(env.tree.versions(file.path)[:-1]):
        if not alive or (version.content is None and not version.facts):
            break
        alive &= _keys(cataloger, version, env)
        for key in alive:
            introduced[key] = version.layer
    stamped = [_stamp(p, cataloger.name, file.path, introduced[p.key]) for p in packages]
    return stamped, warnings


def _keys(cataloger: Cataloger, file: File, env: Environment) -> set[str]:
    """The keys of the packages an older version of a file lists: by the cataloger's own
    `keys` when it has one (dpkg: no file lists or licenses read), else by parsing."""
    keys = getattr(cataloger, "keys", None)
    if keys is None:
        return {p.key for p in _parse(cataloger, file, env)[0]}
    try:
        return set(keys(file, env))
    except Exception:  # noqa: BLE001 - as `_parse`: a version that fails dates nothing
        return set()


def _parse(
    cataloger: Cataloger, file: File, env: Environment
) -> tuple[list[Package], list[ScanWarning]]:
    packages: list[Package] = []
    warnings: list[ScanWarning] = []
    try:
        for item in cataloger.parse(file, env):
            if isinstance(item, Package):
                packages.append(item)
            else:
                warnings.append(dataclasses.replace(item, path=item.path or file.path))
    except Exception as exc:  # noqa: BLE001 - a parser bug must not lose the other results
        warnings.append(
            ScanWarning(f"{cataloger.name}: cannot parse ({exc})", file.path, file.layer)
        )
    return packages, warnings


def _stamp(package: Package, found_by: str, path: str, layer: LayerRef | None) -> Package:
    location = dataclasses.replace(
        package.location, path=package.location.path or path, layer=layer
    )
    return dataclasses.replace(package, location=location, found_by=found_by)

