"""The runtimes in an image, each line once.

Runtimes are found two ways: interpreters and JDKs the runtime cataloger identified from
their own files (type "runtime"), and the distro packages that ship them (`python3.11`,
`nodejs`, `openjdk-17-jre-headless`, `golang-1.19-go`, `ruby3.1`, `php8.2`, ...). A
distro-packaged runtime gets security fixes from the distro for the distro's lifetime,
even after upstream's end of life: `distro_packaged` says which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dockwise.model import OS_PACKAGE_TYPES, Inventory, Package

RUNTIME_NAMES = {"python", "node", "nodejs", "go", "ruby", "php", "dotnet", "openjdk", "jdk",
                 "jre"}  # fmt: skip
# OS package names that are runtimes: pattern -> runtime name; the version comes from
# group 1 when the name carries it, else from the package version
_OS_RUNTIMES = (
    (re.compile(r"^python(3\.\d+)$"), "python"),
    (re.compile(r"^python3$"), "python"),
    (re.compile(r"^nodejs$"), "node"),
    (re.compile(r"^golang-(1\.\d+)(?:-go)?$"), "go"),
    (re.compile(r"^go$"), "go"),
    (re.compile(r"^ruby(\d\.\d)$"), "ruby"),
    (re.compile(r"^php(\d\.\d)$"), "php"),
    (re.compile(r"^openjdk-?(\d+)-(?:jre|jdk)(?:-headless)?$"), "openjdk"),
    (re.compile(r"^java-(\d+)-openjdk(?:-headless)?$"), "openjdk"),
    (re.compile(r"^dotnet-runtime-(\d+\.\d+)$"), "dotnet"),
)
_UPSTREAM = re.compile(r"^(?:\d+:)?v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True, slots=True)
class RuntimeRef:
    """One runtime release in the image, and the package that says so."""

    name: str  # "python", "node", "openjdk", ...
    version: str
    vendor: str  # a JDK's implementor; "" otherwise
    package: Package
    distro_packaged: bool

    @property
    def key(self) -> tuple[str, str]:
        """Name and major.minor: one answer per runtime line, however many copies."""
        return self.name, ".".join(self.version.split(".")[:2])


def runtimes_in(inventory: Inventory) -> tuple[RuntimeRef, ...]:
    """Each runtime line once; a cataloged interpreter wins over the package that ships it."""
    found: dict[tuple[str, str], RuntimeRef] = {}
    for ref in sorted(_all_runtimes(inventory.packages), key=_preference):
        found.setdefault(ref.key, ref)
    return tuple(sorted(found.values(), key=lambda r: r.key))


def _preference(ref: RuntimeRef) -> tuple[bool, bool]:
    """Upstream builds first, then an interpreter found by its files, then a package."""
    return ref.distro_packaged, ref.package.type != "runtime"


def _all_runtimes(packages: Iterable[Package]) -> Iterable[RuntimeRef]:
    for package in packages:
        if package.type == "runtime" and package.name in RUNTIME_NAMES:
            vendor = dict(package.metadata).get("implementor", "")
            yield RuntimeRef(package.name, _upstream(package.version), vendor, package,
                             bool(package.owned_by))  # fmt: skip
        elif package.type in OS_PACKAGE_TYPES:
            ref = _os_runtime(package)
            if ref is not None:
                yield ref


def _os_runtime(package: Package) -> RuntimeRef | None:
    for pattern, name in _OS_RUNTIMES:
        match = pattern.match(package.name)
        if match:
            version = _upstream(package.version)
            if match.groups() and not version.startswith(match.group(1)):
                version = match.group(1)  # python3.11's version may be "3.11.2-6"
            return RuntimeRef(name, version, "", package, True)
    return None


def _upstream(version: str) -> str:
    """ "18.19.0+dfsg-6~deb12u1" -> "18.19.0"; "1:3.2.3-1" -> "3.2.3"."""
    match = _UPSTREAM.match(version.strip())
    return match.group(1) if match else version
