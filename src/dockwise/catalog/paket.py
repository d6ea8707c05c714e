"""Declared NuGet packages from Paket: `paket.lock`, and `paket.dependencies` where no
`paket.lock` sits beside it.

Formats: https://fsprojects.github.io/Paket/lock-file.html (optional `GROUP name` headers;
a `NUGET` section's `remote:` lines at two spaces, packages `Name (version)` at four,
their own dependencies at six; `GITHUB`, `GIT` and `HTTP` sections fetch source files,
not packages) and https://fsprojects.github.io/Paket/dependencies-file.html
(`nuget Name [constraint] [options]`; only `= 1.2.3` or `== 1.2.3` pins one version,
a bare `1.2.3` means `>= 1.2.3`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator

from dockwise.catalog.base import Environment, File
from dockwise.catalog.declared import declared_package
from dockwise.catalog.dotnet import nuget_purl
from dockwise.model import Package, ScanWarning

MAX_PAKET_SIZE = 8 * 1024 * 1024
_MAIN = "main"
_LOCKED = re.compile(r"^    (\S+) \(([^)\s]+)\)")  # four spaces: a package, not a dependency
_SECTION = re.compile(r"^[A-Z]+$")
_NUGET = re.compile(r"^\s*nuget\s+(\S+)\s*(.*)$")
_GROUP = re.compile(r"^\s*group\s+(\S+)", re.IGNORECASE)
_PIN = re.compile(r"^==?\s*(\S+)$")
_OPTION = re.compile(r"\s\S+:(\s|$)")  # `framework: net45`, `restriction: ...`


class PaketCataloger:
    """Packages a Paket-managed .NET repository locks or declares."""

    name = "paket"
    globs = ("**/paket.lock", "**/paket.dependencies")
    reads: tuple[str, ...] = ()
    max_size = MAX_PAKET_SIZE

    def parse(self, file: File, env: Environment) -> Iterable[Package | ScanWarning]:
        if file.path.endswith(".lock"):
            return list(lock_packages(file.text()))
        if env.tree.entry(posixpath.join(posixpath.dirname(file.path), "paket.lock")):
            return []  # the lock beside it says which versions were chosen
        return list(dependencies_packages(file.text()))


def lock_packages(text: str) -> Iterator[Package]:
    """Packages of each group's NUGET sections."""
    group, section = _MAIN, ""
    for line in text.splitlines():
        if line.startswith("GROUP "):
            group, section = line[6:].strip() or _MAIN, ""
        elif _SECTION.match(line):
            section = line
        elif section == "NUGET" and (match := _LOCKED.match(line)):
            yield _nuget(match.group(1), match.group(2), group)


def dependencies_packages(text: str) -> Iterator[Package]:
    """`nuget` lines per group; a constraint other than a pin is kept as `constraint`."""
    group = _MAIN
    for line in text.splitlines():
        line = line.split("//", 1)[0].split(" #", 1)[0]
        if match := _GROUP.match(line):
            group = match.group(1)
        elif match := _NUGET.match(line):
            constraint = _OPTION.split(" " + match.group(2), maxsplit=1)[0].strip()
            pin = _PIN.match(constraint)
            version = pin.group(1) if pin else ""
            yield _nuget(match.group(1), version, group, "" if version else constraint)


def _nuget(name: str, version: str, group: str, constraint: str = "") -> Package:
    return declared_package(name, version, "nuget", nuget_purl(name, version),
                            group="" if group.lower() == _MAIN else group,
                            constraint=constraint)  # fmt: skip
